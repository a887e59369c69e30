/**
 * The admin API with a session: /me, the CSRF header on state-changing calls,
 * the teams offered at sign-up, and accepting an invite while signed in.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import supertest from "supertest";
import { loadConfig } from "../../src/config.ts";
import type { Actor } from "../../src/org/audit/record.ts";
import { createInvite } from "../../src/org/invites/invites.ts";
import { createKey } from "../../src/org/security/keys.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { arrive } from "../../src/org/arrival/arrive.ts";
import { createTeam } from "../../src/org/teams/teams.ts";
import { appWithLogin } from "../support/session.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

const actor: Actor = { door: "sso", id: "test" };

describe("admin API: me (session auth, CSRF, joinable teams, invite acceptance)", () => {
  let store: TestStore;
  let agent: supertest.Agent;
  let orgId: string;
  let domain: string;
  let me: { orgId: string; memberId: string; userId: string };
  let offered: string;
  let notOffered: string;
  const csrf = async () => (await agent.get("/api/v1/me")).body.csrfToken as string;

  before(async () => {
    store = await openTestStore();
    const { org } = await createOrg(store.db, `me-${process.pid}`);
    orgId = org.id;
    domain = `me-${crypto.randomBytes(3).toString("hex")}.example`;
    await store.db.insertInto("domains").values({ id: crypto.randomUUID(), org_id: orgId, domain, token: "t", created_at: new Date().toISOString(), verified_at: new Date().toISOString(), verified_by: "test" }).execute();
    offered = (await createTeam(store.db, orgId, { displayName: "Research", externalId: null, domainMatching: true }, [], actor)).id;
    notOffered = (await createTeam(store.db, orgId, { displayName: "Secret", externalId: null }, [], actor)).id;
    const out = await arrive(store.db, { door: "oidc", orgId, identity: { provider: "oidc", issuer: "https://idp.test", subject: "zoe" }, email: `zoe@${domain}`, emailVerified: true }, actor);
    assert.ok(out.ok);
    me = { orgId, memberId: out.memberId, userId: out.userId };
    agent = supertest.agent(appWithLogin(store, loadConfig({})));
    assert.equal((await agent.post("/test/login").send(me)).status, 200);
  });
  after(async () => { await store?.close(); });

  it("GET /me: the member, org, teams and the session's CSRF token; without a session or key: 401", async () => {
    const res = await agent.get("/api/v1/me");
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.member.id, me.memberId);
    assert.equal(res.body.member.email, `zoe@${domain}`);
    assert.equal(res.body.member.orgRole, "member");
    assert.deepEqual(res.body.org, { id: orgId, name: `me-${process.pid}`, slug: `me-${process.pid}` });
    assert.deepEqual(res.body.teams, []);
    assert.equal(res.body.authenticatedBy, "session");
    assert.match(res.body.csrfToken, /^[A-Za-z0-9_-]{20,}$/);
    assert.equal((await supertest(appWithLogin(store, loadConfig({}))).get("/api/v1/me")).status, 401);
  });

  it("a state-changing call with the session cookie needs X-Rollcall-CSRF with the session's token; an API key needs none", async () => {
    const noHeader = await agent.post(`/api/v1/me/joinable-teams/${offered}/join`);
    assert.equal(noHeader.status, 403);
    assert.match(noHeader.text, /X-Rollcall-CSRF/);
    const wrong = await agent.post(`/api/v1/me/joinable-teams/${offered}/join`).set("X-Rollcall-CSRF", "not-the-token");
    assert.equal(wrong.status, 403);
    // a member without admin rights: the session carries the member's org role
    const patch = await agent.patch("/api/v1/org").set("X-Rollcall-CSRF", await csrf()).send({ autoProvisioning: false });
    assert.equal(patch.status, 403);
    assert.match(patch.text, /only org admins/);
    // API key: no CSRF header
    const key = await createKey(store.db, { orgId, memberId: me.memberId });
    const viaKey = await supertest(appWithLogin(store, loadConfig({}))).get("/api/v1/me").set("Authorization", `Bearer ${key.key}`);
    assert.equal(viaKey.status, 200);
    assert.equal(viaKey.body.csrfToken, null);
    assert.equal(viaKey.body.authenticatedBy, "key");
  });

  it("joinable teams: domainMatching teams, offered only when teamJoiningAtSignup is on; joining makes a team member", async () => {
    assert.deepEqual((await agent.get("/api/v1/me/joinable-teams")).body, { teams: [] }); // teamJoiningAtSignup off
    await store.db.updateTable("orgs").set({ team_joining_at_signup: 1 }).where("id", "=", orgId).execute();
    assert.deepEqual((await agent.get("/api/v1/me/joinable-teams")).body, { teams: [{ id: offered, name: "Research" }] });
    const refused = await agent.post(`/api/v1/me/joinable-teams/${notOffered}/join`).set("X-Rollcall-CSRF", await csrf());
    assert.equal(refused.status, 403);
    const joined = await agent.post(`/api/v1/me/joinable-teams/${offered}/join`).set("X-Rollcall-CSRF", await csrf());
    assert.equal(joined.status, 200, joined.text);
    assert.deepEqual(joined.body, { team: { id: offered, name: "Research" }, role: "member" });
    assert.deepEqual((await agent.get("/api/v1/me")).body.teams, [{ id: offered, name: "Research", role: "member" }]);
    assert.deepEqual((await agent.get("/api/v1/me/joinable-teams")).body, { teams: [] });
  });

  it("no teams are offered for an unverified e-mail", async () => {
    const out = await arrive(store.db, { door: "oidc", orgId, identity: { provider: "oidc", issuer: "https://idp.test", subject: "uv" }, email: `uv@${domain}`, emailVerified: false }, actor);
    assert.ok(out.ok);
    const other = supertest.agent(appWithLogin(store, loadConfig({})));
    await other.post("/test/login").send({ orgId, memberId: out.memberId, userId: out.userId });
    assert.deepEqual((await other.get("/api/v1/me/joinable-teams")).body, { teams: [] });
  });

  it("POST /invites/accept: the signed-in user joins the invite's org through the provisioning decision", async () => {
    const { org: other } = await createOrg(store.db, `me-other-${process.pid}`);
    const team = await createTeam(store.db, other.id, { displayName: "guests", externalId: null }, [], actor);
    const { token } = await createInvite(store.db, other.id, { email: `ZOE@${domain}`, orgRole: "viewer", teamIds: [team.id] }, { ttlHours: 1 }, actor);
    const noCsrf = await agent.post("/api/v1/invites/accept").send({ token });
    assert.equal(noCsrf.status, 403);
    const res = await agent.post("/api/v1/invites/accept").set("X-Rollcall-CSRF", await csrf()).send({ token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.decision, "joined_by_invite");
    assert.equal(res.body.orgId, other.id);
    const m = await store.db.selectFrom("members").selectAll().where("id", "=", res.body.memberId).executeTakeFirstOrThrow();
    assert.deepEqual([m.org_id, m.user_id, m.org_role], [other.id, me.userId, "viewer"]);
    const ev = await store.db.selectFrom("audit_events").selectAll().where("org_id", "=", other.id).where("action", "=", "provision.joined_by_invite").executeTakeFirstOrThrow();
    assert.equal(JSON.parse(ev.detail!).door, "invite");
    // the same link again: already a member → signed in, nothing new
    const again = await agent.post("/api/v1/invites/accept").set("X-Rollcall-CSRF", await csrf()).send({ token });
    assert.equal(again.body.decision, "signed_in");
    // an invite for someone else's e-mail is refused (409, with the reason), an unknown token is 404
    const { org: third } = await createOrg(store.db, `me-third-${process.pid}`);
    const { token: thirdToken } = await createInvite(store.db, third.id, { email: "someone@else.example" }, { ttlHours: 1 }, actor);
    const refused = await agent.post("/api/v1/invites/accept").set("X-Rollcall-CSRF", await csrf()).send({ token: thirdToken });
    assert.equal(refused.status, 409);
    assert.match(refused.text, /sent to someone@else\.example/);
    const unknown = await agent.post("/api/v1/invites/accept").set("X-Rollcall-CSRF", await csrf()).send({ token: "nope" });
    assert.equal(unknown.status, 404);
  });
});
