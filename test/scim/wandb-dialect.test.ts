/**
 * A W&B SCIM client replayed as W&B's public SCIM docs show it: the base URL without
 * /v2, Entra's tenant URL flag, `viewer` for View-Only, the teams extension on POST,
 * removal of a team member by e-mail, `remove teamRoles`, and `storageBucket` on a team.
 * Each step checks what is stored, not only the status.
 */
import assert from "node:assert/strict";
import { auth, ERROR_URN, GROUP_URN, patch, startTestApp, USER_URN, type TestApp, type TestOrg } from "../support/app.ts";
import { createTeam, ROLLCALL_USER_URN as EXT, scimUser, teamRole } from "../support/members.ts";

const TEAMS_URN = "urn:ietf:params:scim:schemas:extension:teams:2.0:User";

describe("W&B SCIM dialect (a W&B client replay)", () => {
  let t: TestApp;
  let org: TestOrg;
  let mlTeam: string;
  let dataTeam: string;
  before(async () => {
    t = await startTestApp();
    org = await t.newOrg();
    mlTeam = await createTeam(t, org, "my-team");
    dataTeam = await createTeam(t, org, "data-team");
  });
  after(async () => { await t.close(); });
  const h = () => auth(org.key);
  const teamIdsOf = async (memberId: string) =>
    (await t.store.db.selectFrom("team_members").select("team_id").where("member_id", "=", memberId).execute()).map((r) => r.team_id).sort();

  it("/scim/ (no version) serves the same endpoints as /scim/v2, Entra's ?aadOptscim062020 included", async () => {
    const id = await scimUser(t, org, "base.path");
    for (const path of ["/scim/Users", "/scim/Users?aadOptscim062020", `/scim/Users/${id}`, "/scim/Groups", "/scim/Roles", "/scim/ServiceProviderConfig", "/scim/Schemas", "/scim/ResourceTypes"]) {
      const res = await t.http.get(path).set(h());
      assert.equal(res.status, 200, `${path}: ${JSON.stringify(res.body)}`);
      assert.match(res.headers["content-type"], /^application\/scim\+json/, path);
    }
    const list = await t.http.get(`/scim/Users?aadOptscim062020&filter=${encodeURIComponent('userName eq "base.path"')}`).set(h());
    assert.deepEqual(list.body.Resources.map((u: { id: string }) => u.id), [id]);
    const created = await t.http.post("/scim/Users").set(h()).send({ schemas: [USER_URN], userName: "via.short.base", emails: [{ value: "short@acme.example", primary: true }] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const row = await t.store.db.selectFrom("members").select("user_name").where("id", "=", created.body.id).executeTakeFirst();
    assert.equal(row?.user_name, "via.short.base");
  });

  it("every unknown path under /scim is a SCIM 404 error body, never an HTML page", async () => {
    for (const path of ["/scim", "/scim?aadOptscim062020", "/scim/Printers", "/scim/v2/Printers", "/scim/v3/Users", "/scim/Users/x/y"]) {
      const res = await t.http.get(path).set(h());
      assert.equal(res.status, 404, path);
      assert.match(res.headers["content-type"], /^application\/scim\+json/, path);
      assert.deepEqual(res.body.schemas, [ERROR_URN], path);
      assert.equal(res.body.status, "404", path);
    }
    const anonymous = await t.http.get("/scim/Printers");
    assert.equal(anonymous.status, 401);
    assert.deepEqual(anonymous.body.schemas, [ERROR_URN]);
  });

  it("`viewer` is W&B's name for the View-Only team role; we store and answer view-only", async () => {
    const id = await scimUser(t, org, "viewer.alias");
    const res = await t.http.patch(`/scim/Users/${id}`).set(h()).send(patch({ op: "replace", path: "teamRoles", value: [{ teamName: "my-team", roleName: "viewer" }] }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body[EXT].teamRoles, [{ teamName: "my-team", roleName: "view-only" }]);
    assert.deepEqual(await teamRole(t, mlTeam, id), { role: "view-only", custom_role_id: null });
    // the same again is no change; "Viewer" in any case is the same role
    const again = await t.http.patch(`/scim/Users/${id}`).set(h()).send(patch({ op: "replace", path: "teamRoles", value: [{ teamName: "my-team", roleName: "Viewer" }] }));
    assert.equal(again.status, 200);
    assert.equal((await teamRole(t, mlTeam, id))?.role, "view-only");
  });

  it("the teams extension on POST puts the new user in those teams (as member; teamRoles names another role)", async () => {
    const res = await t.http.post("/scim/Users").set(h()).send({
      schemas: [USER_URN, TEAMS_URN], userName: "dev-user2", emails: [{ primary: true, value: "dev-user2@acme.example" }],
      [TEAMS_URN]: { teams: ["My-Team", "data-team"] },
      teamRoles: [{ teamName: "data-team", roleName: "admin" }],
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body[EXT].teamRoles, [{ teamName: "data-team", roleName: "admin" }, { teamName: "my-team", roleName: "member" }]);
    assert.equal(res.body[TEAMS_URN], undefined, "the extension is write-only: teams are answered as teamRoles and groups");
    assert.deepEqual(res.body.groups.map((g: { value: string }) => g.value).sort(), [mlTeam, dataTeam].sort());
    assert.equal((await teamRole(t, mlTeam, res.body.id))?.role, "member");
    assert.equal((await teamRole(t, dataTeam, res.body.id))?.role, "admin");
  });

  it("the teams extension naming an unknown team creates nothing (the create is one transaction)", async () => {
    const res = await t.http.post("/scim/Users").set(h()).send({
      schemas: [USER_URN, TEAMS_URN], userName: "ghost.teams", [TEAMS_URN]: { teams: ["my-team", "no-such-team"] },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /no team named "no-such-team"/);
    const row = await t.store.db.selectFrom("members").select("id").where("org_id", "=", org.id).where("user_name_key", "=", "ghost.teams").executeTakeFirst();
    assert.equal(row, undefined);
  });

  it("removes a team member by e-mail (members[value eq \"bob@…\"]), as W&B documents", async () => {
    const bob = await scimUser(t, org, "bob", {}, { emails: [{ value: "Bob@acme.example", primary: true }] });
    const ann = await scimUser(t, org, "ann", {}, { emails: [{ value: "ann@acme.example", primary: true }] });
    const add = await t.http.patch(`/scim/Groups/${dataTeam}`).set(h()).send(patch({ op: "add", path: "members", value: [{ value: bob }, { value: ann }] }));
    assert.ok(add.status === 200 || add.status === 204, JSON.stringify(add.body));
    const res = await t.http.patch(`/scim/Groups/${dataTeam}`).set(h()).send(patch({ op: "remove", path: 'members[value eq "bob@acme.example"]' }));
    assert.ok(res.status === 200 || res.status === 204, JSON.stringify(res.body));
    assert.equal(await teamRole(t, dataTeam, bob), undefined, "bob left the team");
    assert.equal((await teamRole(t, dataTeam, ann))?.role, "member", "ann stays");
  });

  it("a member filter that selects nobody is a 400 noTarget and changes nothing — by e-mail or by id", async () => {
    const ann = (await t.store.db.selectFrom("members").select("id").where("org_id", "=", org.id).where("user_name_key", "=", "ann").executeTakeFirstOrThrow()).id;
    for (const value of ["nobody@acme.example", "no-such-id", "bob@acme.example"]) {
      const res = await t.http.patch(`/scim/Groups/${dataTeam}`).set(h()).send(patch(
        { op: "remove", path: `members[value eq "${ann}"]` },
        { op: "remove", path: `members[value eq "${value}"]` },
      ));
      assert.equal(res.status, 400, value);
      assert.equal(res.body.scimType, "noTarget", value);
      assert.equal((await teamRole(t, dataTeam, ann))?.role, "member", `${value}: the whole PATCH was refused`);
    }
  });

  it("remove path teamRoles takes the user out of every team; teamRoles[teamName eq …] out of that one", async () => {
    const id = await scimUser(t, org, "team.leaver", { teamRoles: [{ teamName: "my-team", roleName: "admin" }, { teamName: "data-team", roleName: "member" }] });
    assert.deepEqual(await teamIdsOf(id), [mlTeam, dataTeam].sort());
    let res = await t.http.patch(`/scim/Users/${id}`).set(h()).send(patch({ op: "remove", path: 'teamRoles[teamName eq "data-team"]' }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(await teamIdsOf(id), [mlTeam]);
    res = await t.http.patch(`/scim/Users/${id}`).set(h()).send(patch({ op: "remove", path: "teamRoles" }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body[EXT].teamRoles ?? [], []);
    assert.deepEqual(await teamIdsOf(id), []);
  });

  it("storageBucket on a team is refused (400 invalidSyntax), never dropped: no team is created or changed", async () => {
    const bucket = { name: "my-bucket", provider: "aws" };
    const post = await t.http.post("/scim/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: "bucket-team", storageBucket: bucket });
    assert.equal(post.status, 400);
    assert.equal(post.body.scimType, "invalidSyntax");
    assert.match(post.body.detail, /storageBucket/);
    const row = await t.store.db.selectFrom("teams").select("id").where("org_id", "=", org.id).where("name_key", "=", "bucket-team").executeTakeFirst();
    assert.equal(row, undefined);
    const put = await t.http.put(`/scim/Groups/${mlTeam}`).set(h()).send({ schemas: [GROUP_URN], displayName: "renamed", storageBucket: bucket });
    assert.equal(put.status, 400);
    const patched = await t.http.patch(`/scim/Groups/${mlTeam}`).set(h()).send(patch({ op: "replace", path: "storageBucket", value: bucket }));
    assert.equal(patched.status, 400);
    const team = await t.store.db.selectFrom("teams").select("display_name").where("id", "=", mlTeam).executeTakeFirstOrThrow();
    assert.equal(team.display_name, "my-team");
  });
});
