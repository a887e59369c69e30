/**
 * OIDC sign-in against a real OpenID Provider (oidc-provider 9 on a loopback
 * port, test/sso/oidc-provider.ts): the full authorization code + PKCE flow from
 * a browser with a cookie jar, to the app listening on a real port.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import supertest from "supertest";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { applyEnvOidcConnection } from "../../src/org/connections/oidc-connections.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { hit, signInLimits } from "../../src/org/security/rate-limits.ts";
import { safeReturnTo } from "../../src/sso/oidc/routes.ts";
import type { TestApp, TestOrg } from "../support/app.ts";
import { openTestStore } from "../support/store.ts";
import { addMember, as, expectOk, lastAudit, problem, type TestMember } from "../admin/principals.ts";
import { Browser, signInThrough, startImpostor, startOidcProvider, type TestProvider } from "./oidc-provider.ts";

const ENCRYPTION_KEY = crypto.randomBytes(32).toString("base64");

interface ListeningApp extends TestApp {
  base: string;
  loginUrl(org?: TestOrg, returnTo?: string): string;
}

let counter = 0;

/** The app on a real loopback port (the provider redirects browsers to it), plus supertest for the admin API. */
async function startListeningApp(env: Record<string, string> = { ROLLCALL_ENCRYPTION_KEY: ENCRYPTION_KEY }, overrides: Partial<Config> = {}): Promise<ListeningApp> {
  const store = await openTestStore();
  const config = { ...loadConfig(env), ...overrides };
  const errors: unknown[] = [];
  const app = createApp(store, config, { log: (msg, err) => errors.push([msg, String((err as Error)?.stack ?? err)]) });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const newOrg = async (name = `oidc-org-${process.pid}-${++counter}`): Promise<TestOrg> => {
    const { org, key } = await createOrg(store.db, name);
    return { id: org.id, name: org.name, key: key.key };
  };
  const org = await newOrg();
  return {
    store, config, http: supertest.agent(app), org, newOrg, base,
    loginUrl: (o = org, returnTo) => `${base}/auth/${encodeURIComponent(o.name)}/oidc/login${returnTo ? `?returnTo=${encodeURIComponent(returnTo)}` : ""}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      if (errors.length) throw new Error(`the server logged unexpected errors: ${JSON.stringify(errors)}`);
    },
  };
}

const callbackOf = (t: ListeningApp, org: TestOrg) => `${t.base}/auth/${encodeURIComponent(org.name)}/oidc/callback`;

const ACCOUNTS = [
  { sub: "ada-sub", email: "ada@acme.example", email_verified: true, name: "Ada Lovelace", given_name: "Ada", family_name: "Lovelace", preferred_username: "ada", groups: ["engineers"] },
  { sub: "unverified-sub", email: "grace@acme.example", email_verified: false, name: "Not Grace", preferred_username: "not-grace" },
  { sub: "grace-sub", email: "grace@acme.example", email_verified: true, name: "Grace Hopper", preferred_username: "grace" },
  { sub: "linus-sub", email: "linus@acme.example", email_verified: true, name: "Linus", preferred_username: "linus" },
  { sub: "inactive-sub", email: "ina@acme.example", email_verified: true, name: "Ina Active", preferred_username: "ina" },
  { sub: "nobody-sub", email: "nobody@acme.example", email_verified: true, name: "No Body", preferred_username: "nobody" },
  { sub: "mallory-sub", email: "mallory@acme.example", email_verified: true, name: "Mallory", preferred_username: "mallory" },
  { sub: "limited-sub", email: "limited@acme.example", email_verified: true, name: "Limited", preferred_username: "limited" },
];

async function membersOf(t: TestApp, org: TestOrg) {
  return t.store.db.selectFrom("members").innerJoin("users", "users.id", "members.user_id")
    .select(["members.id", "members.user_id", "members.user_name", "members.org_role", "members.active", "users.email"])
    .where("members.org_id", "=", org.id).execute();
}

async function identityUser(t: TestApp, op: TestProvider, sub: string): Promise<string | undefined> {
  return (await t.store.db.selectFrom("identities").select("user_id").where("provider", "=", "oidc").where("issuer", "=", op.issuer).where("subject", "=", sub).executeTakeFirst())?.user_id;
}

const sessionCookie = (b: Browser, t: ListeningApp) => b.cookies(t.base).get("rollcall.sid");

async function sessionRows(t: TestApp): Promise<{ sid: string; data: string }[]> {
  return (t.store.db as any).selectFrom("sessions").select(["sid", "data"]).execute();
}

/** The session row of this browser's cookie (`s:<sid>.<signature>`), parsed. */
async function sessionOf(t: ListeningApp, b: Browser): Promise<any> {
  const raw = sessionCookie(b, t);
  if (!raw) return undefined;
  const sid = decodeURIComponent(raw).replace(/^s:/, "").replace(/\.[^.]*$/, "");
  const row = (await sessionRows(t)).find((r) => r.sid === sid);
  return row ? JSON.parse(row.data) : undefined;
}

describe("OIDC sign-in (real OpenID Provider, code flow with PKCE)", function () {
  this.timeout(30_000);
  let t: ListeningApp;
  let op: TestProvider;
  let admin: TestMember;
  let member: TestMember;
  let closed: TestOrg;

  before(async () => {
    t = await startListeningApp();
    closed = await t.newOrg();
    op = await startOidcProvider({ redirectUris: [callbackOf(t, t.org), callbackOf(t, closed)], accounts: ACCOUNTS });
    admin = await addMember(t, "oidc-admin", "admin");
    member = await addMember(t, "oidc-member", "member");
  });
  after(async () => {
    await op?.close();
    await t?.close();
  });

  const connectionBody = (extra: Record<string, unknown> = {}) => ({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, ...extra });

  describe("admin API: PUT/GET/DELETE /sso/oidc", () => {
    it("creates the connection after discovery; the secret is never returned and is encrypted at rest", async () => {
      problem(await as(t, admin.key).get("/sso/oidc"), 404, /no OpenID Connect sign-in yet/);
      const v = expectOk(await as(t, admin.key).put("/sso/oidc", connectionBody()));
      assert.equal(v.issuer, op.issuer);
      assert.equal(v.clientId, op.clientId);
      assert.equal(v.clientSecretSet, true);
      assert.equal(v.scopes, "openid email profile");
      assert.equal(v.allowInsecure, true, "an http:// issuer on 127.0.0.1 is allowed, and flagged");
      assert.equal(v.source, "admin");
      assert.equal(new URL(v.redirectUri).pathname, new URL(callbackOf(t, t.org)).pathname);
      assert.equal(new URL(v.loginUrl).pathname, new URL(t.loginUrl()).pathname);
      const got = expectOk(await as(t, admin.key).get("/sso/oidc"));
      for (const body of [v, got]) assert.ok(!JSON.stringify(body).includes(op.clientSecret), "the secret is not in the response");
      const row = await t.store.db.selectFrom("oidc_connections").selectAll().where("org_id", "=", t.org.id).executeTakeFirstOrThrow();
      assert.ok(!row.client_secret.includes(op.clientSecret), "the column does not hold the plain secret");
      assert.ok(!row.client_secret.includes(Buffer.from(op.clientSecret).toString("base64").slice(0, 20)));
      assert.match(row.client_secret, /^v1:[A-Za-z0-9_-]+$/);
      const audit = await lastAudit(t, "oidc.create");
      assert.equal(audit.door, "admin");
      assert.ok(!JSON.stringify(audit.detail).includes(op.clientSecret));
    });

    it("PUT without clientSecret keeps the stored one; other fields are replaced", async () => {
      const before = await t.store.db.selectFrom("oidc_connections").select("client_secret").where("org_id", "=", t.org.id).executeTakeFirstOrThrow();
      const v = expectOk(await as(t, admin.key).put("/sso/oidc", { issuer: op.issuer, clientId: op.clientId, scopes: "openid email profile groups", claimsMapping: { groups: "groups" } }));
      assert.equal(v.scopes, "openid email profile groups");
      assert.deepEqual(v.claimsMapping, { groups: "groups" });
      const after = await t.store.db.selectFrom("oidc_connections").select("client_secret").where("org_id", "=", t.org.id).executeTakeFirstOrThrow();
      assert.equal(after.client_secret, before.client_secret);
    });

    it("refuses bad input in words: discovery failures, insecure issuers, scopes without openid, unknown claims", async () => {
      const dead = `http://127.0.0.1:${await closedPort()}`;
      problem(await as(t, admin.key).put("/sso/oidc", connectionBody({ issuer: dead })), 400, /^discovery failed: .*could not be reached/);
      const impostor = await startImpostor(op.issuer);
      try {
        problem(await as(t, admin.key).put("/sso/oidc", connectionBody({ issuer: impostor.url })), 400, /^discovery failed: .*issuer/);
      } finally {
        await impostor.close();
      }
      problem(await as(t, admin.key).put("/sso/oidc", connectionBody({ issuer: "http://idp.example.com" })), 400, /must use https/);
      problem(await as(t, admin.key).put("/sso/oidc", connectionBody({ issuer: "not a url" })), 400, /not an issuer URL/);
      problem(await as(t, admin.key).put("/sso/oidc", connectionBody({ scopes: "email profile" })), 400, /openid/);
      problem(await as(t, admin.key).put("/sso/oidc", connectionBody({ claimsMapping: { shoe_size: "x" } })), 400, /not a claim Rollcall reads/);
      problem(await as(t, admin.key).put("/sso/oidc", connectionBody({ extra: 1 })), 400, /unknown field "extra"/);
      // nothing of that was saved
      assert.equal(expectOk(await as(t, admin.key).get("/sso/oidc")).issuer, op.issuer);
    });

    it("only org admins read or change it", async () => {
      problem(await as(t, member.key).get("/sso/oidc"), 403, /org admins/);
      problem(await as(t, member.key).put("/sso/oidc", connectionBody()), 403, /org admins/);
      problem(await as(t, member.key).delete("/sso/oidc"), 403, /org admins/);
    });

    it("DELETE removes it (sign-in then says so), and PUT creates it again", async () => {
      const other = await t.newOrg();
      const otherAdmin = await addMember(t, "other-admin", "admin", other);
      expectOk(await as(t, otherAdmin.key).put("/sso/oidc", connectionBody()));
      expectOk(await as(t, otherAdmin.key).delete("/sso/oidc"), 204);
      problem(await as(t, otherAdmin.key).get("/sso/oidc"), 404);
      problem(await as(t, otherAdmin.key).delete("/sso/oidc"), 404);
      assert.equal((await lastAudit(t, "oidc.delete", other.id)).door, "admin");
      const res = await new Browser("application/json").get(t.loginUrl(other));
      assert.equal(res.status, 404);
      assert.match(JSON.parse(res.text).detail, /has no OIDC sign-in here/);
    });
  });

  // Every test here signs in from 127.0.0.1: each starts with fresh sign-in counters.
  const resetRateLimits = async () => { await (t.store.db as any).deleteFrom("rate_limits").execute(); };

  describe("sign-in", () => {
    beforeEach(resetRateLimits);
    before(async () => {
      expectOk(await as(t, admin.key).put("/sso/oidc", connectionBody({ scopes: "openid email profile groups" })));
      const closedAdmin = await addMember(t, "closed-admin", "admin", closed);
      expectOk(await as(t, closedAdmin.key).put("/sso/oidc", connectionBody()));
      await t.store.db.updateTable("orgs").set({ auto_provisioning: 0 }).where("id", "=", closed.id).execute();
    });

    it("login redirects to the provider with PKCE (S256), state and nonce, keeping them in the server-side session", async () => {
      const b = new Browser();
      const res = await b.get(t.loginUrl());
      assert.equal(res.status, 302);
      const url = new URL(res.location!);
      assert.equal(url.origin, op.issuer);
      assert.equal(url.searchParams.get("response_type"), "code");
      assert.equal(url.searchParams.get("client_id"), op.clientId);
      assert.equal(url.searchParams.get("redirect_uri"), callbackOf(t, t.org));
      assert.equal(url.searchParams.get("code_challenge_method"), "S256");
      assert.match(url.searchParams.get("code_challenge") ?? "", /^[A-Za-z0-9_-]{43}$/);
      assert.ok(url.searchParams.get("state") && url.searchParams.get("nonce"));
      assert.equal(url.searchParams.get("scope"), "openid email profile groups");
      const s = await sessionOf(t, b);
      assert.ok(s, "a session row holds the login state");
      assert.equal(s[`oidc:${t.org.id}`].state, url.searchParams.get("state"));
      assert.ok(s[`oidc:${t.org.id}`].code_verifier);
      assert.ok(!res.text.includes(s[`oidc:${t.org.id}`].code_verifier));
    });

    it("a new person is provisioned just in time as a Member and signed in", async () => {
      const b = new Browser();
      const { callback } = await signInThrough(b, t.loginUrl(), op, "ada-sub");
      assert.equal(callback.status, 302, callback.text);
      assert.equal(callback.location, `${t.base}/admin`);
      const ada = (await membersOf(t, t.org)).find((m) => m.email === "ada@acme.example");
      assert.ok(ada, "Ada is a member");
      assert.equal(ada.org_role, "member");
      assert.equal(ada.user_name, "ada");
      assert.equal(await identityUser(t, op, "ada-sub"), ada.user_id, "the login identity links to her user");
      const s = await sessionOf(t, b);
      assert.ok(s?.user, "the session carries the member");
      assert.deepEqual({ ...s.user }, { orgId: t.org.id, memberId: ada.id, userId: ada.user_id, door: "oidc" });
      assert.ok(!s[`oidc:${t.org.id}`], "the one-time login state is gone");
      const me = await b.get(`${t.base}/api/v1/me`, { accept: "application/json" });
      assert.equal(me.status, 200, me.text);
      const body = JSON.parse(me.text);
      assert.equal(body.member.id, ada.id);
      assert.equal(body.member.email, "ada@acme.example");
      assert.equal(body.member.emailVerified, true);
      assert.equal(body.org.id, t.org.id);
      assert.equal(body.authenticatedBy, "session");
    });

    it("the second sign-in finds the same member; returnTo is honoured for same-origin paths only", async () => {
      const before = (await membersOf(t, t.org)).length;
      const first = await signInThrough(new Browser(), t.loginUrl(t.org, "/admin/teams?x=1"), op, "ada-sub");
      assert.equal(first.callback.location, `${t.base}/admin/teams?x=1`);
      for (const evil of ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]) {
        const r = await signInThrough(new Browser(), t.loginUrl(t.org, evil), op, "ada-sub");
        assert.equal(r.callback.location, `${t.base}/admin`, evil);
      }
      assert.equal((await membersOf(t, t.org)).length, before);
      assert.equal(safeReturnTo("/ok/path"), "/ok/path");
      assert.equal(safeReturnTo("//x"), null);
    });

    it("a verified e-mail links to the existing user whose address this same IdP verified; an unverified one never does", async () => {
      // Grace exists already (e.g. from another org), her address verified through this provider (another subject, earlier).
      const other = await t.newOrg();
      await addMember(t, "grace-other-admin", "admin", other);
      const graceUserId = crypto.randomUUID();
      const now = new Date().toISOString();
      await t.store.db.insertInto("users").values({ id: graceUserId, email: "grace@acme.example", email_key: "grace@acme.example", email_verified: 1, display_name: "Grace", created_at: now, updated_at: now }).execute();
      await t.store.db.insertInto("email_verifications").values({ user_id: graceUserId, email_key: "grace@acme.example", source: `oidc ${op.issuer}`, org_id: other.id, verified_at: now }).execute();

      const unverified = await signInThrough(new Browser(), t.loginUrl(), op, "unverified-sub");
      const mine = (await membersOf(t, t.org)).filter((m) => m.user_id === graceUserId);
      assert.equal(mine.length, 0, "the existing user did not join through an unverified e-mail");
      const unverifiedUser = await identityUser(t, op, "unverified-sub");
      assert.notEqual(unverifiedUser, graceUserId, "the unverified identity is not linked to the existing user");
      assert.ok([302, 403].includes(unverified.callback.status), unverified.callback.text);
      if (unverifiedUser) {
        const u = await t.store.db.selectFrom("users").select(["id", "email_verified"]).where("id", "=", unverifiedUser).executeTakeFirstOrThrow();
        assert.equal(u.email_verified, 0, "a separate user whose e-mail is not verified");
      }

      const verified = await signInThrough(new Browser(), t.loginUrl(), op, "grace-sub");
      assert.equal(verified.callback.status, 302, verified.callback.text);
      assert.equal(await identityUser(t, op, "grace-sub"), graceUserId, "the verified e-mail links");
      assert.equal((await membersOf(t, t.org)).filter((m) => m.user_id === graceUserId).length, 1);
    });

    it("refused when the org has auto-provisioning off: 409 (a rule of the org, as at every door) with what an admin can do (HTML and JSON)", async () => {
      const html = await signInThrough(new Browser(), t.loginUrl(closed), op, "nobody-sub");
      assert.equal(html.callback.status, 409);
      assert.match(String(html.callback.headers.get("content-type")), /text\/html/);
      assert.match(html.callback.text, /<h1>You cannot sign in here yet<\/h1>/);
      assert.match(html.callback.text, /admin/i);
      const json = await signInThrough(new Browser("application/json"), t.loginUrl(closed), op, "nobody-sub");
      assert.equal(json.callback.status, 409);
      const body = JSON.parse(json.callback.text);
      assert.equal(body.status, 409);
      assert.match(body.detail, /admin/i);
      assert.equal((await membersOf(t, closed)).filter((m) => m.email === "nobody@acme.example").length, 0);
    });

    it("an inactive member is refused", async () => {
      const first = await signInThrough(new Browser(), t.loginUrl(), op, "inactive-sub");
      assert.equal(first.callback.status, 302, first.callback.text);
      const ina = (await membersOf(t, t.org)).find((m) => m.email === "ina@acme.example")!;
      await t.store.db.updateTable("members").set({ active: 0 }).where("id", "=", ina.id).execute();
      const b = new Browser("application/json");
      const again = await signInThrough(b, t.loginUrl(), op, "inactive-sub");
      assert.equal(again.callback.status, 409, again.callback.text);
      assert.ok((await sessionOf(t, b))?.user === undefined, "no signed-in session");
    });

    it("a tampered state is a 400 in words; nothing is created", async () => {
      const before = (await membersOf(t, t.org)).length;
      const b = new Browser("application/json");
      const r = await signInThrough(b, t.loginUrl(), op, "mallory-sub", { tamper: (u) => u.searchParams.set("state", "forged-state") });
      assert.equal(r.callback.status, 400, r.callback.text);
      assert.match(JSON.parse(r.callback.text).detail, /does not match the sign-in this browser started.*state/);
      assert.equal((await membersOf(t, t.org)).length, before);
      assert.equal(await identityUser(t, op, "mallory-sub"), undefined);
    });

    it("a callback this browser did not start, or replayed, is a 400", async () => {
      const b = new Browser();
      const ok = await signInThrough(b, t.loginUrl(), op, "linus-sub");
      assert.equal(ok.callback.status, 302);
      const replay = await b.get(ok.callbackUrl);
      assert.equal(replay.status, 400);
      assert.match(replay.text, /no sign-in to this organization was started in this browser/i);
      const stranger = await new Browser().get(ok.callbackUrl);
      assert.equal(stranger.status, 400);
      const bare = await new Browser().get(callbackOf(t, t.org));
      assert.equal(bare.status, 400);
      assert.match(bare.text, /start at the sign-in link/);
    });

    it("the provider's error=access_denied is a 400 with its words", async () => {
      const r = await signInThrough(new Browser("application/json"), t.loginUrl(), op, "mallory-sub", { abort: true });
      assert.equal(r.callback.status, 400, r.callback.text);
      assert.match(JSON.parse(r.callback.text).detail, /did not sign you in: access_denied.*cancelled/);
    });

    it("over the per-address limit: 429 with Retry-After", async () => {
      const b = new Browser("application/json");
      const login = await b.get(t.loginUrl()); // starts a sign-in; the limit is checked at the callback
      assert.equal(login.status, 302);
      const fresh = await startListeningApp();
      try {
        await fresh.store.db.insertInto("oidc_connections").values(await copyConnection(t, fresh)).execute();
        const { perAddress, windowSeconds } = signInLimits();
        for (let i = 0; i < perAddress; i++) assert.ok((await hit(fresh.store.db, "signin:ip:127.0.0.1", perAddress, windowSeconds)).ok);
        const res = await new Browser("application/json").get(`${fresh.base}/auth/${encodeURIComponent(fresh.org.name)}/oidc/callback?code=x&state=y`);
        assert.equal(res.status, 429, res.text);
        assert.match(res.headers.get("retry-after") ?? "", /^\d+$/);
        assert.match(JSON.parse(res.text).detail, /too many sign-in attempts/);
      } finally {
        await fresh.close();
      }
    });

    it("over the per-account limit: 429 with Retry-After, nothing created", async () => {
      const key = `signin:oidc:${t.org.id}:limited-sub`;
      const { perAccount, windowSeconds } = signInLimits();
      for (let i = 0; i < perAccount; i++) assert.ok((await hit(t.store.db, key, perAccount, windowSeconds)).ok);
      const r = await signInThrough(new Browser("application/json"), t.loginUrl(), op, "limited-sub");
      assert.equal(r.callback.status, 429, r.callback.text);
      assert.match(r.callback.headers.get("retry-after") ?? "", /^\d+$/);
      assert.equal(await identityUser(t, op, "limited-sub"), undefined);
    });
  });

  describe("a misconfigured connection fails clearly and creates nobody", () => {
    let bad: TestOrg;
    beforeEach(resetRateLimits);
    before(async () => {
      bad = await t.newOrg();
    });

    it("issuer mismatch (discovery answers for another issuer): 502 naming discovery at login", async () => {
      const impostor = await startImpostor(op.issuer);
      try {
        await storeConnection(t, bad, { issuer: impostor.url, secret: op.clientSecret });
        const res = await new Browser("application/json").get(t.loginUrl(bad));
        assert.equal(res.status, 502, res.text);
        assert.match(JSON.parse(res.text).detail, /discovery failed: discovered metadata issuer does not match the expected issuer/);
      } finally {
        await impostor.close();
      }
    });

    it("wrong client secret: the token request is refused (invalid_client) → 502 in words, no member, no identity", async () => {
      const op2 = await startOidcProvider({ redirectUris: [callbackOf(t, bad)], accounts: ACCOUNTS });
      try {
        await storeConnection(t, bad, { issuer: op2.issuer, secret: "not-the-secret" });
        const b = new Browser("application/json");
        const r = await signInThrough(b, t.loginUrl(bad), op2, "ada-sub");
        assert.equal(r.callback.status, 502, r.callback.text);
        assert.match(JSON.parse(r.callback.text).detail, /invalid_client/);
        assert.equal((await membersOf(t, bad)).length, 0);
        assert.equal(await identityUser(t, op2, "ada-sub"), undefined);
        assert.equal((await sessionOf(t, b))?.user, undefined);
      } finally {
        await op2.close();
      }
    });
  });
});

describe("OIDC connection from the environment (single-org install)", () => {
  it("is applied to ROLLCALL_ORG_NAME once, encrypted, and the admin API refuses to change it", async () => {
    const t = await startListeningApp();
    try {
      const env = { issuer: "https://idp.example.com", clientId: "rc", clientSecret: "env-secret-value", scopes: "openid email" };
      assert.equal(await applyEnvOidcConnection(t.store.db, env, t.org.name.toUpperCase(), t.config.encryptionKey), "created");
      assert.equal(await applyEnvOidcConnection(t.store.db, env, t.org.name, t.config.encryptionKey), "unchanged");
      assert.equal(await applyEnvOidcConnection(t.store.db, { ...env, clientSecret: "rotated" }, t.org.name, t.config.encryptionKey), "updated");
      const row = await t.store.db.selectFrom("oidc_connections").selectAll().where("org_id", "=", t.org.id).executeTakeFirstOrThrow();
      assert.equal(row.source, "env");
      assert.equal(row.allow_insecure, 0);
      assert.ok(!row.client_secret.includes("rotated"));
      await assert.rejects(applyEnvOidcConnection(t.store.db, env, "no-such-org", t.config.encryptionKey), /no organization named "no-such-org"/);
      await assert.rejects(applyEnvOidcConnection(t.store.db, env, t.org.name, undefined), /ROLLCALL_ENCRYPTION_KEY is not set/);
      await assert.rejects(applyEnvOidcConnection(t.store.db, { ...env, issuer: "http://idp.example.com" }, t.org.name, t.config.encryptionKey), /https/);
      assert.equal(await applyEnvOidcConnection(t.store.db, { ...env, issuer: "http://localhost:9/x" }, t.org.name, t.config.encryptionKey), "updated");
      assert.equal((await t.store.db.selectFrom("oidc_connections").select("allow_insecure").where("org_id", "=", t.org.id).executeTakeFirstOrThrow()).allow_insecure, 1);
    } finally {
      await t.close();
    }
    // With OIDC_* set, that org's connection is read-only through the admin API.
    const e = await startListeningApp({ ROLLCALL_ENCRYPTION_KEY: ENCRYPTION_KEY, OIDC_ISSUER: "https://idp.example.com", OIDC_CLIENT_ID: "rc", OIDC_CLIENT_SECRET: "s" });
    try {
      assert.equal(e.config.oidc?.scopes, "openid email profile");
      await applyEnvOidcConnection(e.store.db, e.config.oidc!, e.org.name, e.config.encryptionKey);
      const a = await addMember(e, "env-admin", "admin");
      problem(await as(e, a.key).put("/sso/oidc", { issuer: "https://other.example.com", clientId: "x", clientSecret: "y" }), 409, /comes from the environment/);
      problem(await as(e, a.key).delete("/sso/oidc"), 409, /comes from the environment/);
      assert.equal(expectOk(await as(e, a.key).get("/sso/oidc")).source, "env");
    } finally {
      await e.close();
    }
  });

  it("config: OIDC_ISSUER needs a client id and secret; a malformed encryption key is refused at start", () => {
    assert.throws(() => loadConfig({ OIDC_ISSUER: "https://idp.example.com" }), /OIDC_CLIENT_ID and OIDC_CLIENT_SECRET/);
    assert.throws(() => loadConfig({ ROLLCALL_ENCRYPTION_KEY: "too-short" }), /ROLLCALL_ENCRYPTION_KEY must be 32 random bytes/);
    assert.equal(loadConfig({ ROLLCALL_ENCRYPTION_KEY: "ab".repeat(32) }).encryptionKey?.length, 32);
  });

  it("PUT without ROLLCALL_ENCRYPTION_KEY is refused naming the variable", async () => {
    const t = await startListeningApp({});
    try {
      const a = await addMember(t, "nokey-admin", "admin");
      problem(await as(t, a.key).put("/sso/oidc", { issuer: "https://idp.example.com", clientId: "x", clientSecret: "y" }), 400, /ROLLCALL_ENCRYPTION_KEY is not set/);
    } finally {
      await t.close();
    }
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Writes a connection directly (bypassing the admin API's discovery check), as a misconfiguration would. */
async function storeConnection(t: ListeningApp, org: TestOrg, c: { issuer: string; secret: string }): Promise<void> {
  const { encryptSecret } = await import("../../src/org/security/secrets.ts");
  const now = new Date(Date.now() + ++counter).toISOString();
  await t.store.db.deleteFrom("oidc_connections").where("org_id", "=", org.id).execute();
  await t.store.db.insertInto("oidc_connections").values({
    org_id: org.id, issuer: c.issuer, client_id: "rollcall-test", client_secret: encryptSecret(t.config.encryptionKey!, c.secret, `oidc-client-secret:${org.id}`),
    scopes: "openid email profile", claims_mapping: "{}", allow_insecure: 1, source: "admin", created_at: now, updated_at: now,
  }).execute();
}

async function copyConnection(from: ListeningApp, to: ListeningApp) {
  const row = await from.store.db.selectFrom("oidc_connections").selectAll().where("org_id", "=", from.org.id).executeTakeFirstOrThrow();
  const { connectionSecret } = await import("../../src/org/connections/oidc-connections.ts");
  const { encryptSecret } = await import("../../src/org/security/secrets.ts");
  return { ...row, org_id: to.org.id, client_secret: encryptSecret(to.config.encryptionKey!, connectionSecret(row, from.config.encryptionKey), `oidc-client-secret:${to.org.id}`) };
}
