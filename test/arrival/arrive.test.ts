/**
 * The provisioning decision as a table of cases, calling arrive() directly
 * on a real database (SQLite, or PostgreSQL with DATABASE_URL). Each case gets
 * a fresh org; every case also checks its audit event (door, identity,
 * decision, reason), refusals included.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../db/types.ts";
import type { Actor } from "../../src/org/audit/record.ts";
import { createInvite } from "../../src/org/invites/invites.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { arrive, type Arrival, type ArrivalOutcome } from "../../src/org/arrival/arrive.ts";
import { createTeam } from "../../src/org/teams/teams.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

const actor: Actor = { door: "sso", id: "test" };
const ISSUER = "https://idp.example.test";
let n = 0;
const uniq = () => `${process.pid}-${++n}-${crypto.randomBytes(3).toString("hex")}`;

interface World {
  db: Kysely<Database>;
  orgId: string;
  /** a second org (for "keeps what they had elsewhere", another org's domain) */
  otherOrgId: string;
  domain: string;
  defaultTeamId: string;
  teamId: string;
  vars: Record<string, string>;
}

const oidc = (subject: string) => ({ provider: "oidc" as const, issuer: ISSUER, subject });
const ldap = (dn: string) => ({ provider: "ldap" as const, issuer: "ldap://dir.example.test", subject: dn });

async function newWorld(db: Kysely<Database>): Promise<World> {
  const { org } = await createOrg(db, `prov-${uniq()}`);
  const { org: other } = await createOrg(db, `other-${uniq()}`);
  const defaultTeam = await createTeam(db, org.id, { displayName: "everyone", externalId: null }, [], actor);
  const team = await createTeam(db, org.id, { displayName: "ml", externalId: null }, [], actor);
  await db.updateTable("orgs").set({ default_team_id: defaultTeam.id }).where("id", "=", org.id).execute();
  return { db, orgId: org.id, otherOrgId: other.id, domain: `corp-${uniq()}.example`, defaultTeamId: defaultTeam.id, teamId: team.id, vars: {} };
}

async function claim(w: World, orgId: string, domain: string, verified: boolean): Promise<void> {
  await w.db.insertInto("domains").values({ id: crypto.randomUUID(), org_id: orgId, domain, token: "t", created_at: new Date().toISOString(), verified_at: verified ? new Date().toISOString() : null, verified_by: verified ? "test" : null }).execute();
}

const setOrg = (w: World, fields: Partial<{ auto_provisioning: 0 | 1; full_models_seat_limit: number | null; sync_groups_to_teams: 0 | 1 }>) =>
  w.db.updateTable("orgs").set(fields).where("id", "=", w.orgId).execute();

async function teamsOf(w: World, memberId: string): Promise<string[]> {
  const rows = await w.db.selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id").select("t.display_name").where("tm.member_id", "=", memberId).orderBy("t.name_key").execute();
  return rows.map((r) => r.display_name);
}

async function member(w: World, id: string) {
  return w.db.selectFrom("members").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

const count = async (w: World, table: "users" | "members" | "identities") =>
  Number((await w.db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

interface Case {
  name: string;
  /** prepares the world; returns the arrival to decide on */
  given: (w: World) => Promise<Arrival>;
  decision: ArrivalOutcome["decision"];
  reason?: RegExp;
  newUser?: boolean;
  linked?: boolean;
  then?: (w: World, out: ArrivalOutcome) => Promise<void>;
}

const ok = (out: ArrivalOutcome) => {
  assert.ok(out.ok, JSON.stringify(out));
  return out;
};

const CASES: Case[] = [
  {
    name: "known identity → that user, signed in (the e-mail it brings now does not matter)",
    given: async (w) => {
      const first = ok(await arrive(w.db, { door: "oidc", orgId: w.orgId, identity: oidc("alice"), email: `alice@${w.domain}`, emailVerified: true }, actor));
      w.vars.userId = first.userId;
      return { door: "oidc", orgId: w.orgId, identity: oidc("alice"), email: "changed@elsewhere.example", emailVerified: false };
    },
    decision: "signed_in", newUser: false, linked: false,
    then: async (w, out) => assert.equal(ok(out).userId, w.vars.userId),
  },
  {
    name: "verified e-mail of a user known elsewhere, in a domain this org verified → link (identity recorded); joining keeps the other org's membership",
    given: async (w) => {
      const there = ok(await arrive(w.db, { door: "oidc", orgId: w.otherOrgId, identity: oidc("bob"), email: `bob@${w.domain}`, emailVerified: true }, actor));
      await claim(w, w.orgId, w.domain, true);
      w.vars.userId = there.userId;
      w.vars.otherMember = there.memberId;
      return { door: "ldap", orgId: w.orgId, identity: ldap("uid=bob,dc=x"), email: `Bob@${w.domain.toUpperCase()}`, emailVerified: true };
    },
    decision: "joined", newUser: false, linked: true,
    then: async (w, out) => {
      assert.equal(ok(out).userId, w.vars.userId);
      const ids = await w.db.selectFrom("identities").select(["provider", "subject"]).where("user_id", "=", w.vars.userId!).orderBy("provider").execute();
      assert.deepEqual(ids, [{ provider: "ldap", subject: "uid=bob,dc=x" }, { provider: "oidc", subject: "bob" }]);
      assert.equal((await member(w, w.vars.otherMember!)).active, 1);
    },
  },
  {
    name: "unverified e-mail never links: a new user is created",
    given: async (w) => {
      w.vars.userId = ok(await arrive(w.db, { door: "oidc", orgId: w.otherOrgId, identity: oidc("carol"), email: "carol@shared.example", emailVerified: true }, actor)).userId;
      return { door: "oidc", orgId: w.orgId, identity: oidc("mallory"), email: "carol@shared.example", emailVerified: false, userName: "mallory" };
    },
    decision: "joined", newUser: true, linked: false,
    then: async (w, out) => {
      assert.notEqual(ok(out).userId, w.vars.userId);
      const u = await w.db.selectFrom("users").selectAll().where("id", "=", ok(out).userId).executeTakeFirstOrThrow();
      assert.equal(u.email_verified, 0);
    },
  },
  {
    name: "unverified e-mail never captures: a claimed, verified domain does not put them in the default team",
    given: async (w) => {
      await claim(w, w.orgId, w.domain, true);
      return { door: "oidc", orgId: w.orgId, identity: oidc("dan"), email: `dan@${w.domain}`, emailVerified: false };
    },
    decision: "joined", newUser: true,
    then: async (w, out) => assert.deepEqual(await teamsOf(w, ok(out).memberId), []),
  },
  {
    name: "unverified e-mail never matches an invite (auto-provisioning off → refused; the invite stays pending)",
    given: async (w) => {
      await setOrg(w, { auto_provisioning: 0 });
      const { invite } = await createInvite(w.db, w.orgId, { email: `erin@${w.domain}`, orgRole: "admin", teamIds: [w.teamId] }, { ttlHours: 1 }, actor);
      w.vars.inviteId = invite.id;
      return { door: "oidc", orgId: w.orgId, identity: oidc("erin"), email: `erin@${w.domain}`, emailVerified: false };
    },
    decision: "refused", reason: /auto-provisioning, or send you an invite/,
    then: async (w) => {
      const inv = await w.db.selectFrom("invites").selectAll().where("id", "=", w.vars.inviteId!).executeTakeFirstOrThrow();
      assert.equal(inv.accepted_at, null);
    },
  },
  {
    name: "unverified e-mail with the invite's link (token) → refused, naming the verified address needed",
    given: async (w) => {
      const { token } = await createInvite(w.db, w.orgId, { email: `fay@${w.domain}` }, { ttlHours: 1 }, actor);
      return { door: "invite", orgId: w.orgId, identity: oidc("fay"), email: `fay@${w.domain}`, emailVerified: false, inviteToken: token };
    },
    decision: "refused", reason: /sent to fay@.*verified/,
  },
  {
    name: "already a member → signed in",
    given: async (w) => {
      ok(await arrive(w.db, { door: "ldap", orgId: w.orgId, identity: ldap("uid=gus"), email: "gus@x.example", emailVerified: true }, actor));
      return { door: "ldap", orgId: w.orgId, identity: ldap("uid=gus"), email: "gus@x.example", emailVerified: true };
    },
    decision: "signed_in", newUser: false, linked: false,
  },
  {
    name: "inactive member → refused, saying an admin can reactivate",
    given: async (w) => {
      const first = ok(await arrive(w.db, { door: "oidc", orgId: w.orgId, identity: oidc("hal"), email: "hal@x.example", emailVerified: true }, actor));
      await w.db.updateTable("members").set({ active: 0 }).where("id", "=", first.memberId).execute();
      return { door: "oidc", orgId: w.orgId, identity: oidc("hal"), email: "hal@x.example", emailVerified: true };
    },
    decision: "refused", reason: /your membership in .* is deactivated; an admin can reactivate it/,
  },
  {
    name: "pending invite (verified e-mail) → joins with the invite's role and teams, NOT the default team, even in a captured domain",
    given: async (w) => {
      await claim(w, w.orgId, w.domain, true);
      await setOrg(w, { auto_provisioning: 0 });
      await createInvite(w.db, w.orgId, { email: `ivy@${w.domain}`, orgRole: "admin", teamIds: [w.teamId] }, { ttlHours: 1 }, actor);
      return { door: "oidc", orgId: w.orgId, identity: oidc("ivy"), email: `IVY@${w.domain}`, emailVerified: true };
    },
    decision: "joined_by_invite", newUser: true,
    then: async (w, out) => {
      const m = await member(w, ok(out).memberId);
      assert.equal(m.org_role, "admin");
      assert.deepEqual(await teamsOf(w, m.id), ["ml"]);
    },
  },
  {
    name: "invite link (token) with the matching verified e-mail → joins by invite",
    given: async (w) => {
      const { token } = await createInvite(w.db, w.orgId, { email: "jo@x.example", orgRole: "member", teamIds: [w.teamId] }, { ttlHours: 1 }, actor);
      return { door: "invite", orgId: w.orgId, identity: oidc("jo"), email: "jo@x.example", emailVerified: true, inviteToken: token };
    },
    decision: "joined_by_invite", newUser: true,
    then: async (w, out) => assert.deepEqual(await teamsOf(w, ok(out).memberId), ["ml"]),
  },
  {
    name: "auto-provisioning on → joins as Member (unclaimed domain: no default team)",
    given: async (w) => ({ door: "oidc", orgId: w.orgId, identity: oidc("kim"), email: "kim@unclaimed.example", emailVerified: true, displayName: "Kim K" }),
    decision: "joined", newUser: true, linked: false,
    then: async (w, out) => {
      const m = await member(w, ok(out).memberId);
      assert.deepEqual([m.org_role, m.models_seat, m.user_name, m.display_name], ["member", "full", "kim@unclaimed.example", "Kim K"]);
      assert.deepEqual(await teamsOf(w, m.id), []);
    },
  },
  {
    name: "domain capture: new user, verified e-mail, domain claimed and verified by this org → also the default team",
    given: async (w) => {
      await claim(w, w.orgId, w.domain, true);
      return { door: "oidc", orgId: w.orgId, identity: oidc("lee"), email: `lee@${w.domain}`, emailVerified: true };
    },
    decision: "joined_with_default_team", newUser: true,
    then: async (w, out) => {
      assert.deepEqual(await teamsOf(w, ok(out).memberId), ["everyone"]);
      const tm = await w.db.selectFrom("team_members").select("role").where("member_id", "=", ok(out).memberId).executeTakeFirstOrThrow();
      assert.equal(tm.role, "member");
    },
  },
  {
    name: "domain capture only for NEW users: an existing (linked) user joins without the default team",
    given: async (w) => {
      await claim(w, w.orgId, w.domain, true);
      ok(await arrive(w.db, { door: "oidc", orgId: w.otherOrgId, identity: oidc("max"), email: `max@${w.domain}`, emailVerified: true }, actor));
      return { door: "ldap", orgId: w.orgId, identity: ldap("uid=max"), email: `max@${w.domain}`, emailVerified: true };
    },
    decision: "joined", newUser: false, linked: true,
    then: async (w, out) => assert.deepEqual(await teamsOf(w, ok(out).memberId), []),
  },
  {
    name: "another org's verified domain does not capture",
    given: async (w) => {
      await claim(w, w.otherOrgId, w.domain, true);
      return { door: "oidc", orgId: w.orgId, identity: oidc("ned"), email: `ned@${w.domain}`, emailVerified: true };
    },
    decision: "joined", newUser: true,
    then: async (w, out) => assert.deepEqual(await teamsOf(w, ok(out).memberId), []),
  },
  {
    name: "a claimed but unverified domain does not capture",
    given: async (w) => {
      await claim(w, w.orgId, w.domain, false);
      return { door: "oidc", orgId: w.orgId, identity: oidc("oda"), email: `oda@${w.domain}`, emailVerified: true };
    },
    decision: "joined", newUser: true,
  },
  {
    name: "auto-provisioning off, no invite → refused, naming what an admin can do; nothing is created",
    given: async (w) => {
      await setOrg(w, { auto_provisioning: 0 });
      w.vars.users = String(await count(w, "users"));
      w.vars.identities = String(await count(w, "identities"));
      return { door: "ldap", orgId: w.orgId, identity: ldap("uid=pat"), email: "pat@x.example", emailVerified: true };
    },
    decision: "refused", reason: /an admin of .* can turn on auto-provisioning, or send you an invite/,
    then: async (w) => {
      assert.equal(await count(w, "users"), Number(w.vars.users));
      assert.equal(await count(w, "identities"), Number(w.vars.identities));
    },
  },
  {
    name: "seat limit reached → refused by the member rules (as for SCIM); nothing is created",
    given: async (w) => {
      await setOrg(w, { full_models_seat_limit: 0 });
      w.vars.users = String(await count(w, "users"));
      return { door: "oidc", orgId: w.orgId, identity: oidc("quinn"), email: "quinn@x.example", emailVerified: true };
    },
    decision: "refused", reason: /^seat limit reached: 0 of 0 full Models seats in use in .*; an admin of .* can free a seat, raise the limit/,
    then: async (w) => assert.equal(await count(w, "users"), Number(w.vars.users)),
  },
  {
    name: "seat limit reached → an invite is refused the same way",
    given: async (w) => {
      // Invited while a seat was free (inviting at the limit is refused); the limit is reached before acceptance.
      await createInvite(w.db, w.orgId, { email: "rae@x.example" }, { ttlHours: 1 }, actor);
      await setOrg(w, { full_models_seat_limit: 0 });
      return { door: "oidc", orgId: w.orgId, identity: oidc("rae"), email: "rae@x.example", emailVerified: true };
    },
    decision: "refused", reason: /seat limit reached/,
  },
  {
    name: "SCIM first, SSO later: a verified e-mail links to the org's SCIM member and signs in",
    given: async (w) => {
      const m = ok(await arrive(w.db, { door: "scim", orgId: w.orgId, emailVerified: false, member: { userName: "sam", externalId: "okta-1", displayName: null, givenName: null, familyName: null, active: true, emails: [{ value: "Sam@Corp.example", type: "work", primary: true }], resource: {} } }, { door: "scim", id: "k" }));
      w.vars.memberId = m.memberId;
      return { door: "oidc", orgId: w.orgId, identity: oidc("sam"), email: "sam@corp.example", emailVerified: true };
    },
    decision: "signed_in", newUser: false, linked: true,
    then: async (w, out) => assert.equal(ok(out).memberId, w.vars.memberId),
  },
  {
    name: "SCIM door: always a new user (SCIM e-mails are unverified), joins as Member even with auto-provisioning off",
    given: async (w) => {
      await setOrg(w, { auto_provisioning: 0 });
      ok(await arrive(w.db, { door: "oidc", orgId: w.otherOrgId, identity: oidc("tia"), email: "tia@x.example", emailVerified: true }, actor));
      return { door: "scim", orgId: w.orgId, email: "tia@x.example", emailVerified: true, userName: "tia" };
    },
    decision: "joined", newUser: true, linked: false,
  },
  {
    name: "group sync on: sign-in adds the teams named by groups and removes the others (not the default team)",
    given: async (w) => {
      await setOrg(w, { sync_groups_to_teams: 1 });
      await createTeam(w.db, w.orgId, { displayName: "Research", externalId: null }, [], actor);
      await createTeam(w.db, w.orgId, { displayName: "Ops", externalId: null }, [], actor);
      await claim(w, w.orgId, w.domain, true);
      const first = ok(await arrive(w.db, { door: "ldap", orgId: w.orgId, identity: ldap("uid=uma"), email: `uma@${w.domain}`, emailVerified: true, groups: ["ops", "ML", "no-such-team"] }, actor));
      assert.deepEqual(await teamsOf(w, first.memberId), ["everyone", "ml", "Ops"]);
      return { door: "ldap", orgId: w.orgId, identity: ldap("uid=uma"), email: `uma@${w.domain}`, emailVerified: true, groups: ["RESEARCH", "ml"] };
    },
    decision: "signed_in",
    then: async (w, out) => {
      assert.deepEqual(await teamsOf(w, ok(out).memberId), ["everyone", "ml", "Research"]);
      const ev = await w.db.selectFrom("audit_events").select("detail").where("org_id", "=", w.orgId).where("action", "=", "member.team_sync").orderBy("id", "desc").executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(ev.detail!), { added: ["Research"], removed: ["Ops"] });
    },
  },
  {
    name: "group sync off (the default): groups change nothing",
    given: async (w) => ({ door: "oidc", orgId: w.orgId, identity: oidc("vic"), email: "vic@x.example", emailVerified: true, groups: ["ml"] }),
    decision: "joined",
    then: async (w, out) => assert.deepEqual(await teamsOf(w, ok(out).memberId), []),
  },
];

describe("provisioning decision (arrive(), the one decision for every door)", () => {
  let store: TestStore;
  before(async () => { store = await openTestStore(); });
  after(async () => { await store?.close(); });

  for (const c of CASES) {
    it(c.name, async () => {
      const w = await newWorld(store.db);
      const arrival = await c.given(w);
      const out = await arrive(store.db, arrival, actor);
      assert.equal(out.decision, c.decision, JSON.stringify(out));
      if (!out.ok) assert.match(out.reason, c.reason ?? /./);
      else {
        if (c.newUser !== undefined) assert.equal(out.newUser, c.newUser, "newUser");
        if (c.linked !== undefined) assert.equal(out.linked, c.linked, "linked");
        const m = await member(w, out.memberId);
        assert.deepEqual([m.org_id, m.user_id, m.active], [arrival.orgId, out.userId, 1]);
      }
      // Every outcome, refusals included, is audited: door, identity, decision, reason.
      const ev = await store.db.selectFrom("audit_events").selectAll().where("org_id", "=", arrival.orgId).where("action", "like", "provision.%")
        .orderBy("id", "desc").executeTakeFirstOrThrow();
      assert.equal(ev.action, `provision.${c.decision}`);
      const detail = JSON.parse(ev.detail!);
      assert.equal(detail.door, arrival.door);
      assert.equal(detail.decision, c.decision);
      assert.deepEqual(detail.identity, arrival.identity ?? null);
      assert.equal(typeof detail.reason, "string");
      if (!out.ok) assert.equal(detail.reason, out.reason);
      else assert.equal(ev.target_id, out.memberId);
      await c.then?.(w, out);
    });
  }

  it("two concurrent first sign-ins of the same identity end with one user and one member", async () => {
    const w = await newWorld(store.db);
    const a: Arrival = { door: "oidc", orgId: w.orgId, identity: oidc("race"), email: "race@x.example", emailVerified: true };
    const [x, y] = await Promise.all([arrive(store.db, a, actor), arrive(store.db, a, actor)]);
    assert.ok(x.ok && y.ok, JSON.stringify([x, y]));
    assert.equal(x.userId, y.userId);
    assert.equal(x.memberId, y.memberId);
    assert.deepEqual([x.decision, y.decision].sort(), ["joined", "signed_in"]);
  });
});
