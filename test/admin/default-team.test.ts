/**
 * The default team must have domain matching on (src/org/teams/default-team.ts), through
 * every door: the admin API (PATCH /org, PATCH and DELETE /teams/:id) and SCIM
 * (PATCH, PUT and DELETE /Groups/{id}). Refusals are 409 and say what to do.
 */
import assert from "node:assert/strict";
import { auth, ERROR_URN, GROUP_URN, patch, SCIM, startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, problem, type TestMember } from "./principals.ts";

const ROLLCALL_GROUP = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Group";

describe("the default team must have domain matching on", () => {
  let t: TestApp;
  let admin: TestMember;
  let everyone: { id: string };
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "dt-admin", "admin");
    everyone = expectOk(await as(t, admin.key).post("/teams", { name: "everyone", domainMatching: true }), 201);
  });
  after(async () => t?.close());

  const defaultTeamId = async () => expectOk(await as(t, admin.key).get("/org")).defaultTeamId;
  const teamExists = async (id: string) => !!(await t.store.db.selectFrom("teams").select("id").where("id", "=", id).executeTakeFirst());

  it("a team without domain matching cannot be made the default team (409 saying to turn matching on first)", async () => {
    const plain = expectOk(await as(t, admin.key).post("/teams", { name: "plain" }), 201);
    problem(await as(t, admin.key).patch("/org", { defaultTeamId: plain.id }), 409, /team "plain" cannot be the default team: its domain matching is off; turn domain matching on/);
    assert.equal(await defaultTeamId(), null);
    expectOk(await as(t, admin.key).patch(`/teams/${plain.id}`, { domainMatching: true }));
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: plain.id })).defaultTeamId, plain.id);
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: everyone.id }));
    assert.equal(await defaultTeamId(), everyone.id);
  });

  it("admin API: deleting the default team or turning its matching off is refused, naming the way out", async () => {
    problem(await as(t, admin.key).delete(`/teams/${everyone.id}`), 409, /"everyone" is the organization's default team and cannot be deleted; choose another default team first .*or turn off domain capture \(set the organization's default team to none\)/);
    assert.ok(await teamExists(everyone.id));
    problem(await as(t, admin.key).patch(`/teams/${everyone.id}`, { domainMatching: false }), 409, /default team, which must have domain matching on; choose another default team first/);
    assert.equal(expectOk(await as(t, admin.key).get(`/teams/${everyone.id}`)).domainMatching, true);
    // other changes to the default team are fine
    assert.equal(expectOk(await as(t, admin.key).patch(`/teams/${everyone.id}`, { name: "Everyone" })).name, "Everyone");
    assert.equal(await defaultTeamId(), everyone.id);
  });

  it("SCIM: DELETE /Groups/{id} of the default team is a 409 SCIM error; PATCH or PUT turning matching off too", async () => {
    const del = await t.http.delete(`/scim/v2/Groups/${everyone.id}`).set(auth(t.org.key));
    assert.equal(del.status, 409, del.text);
    assert.deepEqual(del.body.schemas, [ERROR_URN]);
    assert.match(del.body.detail, /default team and cannot be deleted; choose another default team first/);
    assert.ok(await teamExists(everyone.id));

    const off = await t.http.patch(`/scim/v2/Groups/${everyone.id}`).set(auth(t.org.key)).type(SCIM)
      .send(patch({ op: "replace", path: `${ROLLCALL_GROUP}:domainMatching`, value: false }));
    assert.equal(off.status, 409, off.text);
    assert.match(off.body.detail, /must have domain matching on/);
    const put = await t.http.put(`/scim/v2/Groups/${everyone.id}`).set(auth(t.org.key)).type(SCIM)
      .send({ schemas: [GROUP_URN, ROLLCALL_GROUP], displayName: "Everyone", [ROLLCALL_GROUP]: { domainMatching: false } });
    assert.equal(put.status, 409, put.text);
    const got = await t.http.get(`/scim/v2/Groups/${everyone.id}`).set(auth(t.org.key));
    assert.equal(got.body[ROLLCALL_GROUP].domainMatching, true);
  });

  it("after choosing no default team (domain capture off) the team can lose matching and be deleted", async () => {
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: null }));
    assert.equal(expectOk(await as(t, admin.key).patch(`/teams/${everyone.id}`, { domainMatching: false })).domainMatching, false);
    const del = await t.http.delete(`/scim/v2/Groups/${everyone.id}`).set(auth(t.org.key));
    assert.equal(del.status, 204, del.text);
    assert.equal(await teamExists(everyone.id), false);
    // and another team, made the default, can be switched away from, then deleted through the admin API
    const next = expectOk(await as(t, admin.key).post("/teams", { name: "next", domainMatching: true }), 201);
    const other = expectOk(await as(t, admin.key).post("/teams", { name: "other", domainMatching: true }), 201);
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: next.id }));
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: other.id }));
    assert.equal((await as(t, admin.key).delete(`/teams/${next.id}`)).status, 204);
    assert.equal(await defaultTeamId(), other.id);
  });
});
