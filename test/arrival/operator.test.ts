/**
 * The operator is not a user name (issue 16, item 8): the one-time admin link
 * signs in a reserved operator principal — a session with `operator: true` and
 * no member — that acts as the org's admin with the audit actor "operator".
 * A member named `rollcall-operator`, taken through OIDC preferred_username or
 * through SCIM, gains nothing from a link: it stays what it was.
 */
import assert from "node:assert/strict";
import { createAdminLink } from "../../src/org/arrival/admin-links.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { SCIM, USER_URN } from "../support/app.ts";
import { Browser } from "../sso/oidc-provider.ts";
import { startRig, type Rig } from "./listening.ts";

const NAME = "rollcall-operator";

describe("the one-time admin link signs in the operator, never a member named rollcall-operator", function () {
  this.timeout(60_000);
  let rig: Rig;
  before(async () => { rig = await startRig(); });
  after(async () => { await rig?.close(); });

  const memberRow = (id: string) => rig.store.db.selectFrom("members").selectAll().where("id", "=", id).executeTakeFirstOrThrow();

  /** Redeems a fresh link for `orgId` in a new browser; returns the browser and its /me. */
  async function redeem(orgId: string) {
    const { token } = await createAdminLink(rig.store.db, orgId);
    const browser = new Browser("application/json");
    const res = await browser.get(`${rig.base}/admin/link/${token}`);
    assert.equal(res.status, 302, res.text);
    assert.equal(res.location, `${rig.base}/admin/#/organization`);
    const me = await browser.get(`${rig.base}/api/v1/me`, { accept: "application/json" });
    assert.equal(me.status, 200, me.text);
    return { browser, me: JSON.parse(me.text) as { operator?: boolean; member: null; allowed: string[]; org: { id: string }; csrfToken: string } };
  }

  async function assertOperatorSession(orgId: string, me: Awaited<ReturnType<typeof redeem>>["me"]) {
    assert.equal(me.operator, true);
    assert.equal(me.member, null, "no member behind the operator");
    assert.ok(me.allowed.includes("org:change-plan"), "the operator's own rights (the plan is the operator's)");
    assert.equal(me.org.id, orgId);
    const rows = await rig.store.db.selectFrom("sessions").select(["member_id", "org_id", "door"]).where("door", "=", "admin-link").where("org_id", "=", orgId).execute();
    assert.ok(rows.length >= 1 && rows.every((r) => r.member_id === null), JSON.stringify(rows));
  }

  it("a member who took the name through OIDC preferred_username is unchanged by a link (not admin, same revision)", async () => {
    const taker = await rig.signIn({ sub: "taker-sub", email: "taker@op.example", email_verified: true, name: "Taker", preferred_username: NAME });
    const before = await memberRow(taker.memberId);
    assert.deepEqual([before.user_name, before.org_role], [NAME, "member"]);

    const { browser, me } = await redeem(rig.org.id);
    await assertOperatorSession(rig.org.id, me);
    assert.deepEqual(await memberRow(taker.memberId), before, "the member named rollcall-operator is exactly as it was");

    // The operator session acts as the org's admin; the audit names "operator".
    const cookie = [...browser.cookies(rig.base)].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(`${rig.base}/api/v1/teams`, {
      method: "POST", body: JSON.stringify({ name: "made-by-operator" }),
      headers: { cookie, "content-type": "application/json", accept: "application/json", "x-rollcall-csrf": me.csrfToken },
    });
    assert.equal(res.status, 201, await res.text());
    const ev = await rig.store.db.selectFrom("audit_events").select(["actor", "door"]).where("org_id", "=", rig.org.id).where("action", "=", "team.create").orderBy("id", "desc").executeTakeFirstOrThrow();
    assert.deepEqual([ev.door, ev.actor], ["admin", "operator"]);
    const used = await rig.store.db.selectFrom("audit_events").select(["actor", "target_type"]).where("org_id", "=", rig.org.id).where("action", "=", "admin_link.used").executeTakeFirstOrThrow();
    assert.deepEqual([used.actor, used.target_type], ["operator", "org"]);

    // The taker's own session is still a plain member's: no admin rights.
    const taken = await rig.me(taker.browser);
    assert.equal(taken.memberId, taker.memberId);
    const refused = await fetch(`${rig.base}/api/v1/teams`, {
      method: "POST", body: JSON.stringify({ name: "made-by-taker" }),
      headers: { cookie: [...taker.browser.cookies(rig.base)].map(([k, v]) => `${k}=${v}`).join("; "), "content-type": "application/json", accept: "application/json", "x-rollcall-csrf": taker.csrf },
    });
    assert.equal(refused.status, 403, await refused.text());
    assert.equal((await memberRow(taker.memberId)).org_role, "member");
  });

  it("a member who took the name through SCIM (even deactivated) is unchanged by a link: not reactivated, not made admin", async () => {
    const { org, key } = await createOrg(rig.store.db, `op-scim-${process.pid}`);
    const created = await fetch(`${rig.base}/scim/v2/Users`, {
      method: "POST", headers: { authorization: `Bearer ${key.key}`, "content-type": SCIM },
      body: JSON.stringify({ schemas: [USER_URN], userName: NAME, active: false, emails: [{ value: "op@scim.example", primary: true }] }),
    });
    const text = await created.text();
    assert.equal(created.status, 201, text);
    const id = (JSON.parse(text) as { id: string }).id;
    const before = await memberRow(id);
    assert.deepEqual([before.org_role, before.active], ["member", 0]);

    const { me } = await redeem(org.id);
    await assertOperatorSession(org.id, me);
    assert.deepEqual(await memberRow(id), before, "unchanged: still an inactive Member");
    const members = await rig.store.db.selectFrom("members").select("user_name").where("org_id", "=", org.id).execute();
    assert.deepEqual(members.map((m) => m.user_name), [NAME], "the link created no member");
  });

  it("a used or unknown link signs no one in", async () => {
    const { token } = await createAdminLink(rig.store.db, rig.org.id);
    assert.equal((await new Browser().get(`${rig.base}/admin/link/${token}`)).status, 302);
    const second = new Browser("application/json");
    assert.equal((await second.get(`${rig.base}/admin/link/${token}`)).status, 410);
    assert.equal((await second.get(`${rig.base}/api/v1/me`, { accept: "application/json" })).status, 401);
  });
});
