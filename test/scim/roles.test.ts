/** SCIM /Roles: custom roles as a resource type, over HTTP. */
import assert from "node:assert/strict";
import { auth, patch, startTestApp, type TestApp, type TestOrg } from "../support/app.ts";
import { createTeam, ROLLCALL_USER_URN as EXT, scimUser, setOrg, teamRole } from "../support/members.ts";

const ROLE_URN = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Role";
const WANDB_ROLE_URN = "urn:ietf:params:scim:schemas:core:2.0:Role";
const role = (name: string, extra: Record<string, unknown> = {}) => ({ schemas: [ROLE_URN], name, inheritedFrom: "member", ...extra });

describe("SCIM /Roles", () => {
  let t: TestApp;
  let org: TestOrg;
  before(async () => { t = await startTestApp(); org = await t.newOrg(); });
  after(async () => { await t.close(); });
  const h = () => auth(org.key);

  it("is described by /ResourceTypes and /Schemas", async () => {
    const rt = await t.http.get("/scim/v2/ResourceTypes/Role");
    assert.equal(rt.status, 200);
    assert.equal(rt.body.endpoint, "/Roles");
    assert.equal(rt.body.schema, ROLE_URN);
    const s = await t.http.get(`/scim/v2/Schemas/${ROLE_URN}`);
    assert.equal(s.status, 200);
    assert.deepEqual(s.body.attributes.map((a: { name: string }) => a.name), ["name", "description", "inheritedFrom", "permissions"]);
    const list = await t.http.get("/scim/v2/Schemas");
    assert.ok(list.body.Resources.some((x: { id: string }) => x.id === ROLE_URN));
  });

  it("creates a role (W&B's schema URN accepted): 201, Location, ETag, inherited permissions flagged", async () => {
    const res = await t.http.post("/scim/v2/Roles").set(h()).send({ schemas: [WANDB_ROLE_URN], name: "Deleter", description: "can delete runs", inheritedFrom: "Member", permissions: [{ name: "run:delete" }, { name: "run:read" }] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.headers.location, res.body.meta.location);
    assert.equal(res.headers.etag, res.body.meta.version);
    assert.deepEqual(res.body.schemas, [ROLE_URN]);
    assert.equal(res.body.inheritedFrom, "member");
    assert.equal(res.body.description, "can delete runs");
    const perms = res.body.permissions as { name: string; isInherited: boolean }[];
    assert.deepEqual(perms.filter((p) => !p.isInherited).map((p) => p.name), ["run:delete"]);
    assert.ok(perms.some((p) => p.name === "run:read" && p.isInherited));
    assert.ok(perms.some((p) => p.name === "artifact:read" && p.isInherited));
    const row = await t.store.db.selectFrom("custom_roles").select("permissions").where("id", "=", res.body.id).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.permissions), ["run:delete"], "inherited permissions are not stored twice");
  });

  it("refuses a taken name with 409 uniqueness, an unknown permission and bad fields with 400 invalidValue", async () => {
    const dup = await t.http.post("/scim/v2/Roles").set(h()).send(role("Deleter"));
    assert.equal(dup.status, 409);
    assert.equal(dup.body.scimType, "uniqueness");
    const cases: [Record<string, unknown>, RegExp][] = [
      [role("P1", { permissions: [{ name: "run:fly" }] }), /unknown permission "run:fly"; known permissions: artifact:read/],
      [role("P2", { inheritedFrom: "admin" }), /role it builds on: member or viewer/],
      [role("Admin"), /predefined role name/],
      [{ schemas: [ROLE_URN], inheritedFrom: "member" }, /name/],
    ];
    for (const [body, detail] of cases) {
      const res = await t.http.post("/scim/v2/Roles").set(h()).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.scimType, "invalidValue");
      assert.match(res.body.detail, detail);
    }
    const n = await t.store.db.selectFrom("custom_roles").select("id").where("org_id", "=", org.id).execute();
    assert.equal(n.length, 1);
  });

  it("lists with a filter on name (whitelisted attributes only) and paging", async () => {
    await t.http.post("/scim/v2/Roles").set(h()).send(role("Viewer Plus", { inheritedFrom: "viewer", permissions: [{ name: "run:stop" }] })).expect(201);
    const all = await t.http.get("/scim/v2/Roles").set(h());
    assert.equal(all.body.totalResults, 2);
    const one = await t.http.get("/scim/v2/Roles").query({ filter: 'name eq "Viewer Plus"' }).set(h());
    assert.equal(one.status, 200);
    assert.equal(one.body.totalResults, 1);
    assert.equal(one.body.Resources[0].inheritedFrom, "viewer");
    const exact = await t.http.get("/scim/v2/Roles").query({ filter: 'name eq "viewer plus"' }).set(h());
    assert.equal(exact.body.totalResults, 0, "names are case-exact");
    const sw = await t.http.get("/scim/v2/Roles").query({ filter: 'name sw "Del"', count: 1 }).set(h());
    assert.equal(sw.body.totalResults, 1);
    const bad = await t.http.get("/scim/v2/Roles").query({ filter: 'permissions.name eq "run:stop"' }).set(h());
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, "invalidFilter");
    const other = await t.newOrg();
    const none = await t.http.get("/scim/v2/Roles").set(auth(other.key));
    assert.equal(none.body.totalResults, 0, "roles are per org");
  });

  it("GET, PUT with If-Match, PATCH add/remove on permissions", async () => {
    const created = await t.http.post("/scim/v2/Roles").set(h()).send(role("Editor", { permissions: [{ name: "project:delete" }] }));
    const id = created.body.id;
    const got = await t.http.get(`/scim/v2/Roles/${id}`).set(h());
    assert.equal(got.status, 200);
    assert.equal(got.body.name, "Editor");
    const stale = await t.http.put(`/scim/v2/Roles/${id}`).set(h()).set("If-Match", 'W/"99"').send(role("Editor 2"));
    assert.equal(stale.status, 412);
    const put = await t.http.put(`/scim/v2/Roles/${id}`).set(h()).set("If-Match", got.body.meta.version).send(role("Editor", { description: "edits", permissions: [{ name: "project:delete" }] }));
    assert.equal(put.status, 200);
    assert.equal(put.body.description, "edits");
    const own = (body: any) => body.permissions.filter((p: any) => !p.isInherited).map((p: any) => p.name);
    let res = await t.http.patch(`/scim/v2/Roles/${id}`).set(h()).send(patch({ op: "add", path: "permissions", value: [{ name: "run:delete" }, { name: "launchagent:read" }] }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(own(res.body), ["project:delete", "run:delete"]);
    res = await t.http.patch(`/scim/v2/Roles/${id}`).set(h()).send(patch({ op: "remove", path: "permissions", value: [{ name: "project:delete" }] }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(own(res.body), ["run:delete"]);
    res = await t.http.patch(`/scim/v2/Roles/${id}`).set(h()).send(patch({ op: "remove", path: 'permissions[name eq "run:delete"]' }));
    assert.deepEqual(own(res.body), []);
    const unknown = await t.http.patch(`/scim/v2/Roles/${id}`).set(h()).send(patch({ op: "add", path: "permissions", value: [{ name: "nope:nope" }] }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.scimType, "invalidValue");
    const rename = await t.http.patch(`/scim/v2/Roles/${id}`).set(h()).send(patch({ op: "replace", path: "name", value: "Deleter" }));
    assert.equal(rename.status, 409);
    const events = await t.store.db.selectFrom("audit_events").select("action").where("target_id", "=", id).execute();
    assert.ok(events.filter((e) => e.action === "role.update").length >= 4);
  });

  it("DELETE drops holders back to the inherited role (member → member, viewer → view-only)", async () => {
    const team = await createTeam(t, org, "Research");
    const a = await scimUser(t, org, "holder.a", { teamRoles: [{ teamName: "Research", roleName: "Deleter" }] });
    const b = await scimUser(t, org, "holder.b", { teamRoles: [{ teamName: "Research", roleName: "Viewer Plus" }] });
    assert.equal((await teamRole(t, team, a))?.role, "custom");
    const before = await t.http.get(`/scim/v2/Users/${a}`).set(h());
    assert.deepEqual(before.body[EXT].teamRoles, [{ teamName: "Research", roleName: "Deleter" }]);
    const roles = (await t.http.get("/scim/v2/Roles").set(h())).body.Resources as { id: string; name: string }[];
    for (const name of ["Deleter", "Viewer Plus"]) {
      const res = await t.http.delete(`/scim/v2/Roles/${roles.find((r) => r.name === name)!.id}`).set(h());
      assert.equal(res.status, 204);
    }
    assert.deepEqual(await teamRole(t, team, a), { role: "member", custom_role_id: null });
    assert.deepEqual(await teamRole(t, team, b), { role: "view-only", custom_role_id: null });
    const after = await t.http.get(`/scim/v2/Users/${a}`).set(h());
    assert.deepEqual(after.body[EXT].teamRoles, [{ teamName: "Research", roleName: "member" }]);
    assert.notEqual(after.body.meta.version, before.body.meta.version, "the holder's version moved");
    const gone = await t.http.get(`/scim/v2/Roles/${roles.find((r) => r.name === "Deleter")!.id}`).set(h());
    assert.equal(gone.status, 404);
  });

  it("is enterprise only: on standard, creating or changing a role and assigning one are 403 naming the plan", async () => {
    const std = await t.newOrg();
    const made = await t.http.post("/scim/v2/Roles").set(auth(std.key)).send(role("Before Downgrade"));
    assert.equal(made.status, 201);
    await createTeam(t, std, "Std Team");
    await setOrg(t, std, { plan: "standard" });
    const res = await t.http.post("/scim/v2/Roles").set(auth(std.key)).send(role("Nope"));
    assert.equal(res.status, 403);
    assert.match(res.body.detail, /the enterprise plan is required for custom roles; this organization is on the standard plan/);
    const upd = await t.http.patch(`/scim/v2/Roles/${made.body.id}`).set(auth(std.key)).send(patch({ op: "replace", path: "description", value: "x" }));
    assert.equal(upd.status, 403);
    const id = await scimUser(t, std, "std.user");
    const assign = await t.http.patch(`/scim/v2/Users/${id}`).set(auth(std.key)).send(patch({ op: "add", path: `${EXT}:teamRoles`, value: [{ teamName: "Std Team", roleName: "Before Downgrade" }] }));
    assert.equal(assign.status, 403);
    assert.match(assign.body.detail, /standard plan/);
    // Reading and deleting remain possible, so a downgraded org can clean up.
    assert.equal((await t.http.get(`/scim/v2/Roles/${made.body.id}`).set(auth(std.key))).status, 200);
    assert.equal((await t.http.delete(`/scim/v2/Roles/${made.body.id}`).set(auth(std.key))).status, 204);
  });
});
