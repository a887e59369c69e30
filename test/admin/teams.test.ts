import assert from "node:assert/strict";
import { auth, startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, lastAudit, problem, type TestMember } from "./principals.ts";

describe("admin API: teams", () => {
  let t: TestApp;
  let admin: TestMember;
  let lead: TestMember; // team admin of `team`
  let dev: TestMember; // plain member of `team`
  let outsider: TestMember;
  let team: { id: string };
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "admin", "admin");
    lead = await addMember(t, "lead");
    dev = await addMember(t, "dev");
    outsider = await addMember(t, "outsider");
    team = expectOk(await as(t, admin.key).post("/teams", { name: "Research", storageType: "s3://bucket/research" }), 201);
    expectOk(await as(t, admin.key).put(`/teams/${team.id}/members/${lead.id}`, { role: "admin" }), 201);
    expectOk(await as(t, admin.key).put(`/teams/${team.id}/members/${dev.id}`, { role: "member" }), 201);
  });
  after(async () => t?.close());

  it("creates a team with its storage type; names are unique per org case-insensitively", async () => {
    const got = expectOk(await as(t, dev.key).get(`/teams/${team.id}`));
    assert.equal(got.name, "Research");
    assert.equal(got.storageType, "s3://bucket/research");
    assert.equal(got.membersCanInvite, false);
    assert.equal(got.domainMatching, false);
    assert.equal(got.memberCount, 2);
    problem(await as(t, admin.key).post("/teams", { name: "RESEARCH" }), 409, /already exists/);
    problem(await as(t, admin.key).post("/teams", {}), 400, /"name" is required/);
    problem(await as(t, admin.key).post("/teams", { name: "x", storageType: "bad value!" }), 400, /storageType/);
    const other = await t.newOrg();
    expectOk(await as(t, other.key).post("/teams", { name: "Research" }), 201); // another org may use the name
  });

  it("only org admins create and delete teams", async () => {
    problem(await as(t, lead.key).post("/teams", { name: "mine" }), 403, /org admins/);
    problem(await as(t, lead.key).delete(`/teams/${team.id}`), 403, /org admins/);
    problem(await as(t, admin.key).delete(`/teams/00000000-0000-0000-0000-000000000000`), 404, /team does not exist/);
  });

  it("lists teams for everyone in the org; a team of another org is 404", async () => {
    const list = expectOk(await as(t, outsider.key).get("/teams"));
    assert.ok(list.teams.some((x: any) => x.id === team.id && x.memberCount === 2));
    const other = await t.newOrg();
    const foreign = expectOk(await as(t, other.key).post("/teams", { name: "foreign" }), 201);
    problem(await as(t, admin.key).get(`/teams/${foreign.id}`), 404, /team does not exist/);
    problem(await as(t, admin.key).put(`/teams/${foreign.id}/members/${dev.id}`, { role: "member" }), 404);
  });

  it("team admins rename their team and change its settings; others may not", async () => {
    const patched = expectOk(await as(t, lead.key).patch(`/teams/${team.id}`, { name: "Research Lab", membersCanInvite: true, domainMatching: true }));
    assert.equal(patched.name, "Research Lab");
    assert.equal(patched.membersCanInvite, true);
    assert.equal(patched.domainMatching, true);
    const ev = await lastAudit(t, "team.update");
    assert.equal(ev.actor, `member:${lead.id}`);
    assert.deepEqual(ev.detail.before, { display_name: "Research", members_can_invite: 0, domain_matching: 0 });
    assert.deepEqual(ev.detail.after, { display_name: "Research Lab", members_can_invite: 1, domain_matching: 1 });
    problem(await as(t, dev.key).patch(`/teams/${team.id}`, { name: "x" }), 403, /admins of this team/);
    problem(await as(t, outsider.key).patch(`/teams/${team.id}`, { domainMatching: false }), 403);
    problem(await as(t, lead.key).patch(`/teams/${team.id}`, { storageType: "s3://other" }), 400, /fixed when the team is created/);
    problem(await as(t, lead.key).patch(`/teams/${team.id}`, { name: "" }), 400, /must not be empty/);
    expectOk(await as(t, admin.key).post("/teams", { name: "Taken" }), 201);
    problem(await as(t, admin.key).patch(`/teams/${team.id}`, { name: "taken" }), 409, /already exists/);
  });

  it("lists a team's members with their roles", async () => {
    const { members } = expectOk(await as(t, outsider.key).get(`/teams/${team.id}/members`));
    assert.deepEqual(members.map((m: any) => [m.userName, m.role]), [["dev", "member"], ["lead", "admin"]]);
  });

  it("team admins add members and change roles (view-only, custom roles by name); audited before/after", async () => {
    const added = await as(t, lead.key).put(`/teams/${team.id}/members/${outsider.id}`, { role: "view-only" });
    assert.equal(added.status, 201);
    assert.equal(added.body.role, "view-only");
    const changed = expectOk(await as(t, lead.key).put(`/teams/${team.id}/members/${outsider.id}`, { role: "member" }));
    assert.equal(changed.role, "member");
    const ev = await lastAudit(t, "team.member.role");
    assert.deepEqual([ev.detail.before, ev.detail.after], [{ role: "view-only" }, { role: "member" }]);
    // an unchanged role is a no-op
    expectOk(await as(t, lead.key).put(`/teams/${team.id}/members/${outsider.id}`, { role: "member" }));
    await t.store.db.insertInto("custom_roles").values({ id: "cr-1", org_id: t.org.id, name: "Reviewer", description: null, inherited_from: "viewer", permissions: "[]", created_at: "2025-01-01T00:00:00.000Z", updated_at: "2025-01-01T00:00:00.000Z" }).execute();
    const custom = expectOk(await as(t, lead.key).put(`/teams/${team.id}/members/${outsider.id}`, { role: "Reviewer" }));
    assert.equal(custom.role, "Reviewer");
    const row = await t.store.db.selectFrom("team_members").selectAll().where("team_id", "=", team.id).where("member_id", "=", outsider.id).executeTakeFirstOrThrow();
    assert.deepEqual([row.role, row.custom_role_id], ["custom", "cr-1"]);
    problem(await as(t, lead.key).put(`/teams/${team.id}/members/${outsider.id}`, { role: "owner" }), 400, /"role" must be one of admin, member, view-only or the exact name of a custom role of this organization; got "owner"/);
    problem(await as(t, lead.key).put(`/teams/${team.id}/members/${outsider.id}`, {}), 400, /"role" is required/);
    problem(await as(t, lead.key).put(`/teams/${team.id}/members/nobody`, { role: "member" }), 404, /member is not in the organization/);
    problem(await as(t, dev.key).put(`/teams/${team.id}/members/${outsider.id}`, { role: "admin" }), 403);
  });

  it("view-only and custom team roles need the enterprise plan", async () => {
    const std = await t.newOrg();
    await t.store.db.updateTable("orgs").set({ plan: "standard" }).where("id", "=", std.id).execute();
    const m = await addMember(t, "std-member", "member", std);
    const tm = expectOk(await as(t, std.key).post("/teams", { name: "std" }), 201);
    problem(await as(t, std.key).put(`/teams/${tm.id}/members/${m.id}`, { role: "view-only" }), 403, /the enterprise plan is required for the View-Only team role; this organization is on the standard plan/);
    expectOk(await as(t, std.key).put(`/teams/${tm.id}/members/${m.id}`, { role: "admin" }), 201);
  });

  it("moves the SCIM revisions of the team and the user when membership changes", async () => {
    const before = await t.http.get(`/scim/v2/Groups/${team.id}`).set(auth(t.org.key));
    await as(t, admin.key).put(`/teams/${team.id}/members/${outsider.id}`, { role: "admin" });
    const after = await t.http.get(`/scim/v2/Groups/${team.id}`).set(auth(t.org.key));
    assert.notEqual(before.headers.etag, after.headers.etag);
    assert.ok(after.body.members.some((m: any) => m.value === outsider.id));
  });

  it("removing a member from a team keeps what they created", async () => {
    // the outsider (now a team admin) creates a team service account and changes a setting
    const sa = expectOk(await as(t, outsider.key).post("/service-accounts", { name: "outsider-bot", teamId: team.id }), 201);
    expectOk(await as(t, outsider.key).patch(`/teams/${team.id}`, { membersCanInvite: false }));
    const auditBefore = await t.store.db.selectFrom("audit_events").select("id").where("actor", "=", `member:${outsider.id}`).execute();
    assert.equal((await as(t, lead.key).delete(`/teams/${team.id}/members/${outsider.id}`)).status, 204);
    problem(await as(t, lead.key).delete(`/teams/${team.id}/members/${outsider.id}`), 404, /is not in team/);
    const { members } = expectOk(await as(t, admin.key).get(`/teams/${team.id}/members`));
    assert.ok(!members.some((m: any) => m.memberId === outsider.id));
    const auditAfter = await t.store.db.selectFrom("audit_events").select("id").where("actor", "=", `member:${outsider.id}`).execute();
    assert.equal(auditAfter.length, auditBefore.length);
    const { serviceAccounts } = expectOk(await as(t, admin.key).get("/service-accounts"));
    assert.ok(serviceAccounts.some((s: any) => s.id === sa.id));
    // the removed member is still an org member; the removal is audited
    expectOk(await as(t, outsider.key).get("/org"));
    const ev = await lastAudit(t, "team.member.remove");
    assert.deepEqual([ev.detail.memberId, ev.detail.before, ev.detail.after], [outsider.id, { role: "admin" }, null]);
    // a member cannot remove others; a team admin's rights end with the membership
    problem(await as(t, dev.key).delete(`/teams/${team.id}/members/${lead.id}`), 403);
    problem(await as(t, outsider.key).patch(`/teams/${team.id}`, { domainMatching: false }), 403);
  });

  it("org admins delete teams (members' org memberships stay)", async () => {
    const doomed = expectOk(await as(t, admin.key).post("/teams", { name: "Doomed" }), 201);
    expectOk(await as(t, admin.key).put(`/teams/${doomed.id}/members/${dev.id}`, { role: "member" }), 201);
    assert.equal((await as(t, admin.key).delete(`/teams/${doomed.id}`)).status, 204);
    problem(await as(t, admin.key).get(`/teams/${doomed.id}`), 404);
    expectOk(await as(t, dev.key).get("/org"));
  });
});
