/** Admin API: members, billing admin, seats and custom roles — the same rules as SCIM, through the other door. */
import assert from "node:assert/strict";
import type supertest from "supertest";
import { auth, startTestApp, user, type TestApp, type TestOrg } from "../support/app.ts";
import { adminMember, createTeam, memberRow, memberWithKey, scimUser, setOrg, teamRole } from "../support/members.ts";

const API = "/api/v1";

function as(t: TestApp, key: string) {
  const h = auth(key);
  return {
    get: (path: string) => t.http.get(API + path).set(h),
    post: (path: string, body: object) => t.http.post(API + path).set(h).send(body),
    patch: (path: string, body: object) => t.http.patch(API + path).set(h).send(body),
    put: (path: string, body?: object) => t.http.put(API + path).set(h).send(body ?? {}),
    delete: (path: string) => t.http.delete(API + path).set(h),
  };
}

function problem(res: supertest.Response, status: number, detail?: RegExp | string): void {
  assert.equal(res.status, status, `${res.status} ${res.text}`);
  assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
  const body = JSON.parse(res.text) as { status: number; detail: string };
  assert.equal(body.status, status);
  if (typeof detail === "string") assert.equal(body.detail, detail);
  else if (detail) assert.match(body.detail, detail);
}

async function lastAudit(t: TestApp, org: TestOrg, action: string) {
  const row = await t.store.db.selectFrom("audit_events").selectAll().where("org_id", "=", org.id).where("action", "=", action).orderBy("id", "desc").limit(1).executeTakeFirst();
  return row && { ...row, detail: row.detail ? JSON.parse(row.detail) : null };
}

describe("admin API: members, billing admin, seats, roles", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  describe("reading members", () => {
    let org: TestOrg;
    let admin: { id: string; key: string };
    let member: { id: string; key: string };
    before(async () => {
      org = await t.newOrg();
      admin = await adminMember(t, org, "alice.admin");
      member = await memberWithKey(t, org, "bob.member");
      await memberWithKey(t, org, "vera.viewer", "viewer");
      const carol = await scimUser(t, org, "carol", { modelsSeat: "viewer", weaveRole: "none" }, { displayName: "Carol Searchable" });
      await t.http.patch(`/scim/v2/Users/${carol}`).set(auth(org.key)).send({ Operations: [{ op: "replace", path: "active", value: false }] }).expect(200);
      const team = await createTeam(t, org, "Vision");
      await t.http.patch(`/scim/v2/Groups/${team}`).set(auth(org.key)).send({ Operations: [{ op: "add", path: "members", value: [{ value: member.id }] }] }).expect(204);
    });

    it("lists members paged with total; filters by role, seat, active and q", async () => {
      const api = as(t, admin.key);
      const all = await api.get("/members");
      assert.equal(all.status, 200, all.text);
      assert.equal(all.body.total, 4);
      assert.deepEqual(all.body.items.map((m: any) => m.userName), ["alice.admin", "bob.member", "carol", "vera.viewer"]);
      const page = await api.get("/members?limit=2&offset=2");
      assert.deepEqual(page.body.items.map((m: any) => m.userName), ["carol", "vera.viewer"]);
      assert.equal(page.body.total, 4);
      assert.deepEqual((await api.get("/members?role=viewer")).body.items.map((m: any) => m.userName), ["vera.viewer"]);
      assert.deepEqual((await api.get("/members?modelsSeat=viewer")).body.items.map((m: any) => m.userName), ["carol"]);
      assert.deepEqual((await api.get("/members?weaveRole=none")).body.items.map((m: any) => m.userName), ["carol"]);
      assert.deepEqual((await api.get("/members?active=false")).body.items.map((m: any) => m.userName), ["carol"]);
      assert.deepEqual((await api.get("/members?q=SEARCHABLE")).body.items.map((m: any) => m.userName), ["carol"]);
      assert.deepEqual((await api.get("/members?q=bob.member%40example")).body.items.map((m: any) => m.userName), ["bob.member"]);
      assert.equal((await api.get("/members?q=%25")).body.total, 0, "LIKE wildcards are literal");
      const carol = all.body.items.find((m: any) => m.userName === "carol");
      assert.equal(carol.email, "carol@example.com");
      assert.equal(carol.active, false);
      problem(await api.get("/members?role=owner"), 400, /admin, member or viewer/);
    });

    it("members and viewers may read members (with teams), not change them", async () => {
      const api = as(t, member.key);
      const one = await api.get(`/members/${member.id}`);
      assert.equal(one.status, 200);
      assert.deepEqual(one.body.teams.map((x: any) => [x.name, x.role]), [["Vision", "member"]]);
      assert.equal(one.body.orgRole, "member");
      assert.equal((await api.get("/members")).status, 200);
      problem(await api.patch(`/members/${admin.id}`, { orgRole: "member" }), 403, /org admins/);
      problem(await api.delete(`/members/${admin.id}`), 403);
      problem(await api.put(`/members/${member.id}/billing-admin`), 403);
      problem(await api.get("/seats"), 403);
      problem(await as(t, admin.key).get("/members/nope"), 404);
    });
  });

  describe("changing members", () => {
    let org: TestOrg;
    let admin: { id: string; key: string };
    let bob: string;
    before(async () => {
      org = await t.newOrg();
      admin = await adminMember(t, org, "root");
      bob = await scimUser(t, org, "bob");
    });

    it("PATCH changes org role and seats (case-insensitive), audited with before/after", async () => {
      const res = await as(t, admin.key).patch(`/members/${bob}`, { orgRole: "Viewer", modelsSeat: "viewer", weaveRole: "NONE" });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.orgRole, "viewer");
      assert.equal(res.body.modelsSeat, "viewer");
      assert.equal(res.body.weaveRole, "none");
      const ev = await lastAudit(t, org, "member.update");
      assert.equal(ev?.door, "admin");
      assert.equal(ev?.actor, `member:${admin.id}`);
      assert.deepEqual(ev?.detail.org_role, { before: "member", after: "viewer" });
    });

    it("refuses bad input with 400 naming the allowed values or fields", async () => {
      const api = as(t, admin.key);
      problem(await api.patch(`/members/${bob}`, { orgRole: "owner" }), 400, /admin, member or viewer/);
      problem(await api.patch(`/members/${bob}`, { modelsSeat: "gold" }), 400, /full, viewer or none/);
      problem(await api.patch(`/members/${bob}`, { role: "admin" }), 400, /does not take “role”/);
      problem(await api.patch(`/members/${bob}`, { active: "no" }), 400, /true or false/);
    });

    it("the last active admin cannot be demoted, deactivated or deleted through the admin API (409, saying why)", async () => {
      const api = as(t, admin.key);
      problem(await api.patch(`/members/${admin.id}`, { orgRole: "member" }), 409, /last active admin/);
      problem(await api.patch(`/members/${admin.id}`, { active: false }), 409, /cannot deactivate root: they are the last active admin/);
      problem(await api.delete(`/members/${admin.id}`), 409, /cannot delete root: they are the last active admin/);
      // The org's service account key is an org admin too, and meets the same rule.
      problem(await as(t, org.key).delete(`/members/${admin.id}`), 409, /last active admin/);
      const row = await memberRow(t, admin.id);
      assert.equal(row?.org_role, "admin");
      assert.equal(row?.active, 1);
      // With a second admin, the first may step down.
      await as(t, admin.key).patch(`/members/${bob}`, { orgRole: "admin" }).expect(200);
      const down = await api.patch(`/members/${admin.id}`, { orgRole: "member" });
      assert.equal(down.status, 200, down.text);
    });

    it("seat limits apply with the exact message and change nothing", async () => {
      await setOrg(t, org, { full_models_seat_limit: 2 });
      const carl = await scimUser(t, org, "carl", { modelsSeat: "none" });
      // root and bob: root full; bob viewer (changed above) → 1 full in use. carl → full makes 2.
      await as(t, org.key).patch(`/members/${carl}`, { modelsSeat: "full" }).expect(200);
      const dan = await scimUser(t, org, "dan", { modelsSeat: "none" });
      problem(await as(t, org.key).patch(`/members/${dan}`, { modelsSeat: "full" }), 409, "seat limit reached: 2 of 2 full Models seats in use");
      assert.equal((await memberRow(t, dan))?.models_seat, "none");
      const report = await as(t, org.key).get("/seats");
      assert.equal(report.status, 200);
      assert.deepEqual(report.body.models, { full: 2, viewer: 1, none: 1 });
      assert.deepEqual(report.body.limits, { fullModels: 2, viewerModels: null });
      // Deactivated members free their seat and are not counted.
      await as(t, org.key).patch(`/members/${carl}`, { active: false }).expect(200);
      const after = await as(t, org.key).get("/seats");
      assert.deepEqual(after.body.models, { full: 1, viewer: 1, none: 1 });
      await as(t, org.key).patch(`/members/${dan}`, { modelsSeat: "full" }).expect(200);
      problem(await as(t, org.key).patch(`/members/${carl}`, { active: true }), 409, "seat limit reached: 2 of 2 full Models seats in use");
    });

    it("DELETE removes a member (audited); the global user stays", async () => {
      const gone = await scimUser(t, org, "leaver", { modelsSeat: "none" });
      const userId = (await memberRow(t, gone))!.user_id;
      const res = await as(t, org.key).delete(`/members/${gone}`); // root stepped down above
      assert.equal(res.status, 204);
      assert.equal(await memberRow(t, gone), undefined);
      assert.ok(await t.store.db.selectFrom("users").select("id").where("id", "=", userId).executeTakeFirst());
      assert.equal((await lastAudit(t, org, "member.remove"))?.target_id, gone);
    });

    it("plans: the Viewer org role is refused on standard with 403 naming the plan", async () => {
      const std = await t.newOrg();
      await setOrg(t, std, { plan: "standard" });
      const m = await scimUser(t, std, "std");
      problem(await as(t, std.key).patch(`/members/${m}`, { orgRole: "viewer" }), 403, /enterprise plan.*standard plan/);
      assert.equal((await memberRow(t, m))?.org_role, "member");
    });
  });

  describe("billing admin", () => {
    let org: TestOrg;
    let a: string;
    let b: string;
    before(async () => {
      org = await t.newOrg();
      await adminMember(t, org, "boss");
      a = await scimUser(t, org, "payer.a");
      b = await scimUser(t, org, "payer.b");
    });
    const billingAdmins = async () =>
      (await t.store.db.selectFrom("members").select("user_name").where("org_id", "=", org.id).where("billing_admin", "=", 1).execute()).map((r) => r.user_name);

    it("at most one per org: making another member billing admin moves the role", async () => {
      const res = await as(t, org.key).put(`/members/${a}/billing-admin`);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.billingAdmin, true);
      assert.deepEqual(await billingAdmins(), ["payer.a"]);
      await as(t, org.key).put(`/members/${b}/billing-admin`).expect(200);
      assert.deepEqual(await billingAdmins(), ["payer.b"]);
      const scim = await t.http.get(`/scim/v2/Users/${b}`).set(auth(org.key));
      assert.equal(scim.body["urn:ietf:params:scim:schemas:extension:rollcall:2.0:User"].billingAdmin, true);
      assert.deepEqual((await lastAudit(t, org, "member.billing_admin"))?.detail, { before: "payer.a", after: "payer.b" });
    });

    it("must be an active member; deactivating the billing admin gives the role up", async () => {
      await as(t, org.key).patch(`/members/${a}`, { active: false }).expect(200);
      problem(await as(t, org.key).put(`/members/${a}/billing-admin`), 409, /billing admin must be an active member/);
      assert.deepEqual(await billingAdmins(), ["payer.b"]);
      await t.http.put(`/scim/v2/Users/${b}`).set(auth(org.key)).send(user("payer.b", { active: false })).expect(200);
      assert.deepEqual(await billingAdmins(), []);
      await as(t, org.key).patch(`/members/${b}`, { active: true }).expect(200);
      await as(t, org.key).put(`/members/${b}/billing-admin`).expect(200);
      assert.equal((await as(t, org.key).delete(`/members/${b}/billing-admin`)).status, 204);
      assert.deepEqual(await billingAdmins(), []);
    });
  });

  describe("custom roles", () => {
    let org: TestOrg;
    let member: { id: string; key: string };
    before(async () => {
      org = await t.newOrg();
      member = await memberWithKey(t, org, "reader");
    });

    it("creates, lists, changes permissions, and deletes with holders dropped to the inherited role", async () => {
      const api = as(t, org.key);
      const created = await api.post("/roles", { name: "Launcher", inheritedFrom: "viewer", permissions: ["launchagent:manage"] });
      assert.equal(created.status, 201, created.text);
      assert.ok(created.body.permissions.some((p: any) => p.name === "launchagent:manage" && !p.isInherited));
      problem(await api.post("/roles", { name: "Launcher", inheritedFrom: "member" }), 409, /already exists/);
      problem(await api.post("/roles", { name: "X", inheritedFrom: "member", permissions: ["fly:away"] }), 400, /unknown permission "fly:away"/);
      const patched = await api.patch(`/roles/${created.body.id}`, { addPermissions: ["run:delete", "run:stop"], removePermissions: ["launchagent:manage"], description: "runs" });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.body.permissions.filter((p: any) => !p.isInherited).map((p: any) => p.name), ["run:stop", "run:delete"]);
      assert.equal(patched.body.description, "runs");
      const team = await createTeam(t, org, "Ops");
      await t.http.patch(`/scim/v2/Users/${member.id}`).set(auth(org.key))
        .send({ Operations: [{ op: "add", path: "teamRoles", value: [{ teamName: "Ops", roleName: "Launcher" }] }] }).expect(200);
      const list = await as(t, member.key).get("/roles");
      assert.equal(list.status, 200, "members may read roles");
      assert.deepEqual(list.body.items.map((r: any) => [r.name, r.holders]), [["Launcher", 1]]);
      problem(await as(t, member.key).post("/roles", { name: "Mine", inheritedFrom: "member" }), 403);
      assert.ok((await as(t, member.key).get("/permissions")).body.permissions.some((p: any) => p.name === "team:manage-members"));
      const del = await api.delete(`/roles/${created.body.id}`);
      assert.deepEqual(del.body, { holders: 1 });
      assert.deepEqual(await teamRole(t, team, member.id), { role: "view-only", custom_role_id: null });
      assert.equal((await lastAudit(t, org, "role.delete"))?.detail.fallback, "view-only");
      problem(await api.get(`/roles/${created.body.id}`), 404);
    });

    it("is enterprise only (403 naming the plan)", async () => {
      const std = await t.newOrg();
      await setOrg(t, std, { plan: "standard" });
      problem(await as(t, std.key).post("/roles", { name: "Nope", inheritedFrom: "member" }), 403, /enterprise plan is required for custom roles; this organization is on the standard plan/);
    });
  });

  it("the OpenAPI document lists these routes", async () => {
    const doc = (await t.http.get(`${API}/openapi.json`)).body;
    for (const [path, method] of [["/members", "get"], ["/members/{id}", "patch"], ["/members/{id}", "delete"], ["/members/{id}/billing-admin", "put"], ["/roles", "post"], ["/roles/{id}", "patch"], ["/roles/{id}", "delete"], ["/seats", "get"]] as const)
      assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
  });
});
