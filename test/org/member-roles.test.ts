/**
 * Org roles, seats, seat limits, the last active admin and plans, through the
 * SCIM door (the admin API door is test/admin/members.test.ts). Each refusal
 * must change nothing.
 */
import assert from "node:assert/strict";
import { auth, patch, startTestApp, user, type TestApp, type TestOrg } from "../support/app.ts";
import { auditActions, createTeam, memberRow, ROLLCALL_USER_URN as EXT, scimUser, setOrg, teamRole } from "../support/members.ts";

describe("org roles and seats (SCIM door)", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  describe("roles and seat values", () => {
    let org: TestOrg;
    before(async () => { org = await t.newOrg(); });

    it("a new member is member / full / full, not billing admin; a fresh org has no admin and that is fine", async () => {
      const id = await scimUser(t, org, "plain");
      const res = await t.http.get(`/scim/v2/Users/${id}`).set(auth(org.key));
      assert.deepEqual(res.body[EXT], { organizationRole: "member", modelsSeat: "full", weaveRole: "full", teamRoles: [], billingAdmin: false });
      // Changing members of an org without admins is not refused by the last-admin rule.
      const off = await t.http.patch(`/scim/v2/Users/${id}`).set(auth(org.key)).send(patch({ op: "replace", path: "active", value: false }));
      assert.equal(off.status, 200);
    });

    it("sets org role and seats through the extension, case-insensitively, stored lower-case", async () => {
      const id = await scimUser(t, org, "viewerish", { organizationRole: "Viewer", modelsSeat: "VIEWER", weaveRole: "None" });
      const row = await memberRow(t, id);
      assert.equal(row?.org_role, "viewer");
      assert.equal(row?.models_seat, "viewer");
      assert.equal(row?.weave_role, "none");
    });

    it("refuses unknown values with 400 invalidValue naming the allowed values, writing nothing", async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ organizationRole: "owner" }, "admin, member, viewer"],
        [{ modelsSeat: "half" }, "full, viewer, none"],
        [{ weaveRole: "editor" }, "full, viewer, none"],
      ];
      for (const [ext, allowed] of cases) {
        const res = await t.http.post("/scim/v2/Users").set(auth(org.key)).send(user(`bad-${Object.keys(ext)[0]}`, { [EXT]: ext }));
        assert.equal(res.status, 400, JSON.stringify(ext));
        assert.equal(res.body.scimType, "invalidValue");
        assert.ok(res.body.detail.includes(allowed), res.body.detail);
      }
      const n = await t.store.db.selectFrom("members").select("id").where("org_id", "=", org.id).where("user_name", "like", "bad-%").execute();
      assert.equal(n.length, 0);
      const id = await scimUser(t, org, "patchbad");
      const res = await t.http.patch(`/scim/v2/Users/${id}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:modelsSeat`, value: "gold" }));
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, "invalidValue");
      assert.equal((await memberRow(t, id))?.models_seat, "full");
    });

    it("billingAdmin is read-only through SCIM: a PATCH is refused, a PUT ignores it", async () => {
      const id = await scimUser(t, org, "billing-try");
      const res = await t.http.patch(`/scim/v2/Users/${id}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:billingAdmin`, value: true }));
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, "mutability");
      const put = await t.http.put(`/scim/v2/Users/${id}`).set(auth(org.key)).send(user("billing-try", { [EXT]: { billingAdmin: true } }));
      assert.equal(put.status, 200);
      assert.equal(put.body[EXT].billingAdmin, false);
      assert.equal((await memberRow(t, id))?.billing_admin, 0);
    });

    it("writes an audit event with before/after of what changed", async () => {
      const id = await scimUser(t, org, "audited");
      await t.http.patch(`/scim/v2/Users/${id}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:modelsSeat`, value: "viewer" })).expect(200);
      const ev = await t.store.db.selectFrom("audit_events").selectAll().where("target_id", "=", id).where("action", "=", "member.update").executeTakeFirstOrThrow();
      assert.equal(ev.door, "scim");
      assert.deepEqual(JSON.parse(ev.detail!).models_seat, { before: "full", after: "viewer" });
    });
  });

  describe("the last active admin", () => {
    let org: TestOrg;
    let admin: string;
    before(async () => {
      org = await t.newOrg();
      admin = await scimUser(t, org, "only.admin", { organizationRole: "admin" });
      await scimUser(t, org, "someone");
    });

    const stillAdmin = async () => {
      const row = await memberRow(t, admin);
      assert.ok(row, "the admin still exists");
      assert.equal(row.org_role, "admin");
      assert.equal(row.active, 1);
      return row;
    };
    const refused = (res: { status: number; body: any }) => {
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.match(res.body.detail, /last active admin/);
      assert.match(res.body.detail, /at least one active admin must remain/);
    };

    it("refuses a SCIM PUT that demotes the last admin, and one that deactivates them", async () => {
      const rev = (await stillAdmin()).revision;
      refused(await t.http.put(`/scim/v2/Users/${admin}`).set(auth(org.key)).send(user("only.admin", { [EXT]: { organizationRole: "member" } })));
      refused(await t.http.put(`/scim/v2/Users/${admin}`).set(auth(org.key)).send(user("only.admin", { active: false })));
      assert.equal((await stillAdmin()).revision, rev, "nothing changed, not even the revision");
    });

    it("refuses SCIM PATCH active=false (also Entra's \"False\") and a demotion to viewer", async () => {
      refused(await t.http.patch(`/scim/v2/Users/${admin}`).set(auth(org.key)).send(patch({ op: "replace", path: "active", value: false })));
      refused(await t.http.patch(`/scim/v2/Users/${admin}`).set(auth(org.key)).send(patch({ op: "Replace", path: "active", value: "False" })));
      refused(await t.http.patch(`/scim/v2/Users/${admin}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:organizationRole`, value: "viewer" })));
      await stillAdmin();
    });

    it("refuses a SCIM DELETE of the last admin", async () => {
      refused(await t.http.delete(`/scim/v2/Users/${admin}`).set(auth(org.key)));
      await stillAdmin();
    });

    it("an inactive admin does not count; with a second active admin the first may go", async () => {
      const dormant = await scimUser(t, org, "dormant.admin", { organizationRole: "admin" });
      await t.http.patch(`/scim/v2/Users/${dormant}`).set(auth(org.key)).send(patch({ op: "replace", path: "active", value: false })).expect(200);
      refused(await t.http.delete(`/scim/v2/Users/${admin}`).set(auth(org.key)));
      const second = await scimUser(t, org, "second.admin", { organizationRole: "admin" });
      const res = await t.http.patch(`/scim/v2/Users/${admin}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:organizationRole`, value: "member" }));
      assert.equal(res.status, 200);
      assert.equal(res.body[EXT].organizationRole, "member");
      // Now `second` is the last one.
      refused(await t.http.delete(`/scim/v2/Users/${second}`).set(auth(org.key)));
      assert.ok(await memberRow(t, second));
    });
  });

  it("two concurrent demotions of the last two admins: exactly one wins", async () => {
    const org = await t.newOrg();
    const a = await scimUser(t, org, "race.a", { organizationRole: "admin" });
    const b = await scimUser(t, org, "race.b", { organizationRole: "admin" });
    const demote = (id: string) => t.http.patch(`/scim/v2/Users/${id}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:organizationRole`, value: "member" }));
    const results = await Promise.all([demote(a), demote(b)]);
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
    const admins = await t.store.db.selectFrom("members").select("id").where("org_id", "=", org.id).where("org_role", "=", "admin").where("active", "=", 1).execute();
    assert.equal(admins.length, 1);
  });

  describe("seat limits", () => {
    let org: TestOrg;
    before(async () => {
      org = await t.newOrg();
      await setOrg(t, org, { full_models_seat_limit: 2, viewer_models_seat_limit: 1 });
    });

    const count = async () => (await t.store.db.selectFrom("members").select("id").where("org_id", "=", org.id).execute()).length;

    it("refuses the member that would exceed the full seat limit, with the exact message, creating nothing", async () => {
      await scimUser(t, org, "full1");
      await scimUser(t, org, "full2");
      const before = await count();
      const res = await t.http.post("/scim/v2/Users").set(auth(org.key)).send(user("full3"));
      assert.equal(res.status, 409);
      assert.equal(res.body.detail, "seat limit reached: 2 of 2 full Models seats in use");
      assert.equal(await count(), before);
      const users = await t.store.db.selectFrom("users").select("id").where("email_key", "=", "full3@example.com").execute();
      assert.equal(users.length, 0, "no global user was left behind");
    });

    it("counts seat types separately; changing a seat up is refused, and the row stays as it was", async () => {
      const v = await scimUser(t, org, "viewer1", { modelsSeat: "viewer" });
      const none = await scimUser(t, org, "none1", { modelsSeat: "none" });
      const res = await t.http.post("/scim/v2/Users").set(auth(org.key)).send(user("viewer2", { [EXT]: { modelsSeat: "viewer" } }));
      assert.equal(res.status, 409);
      assert.equal(res.body.detail, "seat limit reached: 1 of 1 viewer Models seats in use");
      const up = await t.http.patch(`/scim/v2/Users/${none}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:modelsSeat`, value: "full" }));
      assert.equal(up.status, 409);
      assert.equal(up.body.detail, "seat limit reached: 2 of 2 full Models seats in use");
      assert.equal((await memberRow(t, none))?.models_seat, "none");
      // Moving the viewer to none frees a viewer seat.
      await t.http.patch(`/scim/v2/Users/${v}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:modelsSeat`, value: "none" })).expect(200);
      await scimUser(t, org, "viewer3", { modelsSeat: "viewer" });
    });

    it("only active members count: deactivating frees a seat, reactivating needs one", async () => {
      const row = await t.store.db.selectFrom("members").select("id").where("org_id", "=", org.id).where("user_name", "=", "full1").executeTakeFirstOrThrow();
      await t.http.patch(`/scim/v2/Users/${row.id}`).set(auth(org.key)).send(patch({ op: "replace", path: "active", value: false })).expect(200);
      const other = await scimUser(t, org, "full4");
      const back = await t.http.patch(`/scim/v2/Users/${row.id}`).set(auth(org.key)).send(patch({ op: "replace", path: "active", value: true }));
      assert.equal(back.status, 409);
      assert.equal(back.body.detail, "seat limit reached: 2 of 2 full Models seats in use");
      assert.equal((await memberRow(t, row.id))?.active, 0);
      // Re-creating the same userName (Okta re-assign) reactivates, and is refused the same way.
      const again = await t.http.post("/scim/v2/Users").set(auth(org.key)).send(user("full1"));
      assert.equal(again.status, 409);
      assert.equal(again.body.detail, "seat limit reached: 2 of 2 full Models seats in use");
      // Reactivating without a full seat is fine.
      const asNone = await t.http.put(`/scim/v2/Users/${row.id}`).set(auth(org.key)).send(user("full1", { [EXT]: { modelsSeat: "none" } }));
      assert.equal(asNone.status, 200);
      assert.equal(asNone.body.active, true);
      assert.ok(other);
    });
  });

  describe("plans", () => {
    let org: TestOrg;
    before(async () => {
      org = await t.newOrg();
      await setOrg(t, org, { plan: "standard", full_models_seat_limit: 1 });
    });
    const namesPlan = (res: { status: number; body: any }) => {
      assert.equal(res.status, 403, JSON.stringify(res.body));
      assert.match(res.body.detail, /enterprise plan/);
      assert.match(res.body.detail, /standard plan/);
    };

    it("refuses the Viewer org role on standard with 403 naming the plan (create and change)", async () => {
      namesPlan(await t.http.post("/scim/v2/Users").set(auth(org.key)).send(user("std-viewer", { [EXT]: { organizationRole: "viewer", modelsSeat: "none" } })));
      const id = await scimUser(t, org, "std-member", { modelsSeat: "none" });
      namesPlan(await t.http.patch(`/scim/v2/Users/${id}`).set(auth(org.key)).send(patch({ op: "replace", path: `${EXT}:organizationRole`, value: "viewer" })));
      assert.equal((await memberRow(t, id))?.org_role, "member");
    });

    it("refuses the View-Only team role on standard", async () => {
      const team = await createTeam(t, org, "std-team");
      const id = await scimUser(t, org, "std-teamer", { modelsSeat: "none" });
      namesPlan(await t.http.patch(`/scim/v2/Users/${id}`).set(auth(org.key)).send(patch({ op: "add", path: `${EXT}:teamRoles`, value: [{ teamName: "std-team", roleName: "view-only" }] })));
      assert.equal(await teamRole(t, team, id), undefined);
      const ok = await t.http.patch(`/scim/v2/Users/${id}`).set(auth(org.key)).send(patch({ op: "add", path: `${EXT}:teamRoles`, value: [{ teamName: "std-team", roleName: "admin" }] }));
      assert.equal(ok.status, 200);
      assert.equal((await teamRole(t, team, id))?.role, "admin");
    });

    it("seat limits still apply on standard", async () => {
      await scimUser(t, org, "std-full");
      const res = await t.http.post("/scim/v2/Users").set(auth(org.key)).send(user("std-full2"));
      assert.equal(res.status, 409);
      assert.equal(res.body.detail, "seat limit reached: 1 of 1 full Models seats in use");
    });

    it("enterprise orgs may use the Viewer role", async () => {
      const ent = await t.newOrg();
      const id = await scimUser(t, ent, "ent-viewer", { organizationRole: "viewer" });
      assert.equal((await memberRow(t, id))?.org_role, "viewer");
      assert.ok((await auditActions(t, ent)).includes("member.create"));
    });
  });
});
