/**
 * Sessions: the database-backed store on SQLite and PostgreSQL, sign-in
 * regenerating the id, cookie flags, expiry, logout, deactivation ending the
 * session, and two app instances on the same database sharing one session.
 */
import assert from "node:assert/strict";
import supertest from "supertest";
import type session from "express-session";
import { openDatabase } from "../../db/connect.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { DatabaseSessionStore, sessionSecret } from "../../src/http/session.ts";
import { arrive } from "../../src/org/arrival/arrive.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { appWithLogin, sidCookie, sidOf } from "../support/session.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

const call = <T>(fn: (cb: (err: unknown, v?: T) => void) => void): Promise<T | undefined> =>
  new Promise((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v))));

function sessionData(expires: Date, extra: Record<string, unknown> = {}): session.SessionData {
  return { cookie: { originalMaxAge: 1000, expires, httpOnly: true, path: "/" } as session.Cookie, ...extra } as session.SessionData;
}

describe("sessions", () => {
  let store: TestStore;
  let config: Config;
  let signedIn: { orgId: string; memberId: string; userId: string };
  let orgKey: string;
  before(async () => {
    store = await openTestStore();
    config = { ...loadConfig({}), sessionTtlHours: 12 };
    const { org, key } = await createOrg(store.db, `sessions-${process.pid}`);
    orgKey = key.key;
    const out = await arrive(store.db, { door: "oidc", orgId: org.id, identity: { provider: "oidc", issuer: "https://idp.test", subject: "ann" }, email: "ann@x.example", emailVerified: true }, { door: "sso", id: "test" });
    assert.ok(out.ok);
    signedIn = { orgId: org.id, memberId: out.memberId, userId: out.userId };
  });
  after(async () => { await store?.close(); });

  async function login(agent: supertest.Agent) {
    const res = await agent.post("/test/login").send(signedIn);
    assert.equal(res.status, 200, res.text);
    return res;
  }

  it("the store round-trips a session, touches it, ignores and prunes expired rows, destroys it", async () => {
    const s = new DatabaseSessionStore(store.db, 3_600_000);
    const later = new Date(Date.now() + 60_000);
    await call<void>((cb) => s.set("sid-1", sessionData(later, { user: { ...signedIn, door: "ldap" } }), cb));
    const got = await call<session.SessionData | null>((cb) => s.get("sid-1", cb));
    assert.deepEqual(got?.user, { ...signedIn, door: "ldap" });
    const row = await store.db.selectFrom("sessions").selectAll().where("sid", "=", "sid-1").executeTakeFirstOrThrow();
    assert.equal(row.expires_at, later.toISOString());
    const evenLater = new Date(Date.now() + 120_000);
    await call<void>((cb) => s.touch("sid-1", sessionData(evenLater), cb));
    assert.equal((await store.db.selectFrom("sessions").select("expires_at").where("sid", "=", "sid-1").executeTakeFirstOrThrow()).expires_at, evenLater.toISOString());
    // expired: ignored by get, removed by prune
    await call<void>((cb) => s.set("sid-old", sessionData(new Date(Date.now() - 1000)), cb));
    assert.equal(await call<session.SessionData | null>((cb) => s.get("sid-old", cb)), null);
    assert.ok((await s.prune()) >= 1);
    assert.equal(await store.db.selectFrom("sessions").select("sid").where("sid", "=", "sid-old").executeTakeFirst(), undefined);
    await call<void>((cb) => s.destroy("sid-1", cb));
    assert.equal(await call<session.SessionData | null>((cb) => s.get("sid-1", cb)), null);
  });

  it("the secret, when SESSION_SECRET is unset, is generated once and stored for every instance", async () => {
    const a = await sessionSecret(store.db, undefined);
    const b = await sessionSecret(store.db, undefined);
    assert.equal(a, b);
    assert.ok(a.length >= 32);
    assert.equal(await sessionSecret(store.db, "from-env"), "from-env");
  });

  it("sign-in regenerates the session id; the cookie is HttpOnly, SameSite=Lax, not Secure over http, and lasts SESSION_TTL_HOURS", async () => {
    const agent = supertest.agent(appWithLogin(store, config));
    const anon = await agent.get("/test/anon");
    const before = sidCookie(anon);
    assert.ok(before, "an anonymous session was started");
    const res = await login(agent);
    const after = sidCookie(res);
    assert.ok(after);
    assert.notEqual(sidOf(after), sidOf(before));
    // the old id no longer exists
    assert.equal(await store.db.selectFrom("sessions").select("sid").where("sid", "=", sidOf(before)).executeTakeFirst(), undefined);
    assert.ok(await store.db.selectFrom("sessions").select("sid").where("sid", "=", sidOf(after)).executeTakeFirst());
    assert.match(after, /; HttpOnly/i);
    assert.match(after, /; SameSite=Lax/i);
    assert.match(after, /; Path=\//);
    assert.doesNotMatch(after, /; Secure/i);
    const expires = Date.parse(/Expires=([^;]+)/.exec(after)![1]!);
    assert.ok(Math.abs(expires - (Date.now() + 12 * 3_600_000)) < 60_000, new Date(expires).toISOString());
    const me = await agent.get("/api/v1/me");
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.member.id, signedIn.memberId);
  });

  it("the cookie is Secure when the request came over HTTPS through a trusted proxy (TRUST_PROXY)", async () => {
    const agent = supertest.agent(appWithLogin(store, { ...config, trustProxy: true }));
    const res = await agent.post("/test/login").set("X-Forwarded-Proto", "https").send(signedIn);
    assert.match(sidCookie(res)!, /; Secure/i);
    // an untrusted proxy's header is ignored
    const plain = await supertest(appWithLogin(store, { ...config, trustProxy: false })).post("/test/login").set("X-Forwarded-Proto", "https").send(signedIn);
    assert.doesNotMatch(sidCookie(plain)!, /; Secure/i);
  });

  it("an expired session no longer authenticates", async () => {
    const agent = supertest.agent(appWithLogin(store, config));
    const res = await login(agent);
    assert.equal((await agent.get("/api/v1/me")).status, 200);
    await store.db.updateTable("sessions").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("sid", "=", sidOf(sidCookie(res)!)).execute();
    assert.equal((await agent.get("/api/v1/me")).status, 401);
  });

  it("logout ends the session: the row is deleted, the cookie cleared, the old cookie no longer works", async () => {
    const agent = supertest.agent(appWithLogin(store, config));
    const res = await login(agent);
    const cookie = sidCookie(res)!.split(";")[0]!;
    const out = await agent.post("/auth/logout");
    assert.equal(out.status, 204);
    assert.match(sidCookie(out) ?? "", /Expires=Thu, 01 Jan 1970/);
    assert.equal(await store.db.selectFrom("sessions").select("sid").where("sid", "=", sidOf(cookie)).executeTakeFirst(), undefined);
    const replay = await supertest(appWithLogin(store, config)).get("/api/v1/me").set("Cookie", cookie);
    assert.equal(replay.status, 401);
  });

  it("a member deactivated (here through SCIM) loses the session at the next request", async () => {
    const agent = supertest.agent(appWithLogin(store, config));
    await login(agent);
    assert.equal((await agent.get("/api/v1/me")).status, 200);
    const off = await agent.patch(`/scim/v2/Users/${signedIn.memberId}`).set("Authorization", `Bearer ${orgKey}`)
      .send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] });
    assert.equal(off.status, 200, off.text);
    assert.equal((await agent.get("/api/v1/me")).status, 401);
    // reactivation does not bring the old session back: they sign in again
    await store.db.updateTable("members").set({ active: 1 }).where("id", "=", signedIn.memberId).execute();
    assert.equal((await agent.get("/api/v1/me")).status, 401);
  });

  it("two app instances on the same database share a session", async () => {
    const second = Object.assign(openDatabase(store.url), {});
    try {
      const a = supertest(appWithLogin(store, config));
      const b = supertest(appWithLogin(second, config));
      const res = await a.post("/test/login").send(signedIn);
      const cookie = sidCookie(res)!.split(";")[0]!;
      const me = await b.get("/api/v1/me").set("Cookie", cookie);
      assert.equal(me.status, 200, me.text);
      assert.equal(me.body.member.id, signedIn.memberId);
      // logout on B ends it on A too
      assert.equal((await b.post("/auth/logout").set("Cookie", cookie)).status, 204);
      assert.equal((await a.get("/api/v1/me").set("Cookie", cookie)).status, 401);
    } finally {
      await second.close();
    }
  });
});
