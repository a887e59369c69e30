/**
 * Several SCIM connections per org (issue 10, item 4) through the admin API and
 * SCIM: each with its own key and rate limit (429 with Retry-After for that
 * connection only), neither undoing the other's work, removal keeping or
 * removing what a connection granted.
 */
import assert from "node:assert/strict";
import { auth, GROUP_URN, patch, SCIM, startTestApp, user, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, problem, type TestMember } from "../admin/principals.ts";

describe("SCIM connections: two in one org, each with its own rate limit", () => {
  let t: TestApp;
  let admin: TestMember;
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "admin", "admin");
    const team = expectOk(await as(t, admin.key).post("/teams", { name: "Everyone", domainMatching: true }), 201);
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: team.id }));
  });
  after(async () => t?.close());

  it("Okta and Entra coexist: each one's removals keep the other's grants; each is limited on its own; removal keeps or removes its grants", async () => {
    const okta = expectOk(await as(t, admin.key).post("/scim-connections", { name: "Okta", rateLimitPerMinute: 2 }), 201);
    const entra = expectOk(await as(t, admin.key).post("/scim-connections", { name: "Entra", rateLimitPerMinute: 50 }), 201);
    problem(await as(t, admin.key).post("/scim-connections", { name: "okta" }), 409, /already exists/);
    const scim = (key: string) => ({
      post: (p: string, b: object) => t.http.post(`/scim/v2${p}`).set(auth(key)).type(SCIM).send(b),
      patch: (p: string, b: object) => t.http.patch(`/scim/v2${p}`).set(auth(key)).type(SCIM).send(b),
    });
    const emp = await scim(okta.key).post("/Users", user("employee"));
    assert.equal(emp.status, 201, JSON.stringify(emp.body));
    const con = await scim(entra.key).post("/Users", user("contractor"));
    assert.equal(con.status, 201, JSON.stringify(con.body));
    const group = await scim(okta.key).post("/Groups", { schemas: [GROUP_URN], displayName: "ml", members: [{ value: emp.body.id }] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    // Okta's limit (2 a minute) is used up; its 3rd request is a 429 with Retry-After; Entra's are not affected.
    const limited = await scim(okta.key).patch(`/Groups/${group.body.id}`, patch({ op: "add", path: "members", value: [{ value: con.body.id }] }));
    assert.equal(limited.status, 429, JSON.stringify(limited.body));
    assert.ok(Number(limited.headers["retry-after"]) >= 1);
    assert.match(limited.body.detail, /rate limit \(2 requests per minute\)/);
    const entraAdds = await scim(entra.key).patch(`/Groups/${group.body.id}`, patch({ op: "replace", path: "members", value: [{ value: con.body.id }] }));
    assert.equal(entraAdds.status, 204, JSON.stringify(entraAdds.body));
    // Entra's full replace of the members took away only its own grants: Okta's employee stays.
    const roster = expectOk(await as(t, admin.key).get(`/teams/${group.body.id}/members`));
    assert.deepEqual(roster.members.map((m: { userName: string; sources: { id: string }[] }) => [m.userName, m.sources.map((s) => s.id)]),
      [["contractor", [entra.id]], ["employee", [okta.id]]]);

    const listed = expectOk(await as(t, admin.key).get("/scim-connections"));
    const of = (id: string) => listed.items.find((c: { id: string }) => c.id === id);
    assert.equal(of(okta.id).requests, 3);
    assert.equal(of(okta.id).errors, 1);
    assert.ok(of(okta.id).lastRequestAt);
    assert.deepEqual(of(entra.id).granted.memberships, 1);

    expectOk(await as(t, admin.key).post(`/scim-connections/${entra.id}/remove`, { grants: "remove" }));
    expectOk(await as(t, admin.key).post(`/scim-connections/${okta.id}/remove`, { grants: "keep" }));
    const after = expectOk(await as(t, admin.key).get(`/teams/${group.body.id}/members`));
    assert.deepEqual(after.members.map((m: { userName: string }) => m.userName), ["employee"]);
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(okta.key))).status, 401, "the removed connection's key no longer works");
    assert.deepEqual(expectOk(await as(t, admin.key).get("/scim-connections")).items, []);
  });
});
