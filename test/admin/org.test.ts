import assert from "node:assert/strict";
import { updateOrgSettings } from "../../src/org/orgs/settings.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, lastAudit, problem, type TestMember } from "./principals.ts";

const OPERATOR = { door: "cli" as const, id: "operator" };

describe("admin API: org settings", () => {
  let t: TestApp;
  let admin: TestMember;
  let member: TestMember;
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "org-admin", "admin");
    member = await addMember(t, "org-member", "member");
  });
  after(async () => t?.close());

  it("reads the settings, with their defaults, for anyone in the org", async () => {
    const body = expectOk(await as(t, member.key).get("/org"));
    assert.equal(body.id, t.org.id);
    assert.equal(body.name, t.org.name);
    assert.equal(body.autoProvisioning, true);
    assert.equal(body.defaultTeamId, null);
    assert.equal(body.teamJoiningAtSignup, false);
    assert.equal(body.fullModelsSeatLimit, null);
    assert.equal(body.viewerModelsSeatLimit, null);
    assert.equal(body.plan, "enterprise");
  });

  it("refuses changes from members (403) and without a key (401)", async () => {
    problem(await as(t, member.key).patch("/org", { autoProvisioning: false }), 403, /org admins/);
    problem(await t.http.patch("/api/v1/org").send({ autoProvisioning: false }), 401, /API key is required/);
  });

  it("lets an org admin turn auto-provisioning off and on, audited with before/after", async () => {
    const off = expectOk(await as(t, admin.key).patch("/org", { autoProvisioning: false }));
    assert.equal(off.autoProvisioning, false);
    const ev = await lastAudit(t, "org.update");
    assert.equal(ev.actor, `member:${admin.id}`);
    assert.equal(ev.door, "admin");
    assert.deepEqual(ev.detail, { before: { autoProvisioning: true }, after: { autoProvisioning: false } });
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { autoProvisioning: true })).autoProvisioning, true);
  });

  it("renames the org; names are unique case-insensitively across orgs", async () => {
    const other = await t.newOrg(`Other-${process.pid}`);
    problem(await as(t, admin.key).patch("/org", { name: other.name.toUpperCase() }), 409, /already exists/);
    problem(await as(t, admin.key).patch("/org", { name: "  " }), 400, /1 to 200/);
    const renamed = expectOk(await as(t, admin.key).patch("/org", { name: `Renamed ${process.pid}` }));
    assert.equal(renamed.name, `Renamed ${process.pid}`);
    // changing only the case of its own name is fine
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { name: `RENAMED ${process.pid}` })).name, `RENAMED ${process.pid}`);
  });

  it("sets the default team only to a team of this org, and clears it with null", async () => {
    const team = expectOk(await as(t, admin.key).post("/teams", { name: "default-team", domainMatching: true }), 201);
    const other = await t.newOrg();
    const foreign = expectOk(await as(t, other.key).post("/teams", { name: "foreign" }), 201);
    problem(await as(t, admin.key).patch("/org", { defaultTeamId: foreign.id }), 400, /no team with id/);
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: team.id })).defaultTeamId, team.id);
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: null })).defaultTeamId, null);
    // the default team cannot be deleted while it is the default (test/admin/default-team.test.ts)
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: team.id }));
    problem(await as(t, admin.key).delete(`/teams/${team.id}`), 409, /default team/);
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: null })).defaultTeamId, null);
    assert.equal((await as(t, admin.key).delete(`/teams/${team.id}`)).status, 204);
  });

  it("sets team joining at sign-up and the plan, refusing unknown plans and fields", async () => {
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { teamJoiningAtSignup: true })).teamJoiningAtSignup, true);
    problem(await as(t, admin.key).patch("/org", { plan: "gold" }), 400, /standard, enterprise/);
    problem(await as(t, admin.key).patch("/org", { autoProvisioning: "yes" }), 400, /true or false/);
    problem(await as(t, admin.key).patch("/org", { autoProvision: false }), 400, /unknown field "autoProvision"/);
  });

  it("the plan is the operator's: an org admin's change is a 403; the operator cannot leave enterprise while its features are in use", async () => {
    const viewer = await addMember(t, "org-viewer", "viewer");
    problem(await as(t, admin.key).patch("/org", { plan: "standard" }), 403, /only the operator may change the organization's plan/);
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { plan: "enterprise", teamJoiningAtSignup: true })).plan, "enterprise", "the current plan is no change");
    await assert.rejects(updateOrgSettings(t.store.db, t.org.id, { plan: "standard" }, OPERATOR), /Viewer org role/);
    await t.store.db.updateTable("members").set({ org_role: "member" }).where("id", "=", viewer.id).execute();
    assert.equal((await updateOrgSettings(t.store.db, t.org.id, { plan: "standard" }, OPERATOR)).plan, "standard");
    assert.equal((await updateOrgSettings(t.store.db, t.org.id, { plan: "enterprise" }, OPERATOR)).plan, "enterprise");
  });

  it("sets and clears seat limits, never below the seats in use", async () => {
    // admin, member and the former viewer hold full Models seats
    problem(await as(t, admin.key).patch("/org", { fullModelsSeatLimit: 1 }), 409, /3 active members hold a full Models seat/);
    problem(await as(t, admin.key).patch("/org", { fullModelsSeatLimit: -1 }), 400, /non-negative integer/);
    problem(await as(t, admin.key).patch("/org", { viewerModelsSeatLimit: 1.5 }), 400, /non-negative integer/);
    const set = expectOk(await as(t, admin.key).patch("/org", { fullModelsSeatLimit: 10, viewerModelsSeatLimit: 0 }));
    assert.equal(set.fullModelsSeatLimit, 10);
    assert.equal(set.viewerModelsSeatLimit, 0);
    const ev = await lastAudit(t, "org.update");
    assert.deepEqual(ev.detail, { before: { fullModelsSeatLimit: null, viewerModelsSeatLimit: null }, after: { fullModelsSeatLimit: 10, viewerModelsSeatLimit: 0 } });
    assert.equal(expectOk(await as(t, admin.key).patch("/org", { fullModelsSeatLimit: null })).fullModelsSeatLimit, null);
  });

  it("an org-scoped service account (the org's first key) is an org admin", async () => {
    expectOk(await as(t, t.org.key).patch("/org", { teamJoiningAtSignup: false }));
    assert.match((await lastAudit(t, "org.update")).actor, /^key:/);
  });
});
