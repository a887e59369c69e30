/**
 * W&B's SCIM clients: organizationRole, modelsSeat, weaveRole and teamRoles at the
 * top level of a User body and as bare PATCH paths; predefined role names in any
 * case, custom role names exactly; responses always use the rollcall extension.
 */
import assert from "node:assert/strict";
import { wandbPatchOperations, wandbTopLevel } from "../../src/scim/dialects.ts";
import { auth, patch, startTestApp, USER_URN, type TestApp, type TestOrg } from "../support/app.ts";
import { createTeam, memberRow, ROLLCALL_USER_URN as EXT, scimUser, teamRole } from "../support/members.ts";

describe("W&B SCIM compatibility", () => {
  let t: TestApp;
  let org: TestOrg;
  let teamA: string;
  before(async () => {
    t = await startTestApp();
    org = await t.newOrg();
    await scimUser(t, org, "keeper.admin", { organizationRole: "admin" }); // so demotions elsewhere are allowed
    teamA = await createTeam(t, org, "Team A");
    await createTeam(t, org, "Team B");
  });
  after(async () => { await t.close(); });
  const h = () => auth(org.key);

  it("wandbTopLevel moves the names into the extension (the extension wins) and leaves other bodies alone", () => {
    assert.deepEqual(wandbTopLevel({ userName: "a", ModelsSeat: "viewer", [EXT]: { weaveRole: "none", modelsSeat: "full" } }),
      { userName: "a", [EXT]: { modelsSeat: "full", weaveRole: "none" } });
    const plain = { userName: "b" };
    assert.equal(wandbTopLevel(plain), plain);
    assert.deepEqual(wandbPatchOperations([{ op: "replace", path: "teamRoles[teamName eq \"x\"].roleName", value: "admin" }, { op: "replace", path: "title", value: "t" }]),
      [{ op: "replace", path: `${EXT}:teamRoles[teamName eq "x"].roleName`, value: "admin" }, { op: "replace", path: "title", value: "t" }]);
  });

  it("POST with top-level attributes (any case of predefined values); the response uses the extension only", async () => {
    const res = await t.http.post("/scim/v2/Users").set(h()).send({
      schemas: [USER_URN], userName: "wandb.user", emails: [{ value: "wandb.user@example.com", primary: true }],
      organizationRole: "Member", modelsSeat: "VIEWER", weaveRole: "none",
      teamRoles: [{ teamName: "team a", roleName: "Admin" }],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.organizationRole, undefined);
    assert.equal(res.body.modelsSeat, undefined);
    assert.equal(res.body.teamRoles, undefined);
    assert.equal(res.body[EXT].organizationRole, "member");
    assert.equal(res.body[EXT].modelsSeat, "viewer");
    assert.equal(res.body[EXT].weaveRole, "none");
    assert.deepEqual(res.body[EXT].teamRoles, [{ teamName: "Team A", roleName: "admin" }]);
    assert.equal((await teamRole(t, teamA, res.body.id))?.role, "admin");
    const row = await memberRow(t, res.body.id);
    assert.ok(!row!.resource.includes("modelsSeat"), "the top-level names are not kept as free attributes");
  });

  it("PATCH with bare paths, as W&B sends them", async () => {
    const id = await scimUser(t, org, "patch.me");
    let res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", path: "organizationRole", value: "ADMIN" }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body[EXT].organizationRole, "admin");
    res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch(
      { op: "Replace", path: "modelsSeat", value: "none" },
      { op: "replace", path: "weaveRole", value: "Viewer" },
      { op: "replace", path: "teamRoles", value: [{ teamName: "Team B", roleName: "member" }, { teamName: "Team A", roleName: "view-only" }] },
    ));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body[EXT].modelsSeat, "none");
    assert.equal(res.body[EXT].weaveRole, "viewer");
    assert.deepEqual(res.body[EXT].teamRoles, [{ teamName: "Team A", roleName: "view-only" }, { teamName: "Team B", roleName: "member" }]);
    res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", path: 'teamRoles[teamName eq "Team A"].roleName', value: "admin" }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await teamRole(t, teamA, id))?.role, "admin");
  });

  it("a path-less PATCH with the names as keys", async () => {
    const id = await scimUser(t, org, "pathless");
    const res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", value: { modelsSeat: "viewer", displayName: "Path Less" } }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body[EXT].modelsSeat, "viewer");
    assert.equal(res.body.displayName, "Path Less");
  });

  it("invalid values are 400 invalidValue with the allowed values; unknown teams and roles are named", async () => {
    const id = await scimUser(t, org, "invalid.values");
    const cases: [unknown, RegExp][] = [
      [{ op: "replace", path: "organizationRole", value: "superuser" }, /admin, member, viewer/],
      [{ op: "replace", path: "weaveRole", value: "write" }, /full, viewer, none/],
      [{ op: "replace", path: "teamRoles", value: [{ teamName: "No Such Team", roleName: "admin" }] }, /no team named "No Such Team"/],
      [{ op: "replace", path: "teamRoles", value: [{ teamName: "Team A", roleName: "owner" }] }, /admin, member, view-only or the exact name of a custom role/],
    ];
    for (const [op, detail] of cases) {
      const res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch(op));
      assert.equal(res.status, 400, JSON.stringify(op));
      assert.equal(res.body.scimType, "invalidValue");
      assert.match(res.body.detail, detail);
    }
    const post = await t.http.post("/scim/v2/Users").set(h()).send({ schemas: [USER_URN], userName: "bad.top", modelsSeat: "platinum" });
    assert.equal(post.status, 400);
    assert.match(post.body.detail, /full, viewer, none/);
    assert.equal(await teamRole(t, teamA, id), undefined);
  });

  it("custom role names match exactly; predefined names case-insensitively", async () => {
    const role = await t.http.post("/scim/v2/Roles").set(h()).send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Role"], name: "Run Stopper", inheritedFrom: "viewer", permissions: [{ name: "run:stop" }] });
    assert.equal(role.status, 201, JSON.stringify(role.body));
    const id = await scimUser(t, org, "custom.holder");
    const wrongCase = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "add", path: "teamRoles", value: [{ teamName: "Team A", roleName: "run stopper" }] }));
    assert.equal(wrongCase.status, 400);
    const ok = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "add", path: "teamRoles", value: [{ teamName: "Team A", roleName: "Run Stopper" }] }));
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body[EXT].teamRoles, [{ teamName: "Team A", roleName: "Run Stopper" }]);
    assert.deepEqual(await teamRole(t, teamA, id), { role: "custom", custom_role_id: role.body.id });
  });

  it("PUT without team roles (Okta's full PUT) leaves roles and seats as they are", async () => {
    const id = await scimUser(t, org, "okta.put", { modelsSeat: "viewer", teamRoles: [{ teamName: "Team A", roleName: "admin" }] });
    const res = await t.http.put(`/scim/v2/Users/${id}`).set(h()).send({ schemas: [USER_URN], userName: "okta.put", displayName: "Okta Put" });
    assert.equal(res.status, 200);
    assert.equal(res.body[EXT].modelsSeat, "viewer");
    assert.deepEqual(res.body[EXT].teamRoles, [{ teamName: "Team A", roleName: "admin" }]);
  });
});
