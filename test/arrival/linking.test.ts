/**
 * Step 1 of the arrival decision, rule by rule (src/org/arrival/link.ts),
 * calling arrive() on a real database: a login links to an existing user only
 * through an address verified on both sides. The same attacks through the real
 * doors are in test/sso/decision-table.test.ts.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../db/types.ts";
import { arrive, type Arrival, type ArrivalOutcome } from "../../src/org/arrival/arrive.ts";
import type { Actor } from "../../src/org/audit/record.ts";
import { claimDomain, markDomainVerified } from "../../src/org/orgs/domains.ts";
import { updateMember } from "../../src/org/members/members.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

const actor: Actor = { door: "sso", id: "linking-test" };
const IDP_A = "https://idp-a.example";
const IDP_B = "https://idp-b.example";
let n = 0;
const uniq = () => `${process.pid}-${++n}-${crypto.randomBytes(3).toString("hex")}`;

const ok = (out: ArrivalOutcome) => {
  assert.ok(out.ok, JSON.stringify(out));
  return out;
};
const oidc = (issuer: string, subject: string) => ({ provider: "oidc" as const, issuer, subject });

describe("arrival step 1: linking only through an address verified on both sides", () => {
  let store: TestStore;
  let db: Kysely<Database>;
  before(async () => { store = await openTestStore(); db = store.db; });
  after(async () => { await store?.close(); });

  const org = async () => (await createOrg(db, `link-${uniq()}`)).org.id;
  const signIn = (orgId: string, issuer: string, subject: string, email: string, emailVerified: boolean, extra: Partial<Arrival> = {}) =>
    arrive(db, { door: "oidc", orgId, identity: oidc(issuer, subject), email, emailVerified, ...extra }, actor);
  const verifyDomain = async (orgId: string, domain: string) => {
    await claimDomain(db, orgId, domain, actor);
    await markDomainVerified(db, domain, actor);
  };

  it("across orgs, no domain verified by the arriving org and another connection: a user of its own", async () => {
    const [a, b] = [await org(), await org()];
    const email = `x@${uniq()}.example`;
    const there = ok(await signIn(a, IDP_A, "x-a", email, true));
    const here = ok(await signIn(b, IDP_B, "x-b", email, true));
    assert.notEqual(here.userId, there.userId);
    assert.deepEqual([here.newUser, here.linked], [true, false]);
  });

  it("across orgs, the same connection (issuer) verified the address before: linked", async () => {
    const [a, b] = [await org(), await org()];
    const email = `y@${uniq()}.example`;
    const there = ok(await signIn(a, IDP_A, "y-1", email, true));
    const here = ok(await signIn(b, IDP_A, "y-2", email, true));
    assert.equal(here.userId, there.userId);
    assert.equal(here.linked, true);
  });

  it("a user whose address only another org's directory (SCIM) gave is never a link target, even in a domain this org verified", async () => {
    const [a, b] = [await org(), await org()];
    const domain = `${uniq()}.example`;
    const pushed = ok(await arrive(db, { door: "scim", orgId: a, emailVerified: false, userName: "z", email: `z@${domain}` }, { door: "scim", id: "k" }));
    await verifyDomain(b, domain);
    const here = ok(await signIn(b, IDP_B, "z-b", `z@${domain}`, true));
    assert.notEqual(here.userId, pushed.userId, "another org's directory vouches for nothing here");
  });

  it("a user marked verified before migration 0009 (source `legacy`, or none) is never a link target", async () => {
    const b = await org();
    const domain = `${uniq()}.example`;
    const id = crypto.randomUUID();
    const at = new Date().toISOString();
    await db.insertInto("users").values({ id, email: `l@${domain}`, email_key: `l@${domain}`, email_verified: 1, display_name: null, created_at: at, updated_at: at }).execute();
    await db.insertInto("email_verifications").values({ user_id: id, email_key: `l@${domain}`, source: "legacy", org_id: null, verified_at: at }).execute();
    await verifyDomain(b, domain);
    const here = ok(await signIn(b, IDP_B, "l-b", `l@${domain}`, true));
    assert.notEqual(here.userId, id);
  });

  it("inside one org, an unverified claimant's member is no link target, and a SCIM PATCH of its other fields does not vouch for its address", async () => {
    const o = await org();
    const email = `victim@${uniq()}.example`;
    const claimant = ok(await signIn(o, IDP_A, "claimant", email, false));
    const claimantMember = await db.selectFrom("members").selectAll().where("id", "=", claimant.memberId).executeTakeFirstOrThrow();
    assert.doesNotMatch(claimantMember.user_name, /@/, "no e-mail-shaped user name for an unverified claim");
    // The org's directory touches the claimant's member (a displayName change; the same address rides along).
    await updateMember(db, o, claimant.memberId, (m) => ({
      userName: m.user_name, externalId: m.external_id, displayName: "Renamed", givenName: null, familyName: null, active: true,
      emails: [{ value: email, type: "work", primary: true }], resource: {},
    }), { door: "scim", id: "k" });
    const vouched = await db.selectFrom("member_emails").select("verified_by").where("member_id", "=", claimant.memberId).execute();
    assert.deepEqual(vouched, [{ verified_by: null }]);
    const owner = ok(await signIn(o, IDP_A, "owner", email, true));
    assert.notEqual(owner.memberId, claimant.memberId);
    assert.notEqual(owner.userId, claimant.userId);
  });

  it("the e-mail door (the link proved the mailbox) links to the user a verified sign-in knows, anywhere", async () => {
    const [a, b] = [await org(), await org()];
    const email = `m@${uniq()}.example`;
    const there = ok(await signIn(a, IDP_A, "m-a", email, true));
    const here = ok(await arrive(db, { door: "email", orgId: b, email, emailVerified: true }, { door: "sso", id: `email:${email}` }));
    assert.equal(here.userId, there.userId);
    const v = await db.selectFrom("email_verifications").select("source").where("user_id", "=", there.userId).orderBy("source").execute();
    assert.deepEqual(v.map((r) => r.source), ["email", `oidc ${IDP_A}`]);
  });

  it("a user name held by a verified member is still refused, naming what an admin can do", async () => {
    const o = await org();
    ok(await signIn(o, IDP_A, "first", `first@${uniq()}.example`, true, { userName: "shared-name" }));
    const out = await signIn(o, IDP_A, "second", `second@${uniq()}.example`, true, { userName: "shared-name" });
    assert.equal(out.ok, false);
    if (!out.ok) assert.match(out.reason, /the user name "shared-name" is already taken .* an admin can rename or remove that member, or send you an invite/);
  });
});
