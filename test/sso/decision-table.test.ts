/**
 * The provisioning decision as ONE table of cases, each run through BOTH doors
 * over HTTP against real peers: OIDC (a real oidc-provider, the full code +
 * PKCE flow from a browser with a cookie jar) and LDAP (the tests' own slapd).
 * Each case × door gets its own org and its own person (users are global, so
 * the people of different cases must not meet), and asserts the HTTP outcome
 * and the resulting state: member row, org role, teams, identity links, the
 * session, and the audit event (door, identity, decision, reason).
 *
 * Per-door specifics (state/PKCE tampering, allow-lists, directory timeouts,
 * rate limits, ...) live in oidc.test.ts and ldap.test.ts; the decision itself
 * is tested directly in test/arrival/arrive.test.ts.
 *
 * Also: a sign-in started on one app instance completes on another one over
 * the same database (a small load balancer in front of two createApp()s).
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { openDatabase, type Store } from "../../db/connect.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import type { Actor } from "../../src/org/audit/record.ts";
import { claimDomain, markDomainVerified } from "../../src/org/orgs/domains.ts";
import { createInvite } from "../../src/org/invites/invites.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { arrive } from "../../src/org/arrival/arrive.ts";
import { createTeam } from "../../src/org/teams/teams.ts";
import { openTestStore, type TestStore } from "../support/store.ts";
import { Browser, signInThrough, startOidcProvider, type BrowserResponse, type OidcAccount, type TestProvider } from "./oidc-provider.ts";
import { dnOf, GROUPS_DN, PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type Person, type Slapd } from "./slapd.ts";

const ENCRYPTION_KEY = crypto.randomBytes(32).toString("base64");
const setupActor: Actor = { door: "cli", id: "decision-table-setup" };
const ELSEWHERE = "https://elsewhere-idp.example";

type DoorName = "oidc" | "ldap";
const DOORS: DoorName[] = ["oidc", "ldap"];
type Decision = "signed_in" | "joined_by_invite" | "joined" | "joined_with_default_team" | "refused";

/** What one door's sign-in attempt answered. */
interface Attempt {
  status: number;
  detail: string | null;
  /** the member the session carries (GET /api/v1/me with the same browser), if signed in */
  memberId: string | null;
}

/** One case × door: its org, its person, and how to sign them in. */
interface Ctx {
  door: DoorName;
  store: TestStore;
  org: { id: string; name: string; key: string };
  otherOrgId: string;
  defaultTeamId: string;
  teamId: string;
  domain: string;
  /** the arriving person's e-mail (unique per case × door) */
  email: string;
  userName: string;
  /** the login identity the door records */
  identity: { provider: DoorName; issuer: string; subject: string };
  signIn(): Promise<Attempt>;
  /** the case's unverified claimant signs in through this org's OIDC door (both doors' orgs have one) */
  attackerSignIn(): Promise<Attempt>;
  attackerIdentity: { provider: "oidc"; issuer: string; subject: string };
  /** the app's origin */
  base: string;
  vars: Record<string, string>;
}

interface Case {
  id: number;
  name: string;
  /** is the person's e-mail verified (OIDC email_verified; LDAP: the connection's trustEmail) */
  verified: boolean;
  /** the e-mail's domain is claimed AND verified by this org */
  capture?: boolean;
  given?: (c: Ctx) => Promise<void>;
  /** an unverified claimant of the same e-mail, signing in through this org's OIDC door after `given` (see attackerSignIn) */
  attacker?: { preferredUsername?: "victim's user name" };
  /** the person's OIDC account asks for no user name (preferred_username absent) */
  noPreferredUsername?: boolean;
  /** the member's expected user name, when not the case's default */
  expectUserName?: (c: Ctx) => string;
  decision: Decision;
  reason: RegExp;
  then?: (c: Ctx, a: Attempt) => Promise<void>;
}

// ---- state readers ------------------------------------------------------------------------------

const db = (c: Ctx) => c.store.db;

async function memberRow(c: Ctx, memberId: string) {
  return db(c).selectFrom("members").selectAll().where("id", "=", memberId).executeTakeFirstOrThrow();
}

async function teamsOf(c: Ctx, memberId: string): Promise<{ name: string; role: string }[]> {
  const rows = await db(c).selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id")
    .select(["t.display_name", "tm.role"]).where("tm.member_id", "=", memberId).orderBy("t.name_key").execute();
  return rows.map((r) => ({ name: r.display_name, role: r.role }));
}

async function identityUser(c: Ctx): Promise<string | undefined> {
  const { provider, issuer, subject } = c.identity;
  return (await db(c).selectFrom("identities").select("user_id").where("provider", "=", provider).where("issuer", "=", issuer).where("subject", "=", subject).executeTakeFirst())?.user_id;
}

async function identitiesOf(c: Ctx, userId: string): Promise<string[]> {
  const rows = await db(c).selectFrom("identities").select(["provider", "issuer", "subject"]).where("user_id", "=", userId).execute();
  return rows.map((r) => `${r.provider} ${r.issuer} ${r.subject}`).sort();
}

const label = (id: Ctx["identity"]) => `${id.provider} ${id.issuer} ${id.subject}`;

async function counts(c: Ctx) {
  const n = async (table: "users" | "members" | "identities" | "team_members") =>
    Number((await db(c).selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  return { users: await n("users"), members: await n("members"), identities: await n("identities"), teamMembers: await n("team_members") };
}

async function membersWithEmail(c: Ctx, orgId: string, email: string) {
  return db(c).selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").select(["m.id", "m.user_id"])
    .where("m.org_id", "=", orgId).where("u.email_key", "=", email.toLowerCase()).execute();
}

/** The newest provision.* audit event of the org. */
async function lastDecision(c: Ctx) {
  const row = await db(c).selectFrom("audit_events").selectAll().where("org_id", "=", c.org.id).where("action", "like", "provision.%")
    .orderBy("id", "desc").limit(1).executeTakeFirstOrThrow();
  return { action: row.action, door: row.door, actor: row.actor, targetId: row.target_id, detail: JSON.parse(row.detail ?? "null") };
}

/** An existing user (verified e-mail), member of the OTHER org, known through another identity provider. */
async function existingUserElsewhere(c: Ctx): Promise<void> {
  const out = await arrive(db(c), {
    door: "oidc", orgId: c.otherOrgId, identity: { provider: "oidc", issuer: ELSEWHERE, subject: `existing-${c.door}-${c.email}` },
    email: c.email, emailVerified: true, userName: `existing-${c.userName}`,
  }, setupActor);
  assert.ok(out.ok, JSON.stringify(out));
  c.vars.existingUserId = out.userId;
  c.vars.otherMemberId = out.memberId;
}

async function captureDomain(c: Ctx): Promise<void> {
  await claimDomain(db(c), c.org.id, c.domain, setupActor);
  await markDomainVerified(db(c), c.domain, setupActor);
}

// ---- the table ----------------------------------------------------------------------------------

const CASES: Case[] = [
  {
    id: 1, name: "new person, auto-provisioning on → joins as Member (no default team: the domain is not claimed)",
    verified: true, decision: "joined", reason: /^auto-provisioning$/,
    then: async (c, a) => {
      const m = await memberRow(c, a.memberId!);
      assert.equal(m.org_role, "member");
      assert.deepEqual(await teamsOf(c, m.id), []);
      assert.equal(await identityUser(c), m.user_id, "the login identity links to the new user");
      const u = await db(c).selectFrom("users").selectAll().where("id", "=", m.user_id).executeTakeFirstOrThrow();
      assert.equal(u.email, c.email);
      assert.equal(u.email_verified, 1);
      const audit = await lastDecision(c);
      assert.equal(audit.detail.newUser, true);
      assert.equal(audit.detail.linked, false);
    },
  },
  {
    id: 2, name: "new person from a domain claimed and verified by this org, verified e-mail → Member + the default team",
    verified: true, capture: true, decision: "joined_with_default_team", reason: /claimed and verified by this organization/,
    then: async (c, a) => {
      const m = await memberRow(c, a.memberId!);
      assert.equal(m.org_role, "member");
      assert.deepEqual(await teamsOf(c, m.id), [{ name: "everyone", role: "member" }]);
      assert.equal(await identityUser(c), m.user_id);
      assert.equal((await lastDecision(c)).detail.defaultTeamId, c.defaultTeamId);
    },
  },
  {
    id: 3, name: "same, but the e-mail is NOT verified → Member, not in the default team, not linked to the existing user with that e-mail",
    verified: false, capture: true, decision: "joined", reason: /^auto-provisioning$/,
    given: existingUserElsewhere,
    then: async (c, a) => {
      const m = await memberRow(c, a.memberId!);
      assert.equal(m.org_role, "member");
      assert.deepEqual(await teamsOf(c, m.id), [], "an unverified e-mail never captures");
      assert.notEqual(m.user_id, c.vars.existingUserId, "an unverified e-mail never links");
      assert.equal(await identityUser(c), m.user_id, "the identity belongs to a new user");
      assert.deepEqual(await identitiesOf(c, c.vars.existingUserId!), [`oidc ${ELSEWHERE} existing-${c.door}-${c.email}`]);
      assert.deepEqual((await membersWithEmail(c, c.org.id, c.email)).map((r) => r.user_id).filter((u) => u === c.vars.existingUserId), [], "the existing user did not join");
      const u = await db(c).selectFrom("users").selectAll().where("id", "=", m.user_id).executeTakeFirstOrThrow();
      assert.equal(u.email_verified, 0, "the new user's e-mail is kept, marked unverified");
      const audit = await lastDecision(c);
      assert.equal(audit.detail.emailVerified, false);
      assert.equal(audit.detail.newUser, true);
      assert.equal(audit.detail.linked, false);
    },
  },
  {
    id: 4, name: "known identity signs in again → the same member",
    verified: true, decision: "signed_in", reason: /^already a member$/,
    given: async (c) => {
      const first = await c.signIn();
      assert.ok(first.memberId, `first sign-in: ${first.status} ${first.detail}`);
      c.vars.memberId = first.memberId;
    },
    then: async (c, a) => {
      assert.equal(a.memberId, c.vars.memberId);
      assert.equal((await membersWithEmail(c, c.org.id, c.email)).length, 1);
      const audit = await lastDecision(c);
      assert.equal(audit.detail.user, "known identity");
      assert.equal(audit.detail.newUser, false);
    },
  },
  {
    id: 5, name: "existing user (member of another org, verified e-mail) in a domain THIS org verified → linked, joins, keeps the other membership",
    verified: true, capture: true, decision: "joined", reason: /^auto-provisioning$/,
    given: existingUserElsewhere,
    then: async (c, a) => {
      const m = await memberRow(c, a.memberId!);
      assert.equal(m.user_id, c.vars.existingUserId, "the same user");
      assert.equal(m.org_role, "member");
      assert.deepEqual(await identitiesOf(c, m.user_id), [label(c.identity), `oidc ${ELSEWHERE} existing-${c.door}-${c.email}`].sort(), "the door's identity is linked");
      const other = await memberRow(c, c.vars.otherMemberId!);
      assert.deepEqual([other.org_id, other.user_id, other.active, other.org_role], [c.otherOrgId, m.user_id, 1, "member"], "keeps the other membership");
      const audit = await lastDecision(c);
      assert.equal(audit.detail.linked, true);
      assert.equal(audit.detail.user, "verified e-mail");
    },
  },
  {
    id: 6, name: "pending invite matching a verified e-mail → joins with the invite's role and teams, NOT the default team",
    // The domain is captured too: without the invite rule this person would land in the default team.
    verified: true, capture: true, decision: "joined_by_invite", reason: /^invite /,
    given: async (c) => {
      const { invite } = await createInvite(db(c), c.org.id, { email: c.email.toUpperCase(), orgRole: "admin", teamIds: [c.teamId] }, { ttlHours: 1 }, setupActor);
      c.vars.inviteId = invite.id;
    },
    then: async (c, a) => {
      const m = await memberRow(c, a.memberId!);
      assert.equal(m.org_role, "admin", "the invite's role");
      assert.deepEqual(await teamsOf(c, m.id), [{ name: "ml", role: "member" }], "the invite's teams, not the default team");
      const inv = await db(c).selectFrom("invites").selectAll().where("id", "=", c.vars.inviteId!).executeTakeFirstOrThrow();
      assert.ok(inv.accepted_at, "the invite is accepted");
      assert.equal(inv.accepted_member_id, m.id);
      assert.equal((await lastDecision(c)).detail.inviteId, c.vars.inviteId);
    },
  },
  {
    id: 7, name: "inactive member → refused",
    verified: true, decision: "refused", reason: /membership in .* is deactivated; an admin can reactivate it/,
    given: async (c) => {
      const first = await c.signIn();
      assert.ok(first.memberId, `first sign-in: ${first.status} ${first.detail}`);
      c.vars.memberId = first.memberId;
      await db(c).updateTable("members").set({ active: 0 }).where("id", "=", first.memberId).execute();
    },
    then: async (c) => {
      assert.equal((await memberRow(c, c.vars.memberId!)).active, 0, "still inactive");
    },
  },
  {
    id: 8, name: "auto-provisioning off, no invite → refused, naming what an admin can do",
    verified: true, decision: "refused", reason: /does not add people on their own sign-in: an admin of .* can turn on auto-provisioning, or send you an invite/,
    given: async (c) => { await db(c).updateTable("orgs").set({ auto_provisioning: 0 }).where("id", "=", c.org.id).execute(); },
  },
  {
    id: 9, name: "seat limit full → refused, nothing created",
    verified: true, decision: "refused", reason: /seat limit reached: 1 of 1 full Models seats in use/,
    given: async (c) => {
      const seated = await arrive(db(c), { door: "scim", orgId: c.org.id, email: `seated-${c.email}`, emailVerified: false, userName: `seated-${c.userName}` }, setupActor);
      assert.ok(seated.ok, JSON.stringify(seated));
      await db(c).updateTable("orgs").set({ full_models_seat_limit: 1 }).where("id", "=", c.org.id).execute();
    },
  },
];

CASES.push(
  {
    id: 15, name: "SCIM first, SSO later: the member the org's own directory pushed signs in through the org's own door with that address verified → is that member",
    verified: true, decision: "signed_in", reason: /^already a member$/,
    given: async (c) => {
      const res = await fetch(`${c.base}/scim/v2/Users`, {
        method: "POST", headers: { authorization: `Bearer ${c.org.key}`, "content-type": "application/scim+json" },
        body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: c.userName, emails: [{ value: c.email.toUpperCase(), primary: true }] }),
      });
      const text = await res.text();
      assert.equal(res.status, 201, text);
      c.vars.scimMemberId = (JSON.parse(text) as { id: string }).id;
    },
    then: async (c, a) => {
      assert.equal(a.memberId, c.vars.scimMemberId, "the directory's member");
      const audit = await lastDecision(c);
      assert.deepEqual([audit.detail.linked, audit.detail.newUser], [true, false]);
      const v = await db(c).selectFrom("email_verifications").select("source").where("email_key", "=", c.email).execute();
      assert.ok(v.some((r) => r.source === `${c.identity.provider} ${c.identity.issuer}`), "the sign-in's verification is recorded");
    },
  },
  {
    id: 10, name: "org B's IdP asserts a verified e-mail in a domain org A verified → NOT linked to A's user: the login gets its own user",
    verified: true, decision: "joined", reason: /^auto-provisioning$/,
    given: async (c) => {
      await existingUserElsewhere(c);
      await claimDomain(db(c), c.otherOrgId, c.domain, setupActor);
      await markDomainVerified(db(c), c.domain, setupActor);
    },
    then: async (c, a) => {
      const m = await memberRow(c, a.memberId!);
      assert.notEqual(m.user_id, c.vars.existingUserId, "not A's user");
      assert.deepEqual(await identitiesOf(c, c.vars.existingUserId!), [`oidc ${ELSEWHERE} existing-${c.door}-${c.email}`], "A's user gained no identity");
      assert.deepEqual(await teamsOf(c, m.id), [], "B does not own the domain: no capture");
      const audit = await lastDecision(c);
      assert.deepEqual([audit.detail.newUser, audit.detail.linked], [true, false]);
    },
  },
  {
    id: 11, name: "pre-account takeover: an unverified claimant of the address signs in first; the verified owner gets a member of their own, the claimant keeps nothing of theirs",
    verified: true, attacker: {}, decision: "joined", reason: /^auto-provisioning$/,
    then: async (c, a) => {
      const victim = await memberRow(c, a.memberId!);
      const claimant = await memberRow(c, c.vars.attackerMemberId!);
      assert.notEqual(victim.id, claimant.id, "not linked into the claimant's member");
      assert.notEqual(victim.user_id, claimant.user_id, "not the claimant's user");
      const claimantUser = await db(c).selectFrom("users").selectAll().where("id", "=", claimant.user_id).executeTakeFirstOrThrow();
      assert.equal(claimantUser.email_verified, 0, "the claimant's address stays unverified");
      assert.deepEqual(await identitiesOf(c, claimant.user_id), [label(c.attackerIdentity)], "the claimant's user has only the claimant's login");
      assert.deepEqual(await identitiesOf(c, victim.user_id), [label(c.identity)], "the owner's user has only the owner's login");
      // The claimant signs in again: still their own member, never the owner's.
      const again = await c.attackerSignIn();
      assert.equal(again.memberId, claimant.id);
    },
  },
  {
    id: 12, name: "the invite is not swallowed: the claimant signed in first (no invite for an unverified address); the owner joins by the invite",
    verified: true, attacker: {}, decision: "joined_by_invite", reason: /^invite /,
    given: async (c) => {
      const { invite } = await createInvite(db(c), c.org.id, { email: c.email, orgRole: "admin", teamIds: [c.teamId] }, { ttlHours: 1 }, setupActor);
      c.vars.inviteId = invite.id;
    },
    then: async (c, a) => {
      const victim = await memberRow(c, a.memberId!);
      assert.equal(victim.org_role, "admin", "the invite's role");
      assert.deepEqual(await teamsOf(c, victim.id), [{ name: "ml", role: "member" }], "the invite's teams");
      const inv = await db(c).selectFrom("invites").selectAll().where("id", "=", c.vars.inviteId!).executeTakeFirstOrThrow();
      assert.equal(inv.accepted_member_id, victim.id, "accepted by the owner's member");
      const claimant = await memberRow(c, c.vars.attackerMemberId!);
      assert.deepEqual([claimant.org_role, await teamsOf(c, claimant.id)], ["member", []], "the claimant got nothing of the invite");
    },
  },
  {
    id: 13, name: "an unverified claimant does not take the e-mail as user name (the old lock-out): the owner gets their address as user name",
    verified: true, attacker: {}, noPreferredUsername: true, decision: "joined", reason: /^auto-provisioning$/,
    expectUserName: (c) => (c.door === "oidc" ? c.email : c.userName),
    then: async (c) => {
      const claimant = await memberRow(c, c.vars.attackerMemberId!);
      assert.doesNotMatch(claimant.user_name, /@/, "the claimant's user name is not e-mail-shaped");
      assert.equal(claimant.user_name, c.attackerIdentity.subject, "it is the claimant's subject");
    },
  },
  {
    id: 14, name: "the owner's user name is held by an unverified claimant → the owner still gets in, under their verified address",
    verified: true, attacker: { preferredUsername: "victim's user name" }, decision: "joined", reason: /^auto-provisioning$/,
    expectUserName: (c) => c.email,
    then: async (c) => {
      assert.equal((await memberRow(c, c.vars.attackerMemberId!)).user_name, c.userName, "the claimant keeps the name it took");
    },
  },
);

// A refused arrival is the "rule" kind: 409 at every door (src/http/problems.ts), like SCIM and the admin API.
const REFUSAL_STATUS = 409;
const successStatus: Record<DoorName, number> = { oidc: 302, ldap: 200 };

// ---- the people each door knows -----------------------------------------------------------------

const domainOf = (cs: Case, door: DoorName) => `c${cs.id}-${door}.decision-table.example`;
const emailOf = (cs: Case, door: DoorName) => `person.c${cs.id}@${domainOf(cs, door)}`;
const userNameOf = (cs: Case, door: DoorName) => `dt-c${cs.id}-${door}`;
const attackerSub = (cs: Case, door: DoorName) => `dt-c${cs.id}-${door}-claimant`;

const OIDC_ACCOUNTS: OidcAccount[] = [
  ...CASES.map((cs) => ({
    sub: `dt-c${cs.id}`, email: emailOf(cs, "oidc"), email_verified: cs.verified,
    name: `Case ${cs.id} Person`, given_name: "Case", family_name: `Person${cs.id}`,
    ...(cs.noPreferredUsername ? {} : { preferred_username: userNameOf(cs, "oidc") }),
  })),
  // The unverified claimants: the same address as the case's person (of either door's org), email_verified false.
  ...CASES.filter((cs) => cs.attacker).flatMap((cs) => DOORS.map((door) => ({
    sub: attackerSub(cs, door), email: emailOf(cs, door), email_verified: false, name: `Claimant ${cs.id}`,
    ...(cs.attacker?.preferredUsername ? { preferred_username: userNameOf(cs, door) } : {}),
  }))),
];

const LDAP_GROUP = "decision-table";
const LDAP_PEOPLE: Person[] = CASES.map((cs) => ({
  uid: userNameOf(cs, "ldap"), cn: `Case ${cs.id} Person`, sn: `Person${cs.id}`, givenName: "Case",
  mail: emailOf(cs, "ldap"), password: `dt-c${cs.id}-pw`, groups: [LDAP_GROUP],
}));

const ldapConnection = (url: string, trustEmail: boolean) => ({
  url, bindDn: SERVICE_DN, bindPassword: SERVICE_PASSWORD, baseDn: PEOPLE_DN,
  userFilter: "(uid={username})", attributes: "email=mail,name=cn,givenName=givenName,familyName=sn,username=uid",
  groupBaseDn: GROUPS_DN, groupFilter: "(member={dn})", allowedGroups: [LDAP_GROUP], trustEmail,
});

// ---- the app on a real port ---------------------------------------------------------------------

interface Listening {
  base: string;
  server: http.Server;
  errors: unknown[];
  close(): Promise<void>;
}

async function listen(store: Store, config: Config): Promise<Listening> {
  const errors: unknown[] = [];
  const app = createApp(store, config, { log: (msg, err) => errors.push([msg, String((err as Error)?.stack ?? err)]) });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, errors,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const apiAs = (base: string, key: string) => async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${base}/api/v1${path}`, {
    method, headers: { authorization: `Bearer ${key}`, "content-type": "application/json", accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
};

/** The member the browser's session carries, via GET /api/v1/me (null when not signed in). */
async function sessionMember(b: Browser, base: string): Promise<string | null> {
  const me = await b.get(`${base}/api/v1/me`, { accept: "application/json" });
  if (me.status !== 200) return null;
  return (JSON.parse(me.text) as { member: { id: string } }).member.id;
}

const detailOf = (text: string): string | null => {
  try {
    return (JSON.parse(text) as { detail?: string }).detail ?? null;
  } catch {
    return null;
  }
};

let orgCounter = 0;

describe("the provisioning decision through both doors (OIDC against oidc-provider, LDAP against slapd)", function () {
  this.timeout(60_000);
  let store: TestStore;
  let app: Listening;
  let op: TestProvider;
  let slapd: Slapd;
  const ctxs = new Map<string, Ctx>();
  const keyOf = (cs: Case, door: DoorName) => `${cs.id}:${door}`;

  before(async () => {
    slapd = await startSlapd({ extraPeople: LDAP_PEOPLE });
    store = await openTestStore();
    app = await listen(store, loadConfig({ ROLLCALL_ENCRYPTION_KEY: ENCRYPTION_KEY }));
    const { org: other } = await createOrg(store.db, `dt-elsewhere-${process.pid}-${++orgCounter}`);
    // One org per case × door, created before the provider starts: their callbacks are its redirect URIs.
    const orgs = new Map<string, { id: string; name: string; key: string }>();
    for (const cs of CASES) for (const door of DOORS) {
      const { org, key } = await createOrg(store.db, `dt-c${cs.id}-${door}-${process.pid}-${++orgCounter}`);
      orgs.set(keyOf(cs, door), { id: org.id, name: org.name, key: key.key });
    }
    const callback = (name: string) => `${app.base}/auth/${encodeURIComponent(name)}/oidc/callback`;
    op = await startOidcProvider({ redirectUris: [...orgs.values()].map((o) => callback(o.name)), accounts: OIDC_ACCOUNTS });

    for (const cs of CASES) for (const door of DOORS) {
      const org = orgs.get(keyOf(cs, door))!;
      const api = apiAs(app.base, org.key);
      // Every org has the OIDC door (the claimants come through it); the LDAP cases' people use LDAP.
      await api("PUT", "/sso/oidc", { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret });
      if (door === "ldap") await api("PUT", "/sso/ldap", ldapConnection(slapd.url, cs.verified));
      const defaultTeam = await createTeam(store.db, org.id, { displayName: "everyone", externalId: null }, [], setupActor);
      const team = await createTeam(store.db, org.id, { displayName: "ml", externalId: null }, [], setupActor);
      await store.db.updateTable("orgs").set({ default_team_id: defaultTeam.id }).where("id", "=", org.id).execute();

      const person = LDAP_PEOPLE.find((p) => p.uid === userNameOf(cs, "ldap"))!;
      const oidcSignIn = async (sub: string): Promise<Attempt> => {
        // Every sign-in here comes from 127.0.0.1: start each with fresh sign-in counters.
        await store.db.deleteFrom("rate_limits").execute();
        const b = new Browser("application/json");
        const res = (await signInThrough(b, `${app.base}/auth/${encodeURIComponent(org.name)}/oidc/login`, op, sub)).callback;
        if (res.status === 302) assert.equal(res.location, `${app.base}/admin`);
        return { status: res.status, detail: detailOf(res.text), memberId: await sessionMember(b, app.base) };
      };
      const ctx: Ctx = {
        door, store, org, otherOrgId: other.id, defaultTeamId: defaultTeam.id, teamId: team.id,
        domain: domainOf(cs, door), email: emailOf(cs, door), userName: userNameOf(cs, door), vars: {},
        identity: door === "oidc"
          ? { provider: "oidc", issuer: op.issuer, subject: `dt-c${cs.id}` }
          : { provider: "ldap", issuer: slapd.url, subject: dnOf(person).toLowerCase() },
        signIn: async () => {
          // Every sign-in here comes from 127.0.0.1: start each with fresh sign-in counters.
          await store.db.deleteFrom("rate_limits").execute();
          const b = new Browser("application/json");
          let res: BrowserResponse;
          if (door === "oidc") {
            res = (await signInThrough(b, `${app.base}/auth/${encodeURIComponent(org.name)}/oidc/login`, op, `dt-c${cs.id}`)).callback;
            if (res.status === 302) assert.equal(res.location, `${app.base}/admin`);
          } else {
            res = await b.request("POST", `${app.base}/auth/${encodeURIComponent(org.name)}/ldap/login`, { username: person.uid, password: person.password });
          }
          return { status: res.status, detail: detailOf(res.text), memberId: await sessionMember(b, app.base) };
        },
        attackerIdentity: { provider: "oidc", issuer: op.issuer, subject: attackerSub(cs, door) },
        base: app.base,
        attackerSignIn: () => oidcSignIn(attackerSub(cs, door)),
      };
      ctxs.set(keyOf(cs, door), ctx);
    }
  });

  after(async () => {
    try {
      await op?.close();
      await app?.close();
      await store?.close();
    } finally {
      await slapd?.stop();
    }
    if (app?.errors.length) throw new Error(`the server logged unexpected errors: ${JSON.stringify(app.errors)}`);
  });

  for (const cs of CASES) {
    describe(`(${cs.id}) ${cs.name}`, () => {
      for (const door of DOORS) {
        it(`through ${door.toUpperCase()}: ${cs.decision === "refused" ? `${REFUSAL_STATUS}, refused` : `${successStatus[door]}, ${cs.decision}`}`, async () => {
          const c = ctxs.get(keyOf(cs, door))!;
          if (cs.capture) await captureDomain(c);
          await cs.given?.(c);
          if (cs.attacker) {
            const claimant = await c.attackerSignIn();
            assert.equal(claimant.status, 302, `the claimant's sign-in: ${claimant.status} ${claimant.detail}`);
            c.vars.attackerMemberId = claimant.memberId!;
          }
          const before = await counts(c);
          const a = await c.signIn();

          // the HTTP outcome, and the session
          if (cs.decision === "refused") {
            assert.equal(a.status, REFUSAL_STATUS, `${a.status} ${a.detail}`);
            assert.match(a.detail ?? "", cs.reason, "the refusal says why, in words");
            assert.equal(a.memberId, null, "no signed-in session");
            assert.deepEqual(await counts(c), before, "a refusal creates nothing");
          } else {
            assert.equal(a.status, successStatus[door], `${a.status} ${a.detail}`);
            assert.ok(a.memberId, "the session carries the member");
            const m = await memberRow(c, a.memberId);
            assert.equal(m.org_id, c.org.id);
            assert.equal(m.active, 1);
            // An invite's member is named by the invite (its user name, else the user's e-mail), not by the door.
            assert.equal(m.user_name, cs.expectUserName?.(c) ?? (cs.decision === "joined_by_invite" ? c.email : c.userName));
            assert.equal(await identityUser(c), m.user_id, "the door's identity is the member's user");
          }

          // the audit event: door, identity, decision, reason
          const audit = await lastDecision(c);
          assert.equal(audit.action, `provision.${cs.decision}`);
          assert.equal(audit.door, "sso");
          assert.equal(audit.actor, `${door}:${c.identity.subject}`);
          assert.equal(audit.detail.door, door);
          assert.deepEqual(audit.detail.identity, c.identity);
          assert.equal(audit.detail.email, c.email);
          assert.equal(audit.detail.emailVerified, cs.verified);
          assert.equal(audit.detail.decision, cs.decision);
          assert.match(audit.detail.reason, cs.reason);
          if (cs.decision === "refused") assert.equal(audit.targetId, `${door}:${c.identity.issuer}#${c.identity.subject}`);
          else assert.equal(audit.targetId, a.memberId);

          await cs.then?.(c, a);
        });
      }
    });
  }
});

// ---- two instances, one database ----------------------------------------------------------------

/**
 * A load balancer for the test: one origin for the browser, forwarding each
 * request (Host header kept) to the instance `route` picks; logs who served what.
 */
async function startBalancer(route: (path: string) => "A" | "B", ports: () => Record<"A" | "B", number>) {
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    const target = route(req.url ?? "/");
    served.push(`${target} ${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`);
    const upstream = http.request({ host: "127.0.0.1", port: ports()[target], method: req.method, path: req.url, headers: req.headers, agent: false }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.rawHeaders);
      up.pipe(res);
    });
    upstream.on("error", (err) => { res.statusCode = 502; res.end(String(err)); });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, served,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe("two app instances over one database", function () {
  this.timeout(60_000);

  it("an OIDC sign-in started on instance A (login) completes on instance B (callback); both then serve the session", async () => {
    const storeA = await openTestStore();
    const storeB = openDatabase(storeA.url); // the same database, a second connection pool
    // No SESSION_SECRET: both instances read the one generated and stored in the database.
    const config = loadConfig({ ROLLCALL_ENCRYPTION_KEY: ENCRYPTION_KEY });
    assert.equal(config.sessionSecret, undefined);
    const a = await listen(storeA, config);
    const b = await listen(storeB, config);
    const port = (l: Listening) => Number(new URL(l.base).port);
    const lb = await startBalancer((path) => (path.includes("/oidc/callback") ? "B" : "A"), () => ({ A: port(a), B: port(b) }));
    let op: TestProvider | undefined;
    try {
      const { org, key } = await createOrg(storeA.db, `two-instances-${process.pid}-${++orgCounter}`);
      const orgPath = `/auth/${encodeURIComponent(org.name)}/oidc`;
      op = await startOidcProvider({
        redirectUris: [`${lb.base}${orgPath}/callback`],
        accounts: [{ sub: "roamer-sub", email: "roamer@two-instances.example", email_verified: true, name: "Roamer", preferred_username: "roamer" }],
      });
      await apiAs(a.base, key.key)("PUT", "/sso/oidc", { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret });

      const browser = new Browser("application/json");
      const { callback } = await signInThrough(browser, `${lb.base}${orgPath}/login`, op, "roamer-sub");
      assert.equal(callback.status, 302, callback.text);
      assert.equal(callback.location, `${lb.base}/admin`);
      assert.deepEqual(lb.served, [`A GET ${orgPath}/login`, `B GET ${orgPath}/callback`], "A started the sign-in, B completed it");

      const member = await storeA.db.selectFrom("members").innerJoin("users", "users.id", "members.user_id")
        .select(["members.id", "users.email"]).where("members.org_id", "=", org.id).executeTakeFirstOrThrow();
      assert.equal(member.email, "roamer@two-instances.example");
      const audit = await storeA.db.selectFrom("audit_events").select(["action", "detail"]).where("org_id", "=", org.id).where("action", "like", "provision.%").executeTakeFirstOrThrow();
      assert.equal(audit.action, "provision.joined");
      assert.equal(JSON.parse(audit.detail ?? "{}").door, "oidc");

      // The session B created is served by either instance.
      assert.equal(await sessionMember(browser, lb.base), member.id, "through the balancer");
      const viaA = await sessionMember(copyJar(browser, lb.base, a.base), a.base);
      const viaB = await sessionMember(copyJar(browser, lb.base, b.base), b.base);
      assert.deepEqual([viaA, viaB], [member.id, member.id]);
      assert.deepEqual([a.errors, b.errors], [[], []], "neither instance logged an error");
    } finally {
      await op?.close();
      await lb.close();
      await a.close();
      await b.close();
      await storeB.close();
      await storeA.close();
    }
  });
});

/** The same browser talking to another origin directly (a real browser shares cookies across ports of one host). */
function copyJar(b: Browser, from: string, to: string): Browser {
  const jar = b.cookies(to);
  for (const [k, v] of b.cookies(from)) jar.set(k, v);
  return b;
}
