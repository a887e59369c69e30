/**
 * LDAP sign-in against a real OpenLDAP (the tests' own slapd, test/sso/slapd.ts):
 * the login door, its refusals and time bounds, and the admin API's connection.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import net from "node:net";
import { loadConfig } from "../../src/config.ts";
import { DIRECTORY_UNAVAILABLE, INVALID_CREDENTIALS } from "../../src/sso/ldap/routes.ts";
import { addMember, as, expectOk, lastAudit, problem, type TestMember } from "../admin/principals.ts";
import { startTestApp, type TestApp, type TestOrg } from "../support/app.ts";
import { BASE_DN, dnOf, freePort, GROUPS_DN, PEOPLE_DN, person, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type Slapd } from "./slapd.ts";

const connection = (url: string, extra: Record<string, unknown> = {}) => ({
  url, bindDn: SERVICE_DN, bindPassword: SERVICE_PASSWORD, baseDn: PEOPLE_DN,
  userFilter: "(uid={username})", attributes: "email=mail,name=cn,givenName=givenName,familyName=sn,username=uid",
  groupBaseDn: GROUPS_DN, groupFilter: "(member={dn})", allowedGroups: ["rollcall-users"], ...extra,
});

/** A TCP server that accepts connections and never answers (a hung directory). */
async function silentServer(): Promise<{ url: string; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    s.resume(); // read (and ignore) everything, so that the client's FIN is seen
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `ldap://127.0.0.1:${port}`,
    open: () => sockets.size,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

const settle = () => new Promise((r) => setTimeout(r, 300));

async function counts(t: TestApp) {
  const db = t.store.db;
  const n = async (table: "users" | "members" | "identities") => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  return { users: await n("users"), members: await n("members"), identities: await n("identities") };
}

describe("LDAP sign-in (against slapd)", function () {
  this.timeout(30_000);
  let slapd: Slapd;
  let t: TestApp;
  let admin: TestMember;
  const login = (org: TestOrg, body: Record<string, unknown>) => t.http.post(`/auth/${encodeURIComponent(org.name)}/ldap/login`).send(body);

  const savedLimit = process.env.SIGNIN_LIMIT_PER_ADDRESS;
  before(async () => {
    // Every request here comes from 127.0.0.1: the per-address limit would end the suite early.
    process.env.SIGNIN_LIMIT_PER_ADDRESS = "10000";
    slapd = await startSlapd();
    t = await startTestApp({ encryptionKey: crypto.randomBytes(32) });
    admin = await addMember(t, "ldap-admin", "admin");
    expectOk(await as(t, admin.key).put("/sso/ldap", connection(slapd.url)));
  });
  after(async () => {
    if (savedLimit === undefined) delete process.env.SIGNIN_LIMIT_PER_ADDRESS;
    else process.env.SIGNIN_LIMIT_PER_ADDRESS = savedLimit;
    try {
      await t?.close();
    } finally {
      await slapd?.stop();
    }
  });

  describe("admin API: the connection", () => {
    it("stores the bind password encrypted and never returns it", async () => {
      const view = expectOk(await as(t, admin.key).get("/sso/ldap"));
      assert.equal(view.url, slapd.url);
      assert.equal(view.bindPasswordSet, true);
      assert.equal(view.source, "admin");
      assert.deepEqual(view.attributes, { email: "mail", name: "cn", givenName: "givenName", familyName: "sn", username: "uid" });
      assert.deepEqual(view.allowedGroups, ["rollcall-users"]);
      assert.equal(view.trustEmail, false);
      assert.equal(view.timeoutMs, 5000);
      assert.match(view.loginUrl, /\/auth\/.+\/ldap\/login$/);
      assert.ok(!JSON.stringify(view).includes(SERVICE_PASSWORD));
      const row = await t.store.db.selectFrom("ldap_connections").selectAll().where("org_id", "=", t.org.id).executeTakeFirstOrThrow();
      assert.match(row.bind_password, /^v1:/);
      assert.ok(!row.bind_password.includes(SERVICE_PASSWORD));
      const audit = await lastAudit(t, "ldap.create");
      assert.ok(!JSON.stringify(audit).includes(SERVICE_PASSWORD));
    });

    it("keeps the stored password when a PUT leaves it out; requires it for a new connection", async () => {
      const { bindPassword: _omit, ...rest } = connection(slapd.url, { timeoutMs: 4000 });
      const view = expectOk(await as(t, admin.key).put("/sso/ldap", rest));
      assert.equal(view.timeoutMs, 4000);
      assert.equal((expectOk(await as(t, admin.key).post("/sso/ldap/test", {}))).ok, true);
      const other = await t.newOrg();
      problem(await as(t, other.key).put("/sso/ldap", rest), 400, /bindPassword is required/);
    });

    it("validates what it stores", async () => {
      const put = (extra: Record<string, unknown>) => as(t, admin.key).put("/sso/ldap", connection(slapd.url, extra));
      problem(await put({ url: "http://dir.example.com" }), 400, /ldap:\/\/ or ldaps:\/\//);
      problem(await put({ url: "ldaps://dir.example.com", startTls: true }), 400, /startTls/);
      problem(await put({ userFilter: "(uid=alice)" }), 400, /\{username\}/);
      problem(await put({ userFilter: "(uid={username}" }), 400, /parenthesised LDAP filter/);
      problem(await put({ userFilter: "(&(uid={username})" }), 400, /not a valid LDAP filter/);
      problem(await put({ userFilter: "(uid={user})" }), 400, /unknown placeholder/);
      problem(await put({ attributes: "email=mail,phone=telephoneNumber" }), 400, /"phone" is not an attribute/);
      problem(await put({ attributes: "email=ma(il" }), 400, /LDAP attribute name/);
      problem(await put({ timeoutMs: 5 }), 400, /timeoutMs/);
      problem(await put({ password: "x" }), 400, /unknown field/);
      assert.equal(expectOk(await as(t, admin.key).get("/sso/ldap")).userFilter, "(uid={username})", "nothing was saved");
    });

    it("a compound user filter works (sign in by uid or mail)", async () => {
      const userFilter = "(&(objectClass=inetOrgPerson)(|(uid={username})(mail={username})))";
      expectOk(await as(t, admin.key).put("/sso/ldap", connection(slapd.url, { userFilter })));
      try {
        const found = expectOk(await as(t, admin.key).post("/sso/ldap/test", { username: "dana@example.org" }));
        assert.equal(found.user.dn, dnOf(person("dana")));
      } finally {
        expectOk(await as(t, admin.key).put("/sso/ldap", connection(slapd.url)));
      }
    });

    it("is for org admins only", async () => {
      const member = await addMember(t, "ldap-plain-member");
      problem(await as(t, member.key).get("/sso/ldap"), 403);
      problem(await as(t, member.key).put("/sso/ldap", connection(slapd.url)), 403);
      problem(await as(t, member.key).delete("/sso/ldap"), 403);
      problem(await as(t, member.key).post("/sso/ldap/test", {}), 403);
    });

    it("deletes, then 404s; a new PUT creates it again", async () => {
      const other = await t.newOrg();
      expectOk(await as(t, other.key).put("/sso/ldap", connection(slapd.url)));
      assert.equal((await as(t, other.key).delete("/sso/ldap")).status, 204);
      problem(await as(t, other.key).get("/sso/ldap"), 404);
      problem(await as(t, other.key).delete("/sso/ldap"), 404);
      problem(await as(t, other.key).post("/sso/ldap/test", {}), 404);
      problem(await t.http.post(`/auth/${encodeURIComponent(other.name)}/ldap/login`).send({ username: "alice", password: "alice-pw" }), 404, /has no LDAP sign-in here/);
      assert.equal((await lastAudit(t, "ldap.delete", other.id)).target_id, other.id);
    });

    it("test-connection says in words what went wrong", async () => {
      const test = (body: object = {}) => as(t, admin.key).post("/sso/ldap/test", body).then((r) => expectOk(r));
      assert.match((await test()).message, /bound as cn=rollcall/);
      const found = await test({ username: "alice" });
      assert.equal(found.ok, true);
      assert.equal(found.user.dn, dnOf(person("alice")));
      assert.equal(found.user.email, "alice@example.org");
      assert.deepEqual([...found.user.groups].sort(), ["engineers", "rollcall-users"]);
      assert.equal(found.user.allowed, true);
      const outside = await test({ username: "bob" });
      assert.equal(outside.user.allowed, false);
      assert.match(outside.message, /not in a group of the allow-list/);
      const missing = await test({ username: "nobody" });
      assert.deepEqual([missing.ok, missing.stage], [false, "user"]);
      assert.match(missing.message, /^user not found/);

      const other = await t.newOrg();
      const closed = await freePort();
      expectOk(await as(t, other.key).put("/sso/ldap", connection(`ldap://127.0.0.1:${closed}`)));
      const refused = expectOk(await as(t, other.key).post("/sso/ldap/test", {}));
      assert.deepEqual([refused.ok, refused.stage], [false, "connect"]);
      assert.match(refused.message, /^connection refused/);

      expectOk(await as(t, other.key).put("/sso/ldap", connection(slapd.url, { bindPassword: "wrong" })));
      const badBind = expectOk(await as(t, other.key).post("/sso/ldap/test", {}));
      assert.deepEqual([badBind.ok, badBind.stage], [false, "bind"]);
      assert.match(badBind.message, /^bind refused/);

      expectOk(await as(t, other.key).put("/sso/ldap", connection(slapd.url, { baseDn: `ou=nowhere,${BASE_DN}` })));
      const badBase = expectOk(await as(t, other.key).post("/sso/ldap/test", { username: "alice" }));
      assert.deepEqual([badBase.ok, badBase.stage], [false, "search"]);
      assert.match(badBase.message, /base DN .* does not exist/);
    });
  });

  describe("POST /auth/{org}/ldap/login", () => {
    it("signs a person in: member provisioned, identity = server URL + DN lower-cased, session cookie", async () => {
      const before = await counts(t);
      const res = await login(t.org, { username: "alice", password: "alice-pw" });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.member.userName, "alice");
      assert.equal(res.body.member.displayName, "Alice Liddell");
      assert.equal(res.body.member.orgRole, "member");
      assert.match(String(res.headers["set-cookie"]), /rollcall\.sid=.*HttpOnly/i);
      const after = await counts(t);
      assert.equal(after.members, before.members + 1);
      const identity = await t.store.db.selectFrom("identities").selectAll().where("provider", "=", "ldap").executeTakeFirstOrThrow();
      assert.equal(identity.issuer, slapd.url);
      assert.equal(identity.subject, dnOf(person("alice")).toLowerCase());
      const member = await t.store.db.selectFrom("members").selectAll().where("id", "=", res.body.member.id).executeTakeFirstOrThrow();
      assert.equal(member.user_id, identity.user_id);
      assert.equal(member.given_name, "Alice");
      assert.equal(member.family_name, "Liddell");
      // The directory's e-mail is not trusted unless the connection says so.
      const user = await t.store.db.selectFrom("users").selectAll().where("id", "=", identity.user_id).executeTakeFirstOrThrow();
      assert.equal(user.email_verified, 0);

      // Again: the same member, signed in.
      const again = await login(t.org, { username: "ALICE", password: "alice-pw" });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.member.id, res.body.member.id);
      assert.equal(again.body.decision, "signed_in");
    });

    it("reads groups: the user's DN is escaped in the group filter (parentheses, escaped comma)", async () => {
      for (const uid of ["dana", "eve"]) {
        const res = await login(t.org, { username: uid, password: `${uid}-pw` });
        assert.equal(res.status, 200, `${uid}: ${res.text}`);
      }
      const dana = expectOk(await as(t, admin.key).post("/sso/ldap/test", { username: "dana" }));
      assert.deepEqual([...dana.user.groups].sort(), ["ops", "rollcall-users"]);
      const filters = slapd.searches().join("\n");
      assert.match(filters, /filter="\(member=cn=dana \\28ops\\29,ou=people,dc=example,dc=org\)"/);
    });

    it("places the member in teams named like their groups when the org syncs groups", async () => {
      await t.store.db.updateTable("orgs").set({ sync_groups_to_teams: 1 } as never).where("id", "=", t.org.id).execute();
      const team = expectOk(await as(t, admin.key).post("/teams", { name: "engineers" }), 201);
      try {
        const res = await login(t.org, { username: "alice", password: "alice-pw" });
        assert.equal(res.status, 200, res.text);
        const tm = await t.store.db.selectFrom("team_members").selectAll().where("team_id", "=", team.id).where("member_id", "=", res.body.member.id).executeTakeFirst();
        assert.ok(tm, "alice is in the engineers team");
      } finally {
        await t.store.db.updateTable("orgs").set({ sync_groups_to_teams: 0 } as never).where("id", "=", t.org.id).execute();
      }
    });

    it("trustEmail: the directory's e-mail counts as verified only when the connection says so", async () => {
      const org = await t.newOrg();
      expectOk(await as(t, org.key).put("/sso/ldap", connection(slapd.url, { allowedGroups: [], trustEmail: true })));
      const res = await t.http.post(`/auth/${encodeURIComponent(org.name)}/ldap/login`).send({ username: "bob", password: "bob-pw" });
      assert.equal(res.status, 200, res.text);
      const m = await t.store.db.selectFrom("members").innerJoin("users", "users.id", "members.user_id").select(["users.email", "users.email_verified"]).where("members.id", "=", res.body.member.id).executeTakeFirstOrThrow();
      assert.deepEqual([m.email, m.email_verified], ["bob@example.org", 1]);
    });

    it("a form post with a same-origin returnTo is redirected there", async () => {
      const res = await t.http.post(`/auth/${encodeURIComponent(t.org.name)}/ldap/login`).type("form")
        .send({ username: "alice", password: "alice-pw", returnTo: "/admin/teams" });
      assert.equal(res.status, 303, res.text);
      assert.equal(res.headers.location, "/admin/teams");
      const evil = await t.http.post(`/auth/${encodeURIComponent(t.org.name)}/ldap/login`).type("form")
        .send({ username: "alice", password: "alice-pw", returnTo: "//evil.example/" });
      assert.equal(evil.status, 200);
      const wrong = await t.http.post(`/auth/${encodeURIComponent(t.org.name)}/ldap/login`).type("form").set("Accept", "text/html")
        .send({ username: "alice", password: "nope" });
      assert.equal(wrong.status, 401);
      assert.match(wrong.text, /invalid username or password/i);
    });

    it("filter injection finds nothing and binds nothing", async () => {
      for (const evil of ["*)(uid=*", "*", "alice)(|(uid=*", "al*", "\\2a"]) {
        const mark = slapd.log.length;
        const res = await login(t.org, { username: evil, password: "anything" });
        problem(res, 401, new RegExp(INVALID_CREDENTIALS));
        await settle();
        const binds = slapd.binds(mark);
        assert.ok(binds.length > 0 && binds.every((l) => l.includes(`dn="${SERVICE_DN}"`)), `only the service account binds: ${binds.join("\n")}`);
        const searches = slapd.searches(mark).filter((l) => l.includes("filter="));
        assert.ok(searches.every((l) => !/filter="\(uid=[^"]*[^\\]\*/.test(l) && !l.includes("(|")), `the name is escaped: ${searches.join("\n")}`);
      }
      const mark = slapd.log.length;
      await login(t.org, { username: "*)(uid=*", password: "x" });
      await settle();
      assert.match(slapd.searches(mark).join("\n"), /filter="\(uid=\\2a\\29\\28uid=\\2a\)"/i);
    });

    it("an empty password is refused before any connection to the directory", async () => {
      for (const body of [{ username: "alice", password: "" }, { username: "alice" }]) {
        const mark = slapd.log.length;
        problem(await login(t.org, body), 400, /password is required/);
        await settle();
        assert.deepEqual(slapd.log.slice(mark).filter((l) => / ACCEPT | BIND /.test(l)), []);
      }
    });

    it("wrong password and unknown user: the same 401", async () => {
      const mark = slapd.log.length;
      const wrong = await login(t.org, { username: "alice", password: "not-alice-pw" });
      const unknown = await login(t.org, { username: "nobody", password: "whatever" });
      problem(wrong, 401);
      problem(unknown, 401);
      assert.equal(wrong.body.detail, unknown.body.detail);
      assert.equal(wrong.body.detail, INVALID_CREDENTIALS);
      await settle();
      assert.ok(slapd.binds(mark).some((l) => l.includes(`dn="${dnOf(person("alice"))}"`)), "alice's DN was bound (and refused)");
      const audit = await lastAudit(t, "signin.refused");
      assert.equal(audit.door, "sso");
      assert.equal(audit.detail.decision, "refused");
    });

    it("a person outside the group allow-list is refused, and nothing is created", async () => {
      const before = await counts(t);
      problem(await login(t.org, { username: "bob", password: "bob-pw" }), 403, /not in a group allowed/);
      assert.deepEqual(await counts(t), before);
      assert.equal((await lastAudit(t, "signin.refused")).detail.reason, "not in the group allow-list");
    });

    it("a directory that is down: 503 fast, nothing created", async () => {
      const org = await t.newOrg();
      expectOk(await as(t, org.key).put("/sso/ldap", connection(`ldap://127.0.0.1:${await freePort()}`)));
      const before = await counts(t);
      const started = Date.now();
      const res = await t.http.post(`/auth/${encodeURIComponent(org.name)}/ldap/login`).send({ username: "alice", password: "alice-pw" });
      problem(res, 503, /^directory unavailable/);
      assert.equal(res.body.detail, DIRECTORY_UNAVAILABLE);
      assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      assert.deepEqual(await counts(t), before);
    });

    it("a directory that accepts and never answers: 503 within the connection's timeout, socket closed, nothing created", async () => {
      const hung = await silentServer();
      try {
        const org = await t.newOrg();
        expectOk(await as(t, org.key).put("/sso/ldap", connection(hung.url, { timeoutMs: 800 })));
        const before = await counts(t);
        const started = Date.now();
        const res = await t.http.post(`/auth/${encodeURIComponent(org.name)}/ldap/login`).send({ username: "alice", password: "alice-pw" });
        const took = Date.now() - started;
        problem(res, 503, /^directory unavailable/);
        assert.ok(took >= 700 && took < 2000, `took ${took} ms`);
        assert.deepEqual(await counts(t), before);
        const test = expectOk(await as(t, org.key).post("/sso/ldap/test", {}));
        assert.deepEqual([test.ok, test.stage], [false, "connect"]);
        assert.match(test.message, /^timed out after 800 ms/);
        await settle();
        assert.equal(hung.open(), 0, "the client closed its connections");
      } finally {
        await hung.close();
      }
    });

    it("the default bound is 5 seconds", async () => {
      const hung = await silentServer();
      try {
        const org = await t.newOrg();
        const { timeoutMs: _none, ...body } = connection(hung.url) as Record<string, unknown>;
        expectOk(await as(t, org.key).put("/sso/ldap", body));
        const started = Date.now();
        problem(await t.http.post(`/auth/${encodeURIComponent(org.name)}/ldap/login`).send({ username: "alice", password: "alice-pw" }), 503);
        const took = Date.now() - started;
        assert.ok(took >= 4900 && took < 6500, `took ${took} ms`);
      } finally {
        await hung.close();
      }
    });

    it("rate limits per account: 429 with Retry-After", async () => {
      let res: Awaited<ReturnType<typeof login>> | undefined;
      for (let i = 0; i < 30; i++) {
        res = await login(t.org, { username: "Carol-Limited", password: `wrong-${i}` });
        if (res.status === 429) break;
        assert.equal(res.status, 401, res.text);
      }
      assert.equal(res!.status, 429, "the account limit was reached");
      assert.ok(Number(res!.headers["retry-after"]) >= 1);
      const keys = (await t.store.db.selectFrom("rate_limits").select("key").execute()).map((r) => r.key);
      assert.ok(keys.includes(`signin:ldap:${t.org.id}:carol-limited`), keys.join(", "));
      assert.ok(keys.some((k) => k.startsWith("signin:ip:")), keys.join(", "));
      // Another account from the same address still gets through to the directory.
      assert.equal((await login(t.org, { username: "alice", password: "alice-pw" })).status, 200);
    });

    it("an unknown org is a 404; bad input a 400", async () => {
      problem(await t.http.post("/auth/no-such-org/ldap/login").send({ username: "alice", password: "x" }), 404);
      problem(await login(t.org, { username: "", password: "x" }), 400, /username is required/);
      problem(await login(t.org, { username: ["a"], password: "x" }), 400, /must be a string/);
      problem(await t.http.post(`/auth/${encodeURIComponent(t.org.name)}/ldap/login`).type("json").send("{nope"), 400, /not valid JSON/);
    });
  });

  describe("single-org install: LDAP_* from the environment", () => {
    let e: TestApp;
    let envOrg: TestOrg;
    before(async () => {
      const env = loadConfig({
        ROLLCALL_ORG_NAME: "LDAP Env Org", LDAP_URL: slapd.url, LDAP_BIND_DN: SERVICE_DN, LDAP_BIND_PASSWORD: SERVICE_PASSWORD,
        LDAP_BASE_DN: PEOPLE_DN, LDAP_USER_FILTER: "(uid={username})", LDAP_ATTRIBUTES: "email=mail,name=cn",
        LDAP_GROUP_BASE_DN: GROUPS_DN, LDAP_GROUP_FILTER: "(member={dn})", LDAP_ALLOWED_GROUPS: "engineers,ops", LDAP_TIMEOUT_MS: "3000",
      });
      e = await startTestApp({ orgName: env.orgName, ldap: env.ldap });
      envOrg = await e.newOrg("LDAP Env Org");
    });
    after(async () => { await e?.close(); });

    it("signs people in to the org ROLLCALL_ORG_NAME names, with the allow-list from the environment", async () => {
      const ok = await e.http.post("/auth/ldap%20env%20org/ldap/login").send({ username: "alice", password: "alice-pw" });
      assert.equal(ok.status, 200, ok.text);
      const eve = await e.http.post("/auth/LDAP%20Env%20Org/ldap/login").send({ username: "eve", password: "eve-pw" });
      problem(eve, 403, /not in a group allowed/);
      problem(await e.http.post(`/auth/${encodeURIComponent(e.org.name)}/ldap/login`).send({ username: "alice", password: "alice-pw" }), 404);
    });

    it("the admin API shows it (source env, no password) and refuses to change it", async () => {
      const view = expectOk(await as(e, envOrg.key).get("/sso/ldap"));
      assert.equal(view.source, "env");
      assert.deepEqual(view.allowedGroups, ["engineers", "ops"]);
      assert.equal(view.timeoutMs, 3000);
      assert.ok(!JSON.stringify(view).includes(SERVICE_PASSWORD));
      problem(await as(e, envOrg.key).put("/sso/ldap", connection(slapd.url)), 409, /comes from the environment/);
      problem(await as(e, envOrg.key).delete("/sso/ldap"), 409, /comes from the environment/);
    });

    it("refuses incomplete LDAP_* settings at start", () => {
      assert.throws(() => loadConfig({ LDAP_URL: "ldap://x" }), /LDAP_BIND_DN, LDAP_BIND_PASSWORD and LDAP_BASE_DN/);
      assert.throws(() => loadConfig({ LDAP_URL: "ldap://x", LDAP_BIND_DN: "cn=a", LDAP_BIND_PASSWORD: "p", LDAP_BASE_DN: "dc=x", LDAP_STARTTLS: "maybe" }), /LDAP_STARTTLS/);
      const c = loadConfig({ LDAP_URL: "ldap://x", LDAP_BIND_DN: "cn=a", LDAP_BIND_PASSWORD: "p", LDAP_BASE_DN: "dc=x", LDAP_ALLOWED_GROUPS: '["cn=a,ou=g,dc=x", "b"]' });
      assert.deepEqual(c.ldap?.allowedGroups, ["cn=a,ou=g,dc=x", "b"]);
    });
  });
});
