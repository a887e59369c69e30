/**
 * Provenance (issue 10, item 1) through the real doors: who granted each
 * membership, and a source's reconciliation takes away only its own grants.
 */
import assert from "node:assert/strict";
import { auth, GROUP_URN, patch, SCIM, startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, type TestMember } from "../admin/principals.ts";
import { startRig, type Rig } from "../arrival/listening.ts";

const group = (displayName: string, members: string[]) => ({ schemas: [GROUP_URN], displayName, members: members.map((value) => ({ value })) });

async function roster(t: TestApp, key: string, teamId: string): Promise<Map<string, string[]>> {
  const body = expectOk(await as(t, key).get(`/teams/${teamId}/members`));
  return new Map(body.members.map((m: { memberId: string; sources: { kind: string }[] }) => [m.memberId, m.sources.map((s) => s.kind).sort()]));
}

describe("provenance: a SCIM connection's reconciliation keeps what an admin granted", () => {
  let t: TestApp;
  let admin: TestMember;
  let ann: TestMember;
  let bob: TestMember;
  let cat: TestMember;
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "admin", "admin");
    ann = await addMember(t, "ann");
    bob = await addMember(t, "bob");
    cat = await addMember(t, "cat");
  });
  after(async () => t?.close());
  const scim = () => ({
    post: (p: string, b: object) => t.http.post(`/scim/v2${p}`).set(auth(t.org.key)).type(SCIM).send(b),
    put: (p: string, b: object) => t.http.put(`/scim/v2${p}`).set(auth(t.org.key)).type(SCIM).send(b),
    patch: (p: string, b: object) => t.http.patch(`/scim/v2${p}`).set(auth(t.org.key)).type(SCIM).send(b),
    delete: (p: string) => t.http.delete(`/scim/v2${p}`).set(auth(t.org.key)),
  });

  it("the admin-added member survives the IdP's full PUT and its PATCH replace of members; the IdP's own removals happen", async () => {
    const created = await scim().post("/Groups", group("Vision", [ann.id, bob.id]));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const teamId = created.body.id as string;
    expectOk(await as(t, admin.key).put(`/teams/${teamId}/members/${cat.id}`, { role: "member" }), 201);
    assert.deepEqual(await roster(t, admin.key, teamId), new Map([[ann.id, ["scim"]], [bob.id, ["scim"]], [cat.id, ["admin"]]]));

    const put = await scim().put(`/Groups/${teamId}`, group("Vision", [ann.id]));
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(await roster(t, admin.key, teamId), new Map([[ann.id, ["scim"]], [cat.id, ["admin"]]]));

    const replaced = await scim().patch(`/Groups/${teamId}`, patch({ op: "replace", path: "members", value: [] }));
    assert.equal(replaced.status, 204, JSON.stringify(replaced.body));
    assert.deepEqual(await roster(t, admin.key, teamId), new Map([[cat.id, ["admin"]]]));

    const member = expectOk(await as(t, admin.key).get(`/members/${cat.id}`));
    const team = member.teams.find((x: { id: string }) => x.id === teamId);
    assert.equal(team.sources[0].kind, "admin");
    assert.equal(team.sources[0].id, `member:${admin.id}`);
    assert.ok(member.sources.orgRole.length > 0, "the org role names its source");
  });

  it("two sources grant the same membership: the IdP's removal alone keeps it, the admin's grant is what remains", async () => {
    const teamId = (await scim().post("/Groups", group("Shared", [ann.id]))).body.id as string;
    expectOk(await as(t, admin.key).put(`/teams/${teamId}/members/${ann.id}`, { role: "admin" }));
    assert.deepEqual((await roster(t, admin.key, teamId)).get(ann.id), ["admin", "scim"]);
    const removed = await scim().patch(`/Groups/${teamId}`, patch({ op: "remove", path: `members[value eq "${ann.id}"]` }));
    assert.equal(removed.status, 204, JSON.stringify(removed.body));
    assert.deepEqual((await roster(t, admin.key, teamId)).get(ann.id), ["admin"]);
    const scimView = await t.http.get(`/scim/v2/Groups/${teamId}`).set(auth(t.org.key));
    assert.deepEqual(scimView.body.members.map((m: { value: string }) => m.value), [ann.id]);
  });

  it("a SCIM DELETE of a group removes its own grants; the team stays while other sources still grant memberships", async () => {
    const teamId = (await scim().post("/Groups", group("Kept", [ann.id, bob.id]))).body.id as string;
    expectOk(await as(t, admin.key).put(`/teams/${teamId}/members/${cat.id}`, { role: "member" }), 201);
    assert.equal((await scim().delete(`/Groups/${teamId}`)).status, 204);
    assert.deepEqual(await roster(t, admin.key, teamId), new Map([[cat.id, ["admin"]]]));
    const kept = await t.store.db.selectFrom("audit_events").select("action").where("target_id", "=", teamId).orderBy("id", "desc").executeTakeFirstOrThrow();
    assert.equal(kept.action, "team.delete.kept");

    const gone = (await scim().post("/Groups", group("Gone", [ann.id]))).body.id as string;
    assert.equal((await scim().delete(`/Groups/${gone}`)).status, 204);
    assert.equal((await t.http.get(`/scim/v2/Groups/${gone}`).set(auth(t.org.key))).status, 404);
  });

  it("an admin's removal ends the membership whoever granted it", async () => {
    const teamId = (await scim().post("/Groups", group("Ended", [bob.id]))).body.id as string;
    assert.equal((await as(t, admin.key).delete(`/teams/${teamId}/members/${bob.id}`)).status, 204);
    assert.equal((await roster(t, admin.key, teamId)).size, 0);
    const left = await t.store.db.selectFrom("membership_sources").select("kind").where("team_id", "=", teamId).execute();
    assert.deepEqual(left, []);
  });
});

describe("provenance: SSO group sync and SCIM grant the same membership (real OpenID Provider)", () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
    const put = await rig.api("PUT", "/api/v1/sso/oidc", { issuer: rig.op.issuer, clientId: rig.op.clientId, clientSecret: rig.op.clientSecret, scopes: "openid email profile groups", claimsMapping: { groups: "groups" } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await rig.store.db.updateTable("orgs").set({ sync_groups_to_teams: 1 }).where("id", "=", rig.org.id).execute();
  });
  after(async () => rig?.close());

  const kinds = async (teamId: string, memberId: string) => {
    const res = await rig.api("GET", `/api/v1/teams/${teamId}/members`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const m = res.body.members.find((x: { memberId: string }) => x.memberId === memberId);
    return m ? m.sources.map((s: { kind: string; id: string }) => `${s.kind} ${s.id}`).sort() : null;
  };
  const scimMembers = (teamId: string, op: object) => rig.api("PATCH", `/scim/v2/Groups/${teamId}`, patch(op));
  const account = (groups: string[]) => ({ sub: "ida-sub", email: "ida@sync.example", email_verified: true, name: "Ida", groups });

  it("each source's removal alone keeps the membership; it ends when both have removed it", async () => {
    const created = await rig.api("POST", "/scim/v2/Groups", { schemas: [GROUP_URN], displayName: "ml" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const teamId = created.body.id as string;
    const sso = `sso oidc ${rig.op.issuer}`;

    const { memberId } = await rig.signIn(account(["ml"]));
    assert.deepEqual(await kinds(teamId, memberId), [sso]);
    assert.equal((await scimMembers(teamId, { op: "add", path: "members", value: [{ value: memberId }] })).status, 204);
    const both = await kinds(teamId, memberId);
    assert.equal(both?.length, 2);
    assert.ok(both?.includes(sso) && both.some((k: string) => k.startsWith("scim ")));

    await rig.signIn(account([])); // the IdP's groups no longer name ml: SSO takes away its grant only
    assert.deepEqual((await kinds(teamId, memberId))?.map((k: string) => k.split(" ")[0]), ["scim"]);

    await rig.signIn(account(["ml"]));
    assert.equal((await scimMembers(teamId, { op: "remove", path: `members[value eq "${memberId}"]` })).status, 204);
    assert.deepEqual(await kinds(teamId, memberId), [sso]); // SCIM's removal alone keeps it

    await rig.signIn(account([]));
    assert.equal(await kinds(teamId, memberId), null);
  });

  it("role mapping rules apply at each sign-in from the OIDC groups claim", async () => {
    const saved = await rig.api("POST", "/api/v1/role-mappings", { priority: 1, match: { kind: "oidc-group", value: "Readers" }, weaveRole: "viewer" });
    assert.equal(saved.status, 201, JSON.stringify(saved.body));
    const { memberId } = await rig.signIn({ sub: "rae-sub", email: "rae@sync.example", email_verified: true, name: "Rae", groups: ["readers"] });
    const m = await rig.api("GET", `/api/v1/members/${memberId}`);
    assert.equal(m.body.weaveRole, "viewer");
    assert.deepEqual(m.body.sources.weaveRole.map((x: { kind: string; id: string }) => `${x.kind} ${x.id}`), [`mapping ${saved.body.rule.id}`]);
  });
});
