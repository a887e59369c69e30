import assert from "node:assert/strict";
import { auth, startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, lastAudit, problem, type TestMember } from "./principals.ts";

describe("admin API: service accounts and keys", () => {
  let t: TestApp;
  let admin: TestMember;
  let lead: TestMember;
  let dev: TestMember;
  let team: { id: string };
  let otherTeam: { id: string };
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "admin", "admin");
    lead = await addMember(t, "lead");
    dev = await addMember(t, "dev");
    team = expectOk(await as(t, admin.key).post("/teams", { name: "ml", domainMatching: true }), 201);
    otherTeam = expectOk(await as(t, admin.key).post("/teams", { name: "other" }), 201);
    expectOk(await as(t, admin.key).put(`/teams/${team.id}/members/${lead.id}`, { role: "admin" }), 201);
    expectOk(await as(t, admin.key).put(`/teams/${team.id}/members/${dev.id}`, { role: "member" }), 201);
  });
  after(async () => t?.close());

  it("refuses an org-scoped account until the org has a default team (409 naming the fix)", async () => {
    problem(await as(t, admin.key).post("/service-accounts", { name: "ci" }), 409, /default team: choose one in the organization's settings first/);
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: team.id }));
    const sa = expectOk(await as(t, admin.key).post("/service-accounts", { name: "ci" }), 201);
    assert.equal(sa.scope, "org");
    assert.equal(sa.teamId, null);
    assert.match(sa.key.key, /^rc_/);
    // its key works against the admin API and SCIM, as an org admin
    expectOk(await as(t, sa.key.key).patch("/org", { teamJoiningAtSignup: true }));
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(sa.key.key))).status, 200);
    const ev = await lastAudit(t, "service_account.create");
    assert.equal(ev.target_id, sa.id);
    assert.deepEqual(ev.detail.after.scope, "org");
  });

  it("only org admins create org-scoped accounts", async () => {
    problem(await as(t, lead.key).post("/service-accounts", { name: "x" }), 403, /org admins/);
    problem(await as(t, admin.key).post("/service-accounts", { name: " " }), 400, /"name" is required/);
  });

  it("team admins create team-scoped accounts for their team only; the account acts only within its team", async () => {
    problem(await as(t, dev.key).post("/service-accounts", { name: "bot", teamId: team.id }), 403, /admins of this team/);
    problem(await as(t, lead.key).post("/service-accounts", { name: "bot", teamId: otherTeam.id }), 403);
    const sa = expectOk(await as(t, lead.key).post("/service-accounts", { name: "bot", teamId: team.id }), 201);
    assert.deepEqual([sa.scope, sa.teamId], ["team", team.id]);
    const bot = sa.key.key as string;
    // inside its team: reads and manages members
    expectOk(await as(t, bot).get(`/teams/${team.id}/members`));
    expectOk(await as(t, bot).patch(`/teams/${team.id}`, { domainMatching: true }));
    // outside: nothing
    const { teams } = expectOk(await as(t, bot).get("/teams"));
    assert.deepEqual(teams.map((x: any) => x.id), [team.id]);
    problem(await as(t, bot).get(`/teams/${otherTeam.id}`), 403, /within its own team/);
    problem(await as(t, bot).patch(`/teams/${otherTeam.id}`, { domainMatching: true }), 403);
    problem(await as(t, bot).patch("/org", { autoProvisioning: false }), 403);
    problem(await as(t, bot).post("/service-accounts", { name: "org-bot" }), 403, /own team/);
    problem(await as(t, admin.key).post("/service-accounts", { name: "ghost", teamId: "nope" }), 400, /no team with id nope/);
  });

  it("service accounts never appear in SCIM /Users and never take a seat", async () => {
    const users = await t.http.get("/scim/v2/Users").set(auth(t.org.key));
    assert.equal(users.body.totalResults, 3);
    assert.ok(!users.body.Resources.some((u: any) => /ci|bot/.test(u.userName)));
    const members = await t.store.db.selectFrom("members").select("id").where("org_id", "=", t.org.id).execute();
    assert.equal(members.length, 3);
  });

  it("lists what the caller may manage", async () => {
    const all = expectOk(await as(t, admin.key).get("/service-accounts")).serviceAccounts;
    assert.deepEqual(all.map((s: any) => s.name).sort(), ["bot", "ci", "provisioning"]);
    const leads = expectOk(await as(t, lead.key).get("/service-accounts")).serviceAccounts;
    assert.deepEqual(leads.map((s: any) => s.name), ["bot"]);
    problem(await as(t, dev.key).get("/service-accounts"), 403, /may list service accounts/);
  });

  it("creates further keys (shown once), lists them without secrets, revokes them", async () => {
    const sa = (expectOk(await as(t, admin.key).get("/service-accounts")).serviceAccounts as any[]).find((s) => s.name === "bot");
    const k = expectOk(await as(t, lead.key).post(`/service-accounts/${sa.id}/keys`, { label: "deploy" }), 201);
    assert.match(k.key, /^rc_/);
    assert.equal(k.prefix, k.key.slice(0, 10));
    expectOk(await as(t, k.key).get(`/teams/${sa.teamId}`)); // in use: lastUsedAt is set
    const { keys } = expectOk(await as(t, lead.key).get(`/service-accounts/${sa.id}/keys`));
    assert.equal(keys.length, 2);
    const listed = keys.find((x: any) => x.id === k.id);
    assert.deepEqual(Object.keys(listed).sort(), ["createdAt", "expiresAt", "id", "label", "lastUsedAt", "prefix", "revokedAt"]);
    assert.ok(listed.lastUsedAt);
    assert.equal(listed.expiresAt, null, "a key without an expiry never lapses");
    assert.equal(listed.revokedAt, null);
    assert.ok(!JSON.stringify(keys).includes(k.key));
    problem(await as(t, dev.key).get(`/service-accounts/${sa.id}/keys`), 403);
    problem(await as(t, dev.key).post(`/service-accounts/${sa.id}/keys`, {}), 403);
    problem(await as(t, dev.key).delete(`/keys/${k.id}`), 403);
    assert.equal((await as(t, lead.key).delete(`/keys/${k.id}`)).status, 204);
    problem(await as(t, lead.key).delete(`/keys/${k.id}`), 409, /already revoked/);
    problem(await as(t, k.key).get("/org"), 401, /not valid/);
    const after = expectOk(await as(t, lead.key).get(`/service-accounts/${sa.id}/keys`)).keys.find((x: any) => x.id === k.id);
    assert.ok(after.revokedAt);
    const ev = await lastAudit(t, "key.revoke");
    assert.equal(ev.target_id, k.id);
    problem(await as(t, admin.key).delete("/keys/unknown"), 404, /no such API key|API key does not exist/);
  });

  it("only org admins manage org-scoped accounts", async () => {
    const ci = (expectOk(await as(t, admin.key).get("/service-accounts")).serviceAccounts as any[]).find((s) => s.name === "ci");
    problem(await as(t, lead.key).post(`/service-accounts/${ci.id}/keys`, {}), 403, /org admins/);
    problem(await as(t, lead.key).delete(`/service-accounts/${ci.id}`), 403);
  });

  it("a member revokes their own key; only org admins revoke other members' keys", async () => {
    const keyRow = await t.store.db.selectFrom("api_keys").select("id").where("member_id", "=", dev.id).executeTakeFirstOrThrow();
    const leadKey = await t.store.db.selectFrom("api_keys").select("id").where("member_id", "=", lead.id).executeTakeFirstOrThrow();
    problem(await as(t, dev.key).delete(`/keys/${leadKey.id}`), 403, /own member/);
    assert.equal((await as(t, dev.key).delete(`/keys/${keyRow.id}`)).status, 204);
    problem(await as(t, dev.key).get("/org"), 401);
  });

  it("deletes an account with its keys, but not with its own key", async () => {
    const sa = expectOk(await as(t, admin.key).post("/service-accounts", { name: "temp" }), 201);
    problem(await as(t, sa.key.key).delete(`/service-accounts/${sa.id}`), 409, /another key/);
    assert.equal((await as(t, admin.key).delete(`/service-accounts/${sa.id}`)).status, 204);
    problem(await as(t, sa.key.key).get("/org"), 401);
    problem(await as(t, admin.key).delete(`/service-accounts/${sa.id}`), 404, /service account does not exist/);
    const keys = await t.store.db.selectFrom("api_keys").select("id").where("service_account_id", "=", sa.id).execute();
    assert.equal(keys.length, 0);
    assert.equal((await lastAudit(t, "service_account.delete")).target_id, sa.id);
  });

  it("an account of another org is 404", async () => {
    const other = await t.newOrg();
    const theirs = await t.store.db.selectFrom("service_accounts").select("id").where("org_id", "=", other.id).executeTakeFirstOrThrow();
    problem(await as(t, admin.key).get(`/service-accounts/${theirs.id}/keys`), 404);
    problem(await as(t, admin.key).delete(`/service-accounts/${theirs.id}`), 404);
  });
});
