/**
 * Managed fields (issue 10, item 3) through the real doors: a member and a team a
 * SCIM connection created are managed by it. A manual deactivation, removal,
 * rename or deletion (admin API, bulk change, CLI) is refused with the reason in
 * plain words, a 409 with a stable problem type, and changes nothing (rows, audit).
 * Org role, seats and team membership stay the admin's to change (provenance).
 * The directory's own writes go through; removing the connection ends the management.
 */
import assert from "node:assert/strict";
import { MANAGED_PROBLEM } from "../../src/org/provenance/managed.ts";
import { cli } from "../access/cast.ts";
import { addMember, as, expectOk, problem, type TestMember } from "../admin/principals.ts";
import { auth, GROUP_URN, patch, SCIM, startTestApp, user, type TestApp } from "../support/app.ts";

describe("managed fields: what a SCIM connection manages is changed in the directory", function () {
  this.timeout(120_000);
  let t: TestApp;
  let admin: TestMember;
  let okta: { id: string; key: string };
  let adaId = "";
  let teamId = "";
  const db = () => t.store.db;
  const scim = (key: string) => ({
    post: (p: string, b: object) => t.http.post(`/scim/v2${p}`).set(auth(key)).type(SCIM).send(b),
    patch: (p: string, b: object) => t.http.patch(`/scim/v2${p}`).set(auth(key)).type(SCIM).send(b),
  });
  const memberRow = (id: string) => db().selectFrom("members").selectAll().where("id", "=", id).executeTakeFirst();
  const teamRow = (id: string) => db().selectFrom("teams").selectAll().where("id", "=", id).executeTakeFirst();
  const auditCount = async () => Number((await db().selectFrom("audit_events").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", t.org.id).executeTakeFirstOrThrow()).n);
  const ADA_DEACTIVATE = "Ada Lovelace is managed by the directory connection “Okta”: deactivate this person in Okta, and the next sync applies it.";
  const ADA_REMOVE = "Ada Lovelace is managed by the directory connection “Okta”: remove this person in Okta, and the next sync applies it.";
  const TEAM_RENAME = "The team “Research” is managed by the directory connection “Okta”: rename the group in Okta, and the next sync applies it.";
  const TEAM_DELETE = "The team “Research” is managed by the directory connection “Okta”: delete the group in Okta, and the next sync applies it.";

  /** A 409 refusal with the managed problem type and exactly this sentence. */
  function refused(res: { status: number; text: string; headers: Record<string, string> }, detail: string): void {
    problem(res as never, 409);
    const body = JSON.parse(res.text) as { type: string; detail: string };
    assert.equal(body.type, MANAGED_PROBLEM);
    assert.equal(body.detail, detail);
  }

  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "boss", "admin");
    // a connection is an org-scoped service account: the org needs a default team first
    const everyone = expectOk(await as(t, admin.key).post("/teams", { name: "Everyone", domainMatching: true }), 201);
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: everyone.id }));
    const made = expectOk(await as(t, admin.key).post("/scim-connections", { name: "Okta", rateLimitPerMinute: 1000 }), 201);
    okta = { id: made.id, key: made.key };
    const ada = await scim(okta.key).post("/Users", user("ada", { displayName: "Ada Lovelace" }));
    assert.equal(ada.status, 201, JSON.stringify(ada.body));
    adaId = ada.body.id;
    const group = await scim(okta.key).post("/Groups", { schemas: [GROUP_URN], displayName: "Research", members: [{ value: adaId }] });
    assert.equal(group.status, 201, JSON.stringify(group.body));
    teamId = group.body.id;
  });
  after(async () => t?.close());

  it("the admin API shows the member and the team as managed, with what cannot be done and why", async () => {
    const ada = expectOk(await as(t, admin.key).get(`/members/${adaId}`));
    assert.deepEqual(ada.managedBy, { connectionId: okta.id, name: "Okta" });
    assert.deepEqual(ada.unavailable, { active: ADA_DEACTIVATE, remove: ADA_REMOVE });
    const page = expectOk(await as(t, admin.key).get(`/members/${adaId}/overview`));
    assert.deepEqual(page.member.managedBy, { connectionId: okta.id, name: "Okta" });
    assert.equal(page.member.unavailable.active, ADA_DEACTIVATE);
    const list = expectOk(await as(t, admin.key).get("/members"));
    const by = (u: string) => list.items.find((m: { userName: string }) => m.userName === u).managedBy;
    assert.deepEqual(by("ada"), { connectionId: okta.id, name: "Okta" });
    assert.equal(by("boss"), null, "a member the org's own key pushed is no connection's");
    assert.deepEqual(expectOk(await as(t, admin.key).get(`/members/${admin.id}`)).unavailable, {});
    const team = expectOk(await as(t, admin.key).get(`/teams/${teamId}`));
    assert.deepEqual(team.managedBy, { connectionId: okta.id, name: "Okta" });
    assert.deepEqual(team.unavailable, { rename: TEAM_RENAME, delete: TEAM_DELETE });
    assert.deepEqual(expectOk(await as(t, admin.key).get("/teams")).teams.find((x: { id: string }) => x.id === teamId).managedBy.name, "Okta");
  });

  it("refuses deactivating, reactivating, removing the member and renaming, deleting the team; nothing changes, nothing is audited", async () => {
    const memberBefore = await memberRow(adaId);
    const teamBefore = await teamRow(teamId);
    const audits = await auditCount();
    refused(await as(t, admin.key).patch(`/members/${adaId}`, { active: false }), ADA_DEACTIVATE);
    refused(await as(t, admin.key).patch(`/members/${adaId}`, { active: false, orgRole: "admin" }), ADA_DEACTIVATE);
    refused(await as(t, admin.key).delete(`/members/${adaId}`), ADA_REMOVE);
    refused(await as(t, admin.key).patch(`/teams/${teamId}`, { name: "Renamed" }), TEAM_RENAME);
    refused(await as(t, admin.key).patch(`/teams/${teamId}`, { name: "research" }), TEAM_RENAME);
    refused(await as(t, admin.key).delete(`/teams/${teamId}`), TEAM_DELETE);
    const bulk = expectOk(await as(t, admin.key).post("/members/bulk", { ids: [adaId], remove: true }));
    assert.deepEqual(bulk.results.map((r: { ok: boolean; reason: string }) => [r.ok, r.reason]), [[false, ADA_REMOVE]]);
    assert.deepEqual(await memberRow(adaId), memberBefore, "the member row is untouched (not even its revision)");
    assert.deepEqual(await teamRow(teamId), teamBefore);
    assert.equal(await auditCount(), audits, "no audit event for a change not made");
    // Asking for what already holds changes nothing and is not a managed change.
    assert.equal(expectOk(await as(t, admin.key).patch(`/members/${adaId}`, { active: true })).active, true);
  });

  it("org role, seats, team role and team settings of managed rows stay the admin's (recorded as the admin's grants)", async () => {
    const changed = expectOk(await as(t, admin.key).patch(`/members/${adaId}`, { orgRole: "admin", modelsSeat: "viewer" }));
    assert.equal(changed.orgRole, "admin");
    assert.equal(changed.modelsSeat, "viewer");
    assert.deepEqual(changed.sources.orgRole.map((s: { kind: string }) => s.kind), ["admin"], JSON.stringify(changed.sources));
    expectOk(await as(t, admin.key).put(`/teams/${teamId}/members/${adaId}`, { role: "admin" }));
    const roster = expectOk(await as(t, admin.key).get(`/teams/${teamId}/members`));
    assert.equal(roster.members[0].role, "admin");
    assert.deepEqual(roster.members[0].sources.map((s: { kind: string }) => s.kind).sort(), ["admin", "scim"]);
    const settings = expectOk(await as(t, admin.key).patch(`/teams/${teamId}`, { membersCanInvite: true, name: "Research" }));
    assert.equal(settings.membersCanInvite, true);
    expectOk(await as(t, admin.key).patch(`/members/${adaId}`, { orgRole: "member", modelsSeat: "full" }));
  });

  it("the directory itself changes them: Okta deactivates Ada and renames the team; an admin's reactivation is refused", async () => {
    const off = await scim(okta.key).patch(`/Users/${adaId}`, patch({ op: "replace", path: "active", value: false }));
    assert.equal(off.status, 200, JSON.stringify(off.body));
    refused(await as(t, admin.key).patch(`/members/${adaId}`, { active: true }),
      "Ada Lovelace is managed by the directory connection “Okta”: reactivate (assign) this person in Okta, and the next sync applies it.");
    const on = await scim(okta.key).patch(`/Users/${adaId}`, patch({ op: "replace", path: "active", value: true }));
    assert.equal(on.status, 200, JSON.stringify(on.body));
    const renamed = await scim(okta.key).patch(`/Groups/${teamId}`, patch({ op: "replace", path: "displayName", value: "Research Lab" }));
    assert.equal(renamed.status, 204, renamed.text);
    const back = await scim(okta.key).patch(`/Groups/${teamId}`, patch({ op: "replace", path: "displayName", value: "Research" }));
    assert.equal(back.status, 204, back.text);
    // Okta deleting a group that keeps an admin's member: the team stays, no longer Okta's to manage.
    const kept = await scim(okta.key).post("/Groups", { schemas: [GROUP_URN], displayName: "Kept", members: [{ value: adaId }] });
    assert.equal(kept.status, 201);
    expectOk(await as(t, admin.key).put(`/teams/${kept.body.id}/members/${admin.id}`, { role: "member" }), 201);
    assert.equal((await t.http.delete(`/scim/v2/Groups/${kept.body.id}`).set(auth(okta.key))).status, 204);
    const stays = expectOk(await as(t, admin.key).get(`/teams/${kept.body.id}`));
    assert.equal(stays.managedBy, null);
    assert.equal(stays.memberCount, 1);
    assert.equal((await t.http.delete(`/api/v1/teams/${kept.body.id}`).set(auth(admin.key))).status, 204);
  });

  it("another connection writing the member's identity takes it over (the last writer manages)", async () => {
    const entra = expectOk(await as(t, admin.key).post("/scim-connections", { name: "Entra", rateLimitPerMinute: 1000 }), 201);
    const grace = await scim(okta.key).post("/Users", user("grace", { displayName: "Grace Hopper" }));
    assert.equal(grace.status, 201);
    // Entra adding Grace to a group writes no identity: Okta still manages her.
    const g = await scim(entra.key).post("/Groups", { schemas: [GROUP_URN], displayName: "Contractors", members: [{ value: grace.body.id }] });
    assert.equal(g.status, 201);
    assert.equal(expectOk(await as(t, admin.key).get(`/members/${grace.body.id}`)).managedBy.name, "Okta");
    const w = await scim(entra.key).patch(`/Users/${grace.body.id}`, patch({ op: "replace", path: "displayName", value: "Grace B. Hopper" }));
    assert.equal(w.status, 200, JSON.stringify(w.body));
    assert.equal(expectOk(await as(t, admin.key).get(`/members/${grace.body.id}`)).managedBy.name, "Entra");
    problem(await as(t, admin.key).delete(`/members/${grace.body.id}`), 409, /^Grace B\. Hopper is managed by the directory connection “Entra”: remove this person in Entra/);
    expectOk(await as(t, admin.key).post(`/scim-connections/${entra.id}/remove`, { grants: "remove" }));
    assert.equal(expectOk(await as(t, admin.key).get(`/members/${grace.body.id}`)).managedBy, null);
    assert.equal(expectOk(await as(t, admin.key).get(`/teams/${g.body.id}`)).managedBy, null, "its team stays, no longer managed");
  });

  it("the CLI refuses the same changes with the same words (exit 1), and changes nothing", async () => {
    const before = await memberRow(adaId);
    const audits = await auditCount();
    for (const [args, words] of [
      [["member", "deactivate", "--org", t.org.name, "ada"], ADA_DEACTIVATE],
      [["member", "remove", "--org", t.org.name, "ada"], ADA_REMOVE],
      [["team", "rename", "--org", t.org.name, "Research", "Renamed"], TEAM_RENAME],
      [["team", "delete", "--org", t.org.name, "Research"], TEAM_DELETE],
    ] as const) {
      const r = await cli(t, ...args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stdout} ${r.stderr}`);
      assert.equal(r.stderr.trim(), `error: ${words}`);
    }
    const list = await cli(t, "member", "list", "--org", t.org.name);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^ada {2}member {2}models full {2}weave full {2}active {2}managed by Okta$/m);
    assert.match(list.stdout, /^boss {2}admin {2}models full {2}weave full {2}active$/m);
    assert.deepEqual(await memberRow(adaId), before);
    assert.equal((await teamRow(teamId))?.display_name, "Research");
    assert.equal(await auditCount(), audits);
  });

  it("a member and a team nobody's directory manages stay fully editable (admin API and CLI)", async () => {
    const plain = await addMember(t, "lin", "member");
    assert.equal(expectOk(await as(t, admin.key).patch(`/members/${plain.id}`, { active: false })).active, false);
    assert.equal(expectOk(await as(t, admin.key).patch(`/members/${plain.id}`, { active: true })).active, true);
    const own = expectOk(await as(t, admin.key).post("/teams", { name: "Own" }), 201);
    assert.equal(own.managedBy, null);
    const r = await cli(t, "team", "rename", "--org", t.org.name, "Own", "Own team");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(expectOk(await as(t, admin.key).get(`/teams/${own.id}`)).name, "Own team");
    const d = await cli(t, "team", "delete", "--org", t.org.name, "Own team");
    assert.equal(d.code, 0, d.stderr);
    assert.equal((await teamRow(own.id)), undefined);
    const rm = await cli(t, "member", "remove", "--org", t.org.name, "lin");
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal(await memberRow(plain.id), undefined);
  });

  it("after Okta's connection is removed (keeping its grants), Ada and the team are no longer managed and an admin changes them", async () => {
    const removed = expectOk(await as(t, admin.key).post(`/scim-connections/${okta.id}/remove`, { grants: "keep" }));
    assert.ok(removed);
    const ada = expectOk(await as(t, admin.key).get(`/members/${adaId}`));
    assert.equal(ada.managedBy, null);
    assert.deepEqual(ada.unavailable, {});
    const event = await db().selectFrom("audit_events").select("detail").where("org_id", "=", t.org.id).where("action", "=", "scim_connection.delete")
      .where("target_id", "=", okta.id).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(event.detail!).noLongerManaged, { members: 1, teams: 1 });
    assert.equal(expectOk(await as(t, admin.key).patch(`/members/${adaId}`, { active: false })).active, false);
    assert.equal(expectOk(await as(t, admin.key).patch(`/teams/${teamId}`, { name: "Research (kept)" })).name, "Research (kept)");
    expectOk(await as(t, admin.key).get(`/teams/${teamId}/members`));
    const gone = await t.http.delete(`/api/v1/teams/${teamId}`).set(auth(admin.key));
    assert.equal(gone.status, 204, gone.text);
  });
});
