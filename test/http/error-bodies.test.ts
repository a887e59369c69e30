/**
 * What an error tells a client, in every area: the area's format (SCIM error on /scim,
 * problem+json on /api and /admin/api, the sign-in page or JSON on /auth, an HTML page
 * elsewhere), the request id, and never a stack frame, a file path or SQL — for bad input
 * (malformed percent-encoding, NUL bytes: 400 on both databases) and for real 500s (a
 * database table that is gone).
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import supertest from "supertest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { auth, ERROR_URN, SCIM, user } from "../support/app.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

type Area = "scim" | "problem" | "html";

/** A stack frame, a source file, an absolute path of this machine, or SQL. */
const LEAKS: [string, RegExp][] = [
  ["a stack frame", /\bat [^\s]+ \(|\bat (file|node):/],
  ["a source file", /\.(ts|js|mjs):\d+/],
  ["an absolute path", new RegExp(`${process.cwd().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}|/home/|/usr/|/work/|node_modules`)],
  ["SQL", /\b(select|insert into|update|delete from)\b[^"]*\b(from|set|values|where)\b|sqlite|postgres|relation "|no such table/i],
];

function assertNoLeak(res: supertest.Response, what: string): void {
  for (const [name, re] of LEAKS) assert.doesNotMatch(res.text, re, `${what}: the body contains ${name}: ${res.text.slice(0, 400)}`);
}

/** Status, the area's format, the request id of the X-Request-Id header, no leak. */
function assertError(res: supertest.Response, status: number, area: Area, what: string): void {
  assert.equal(res.status, status, `${what}: ${res.status} ${res.text.slice(0, 300)}`);
  assertNoLeak(res, what);
  const id = res.headers["x-request-id"];
  assert.ok(typeof id === "string" && id.length > 0, `${what}: X-Request-Id`);
  const type = String(res.headers["content-type"]);
  if (area === "html") {
    assert.match(type, /text\/html/, what);
    assert.ok(res.text.includes(id), `${what}: the page names the request id`);
    return;
  }
  const body = JSON.parse(res.text);
  assert.equal(body.requestId, id, `${what}: the body carries the request id`);
  assert.equal(typeof body.detail, "string", what);
  assert.ok(body.detail.length > 0, what);
  if (area === "scim") {
    assert.match(type, /application\/scim\+json/, what);
    assert.deepEqual(body.schemas, [ERROR_URN], what);
    assert.equal(body.status, String(status), what);
  } else {
    assert.match(type, /application\/problem\+json/, what);
    assert.equal(body.status, status, what);
  }
}

describe("error bodies at the HTTP boundary", () => {
  let store: TestStore;
  let http: supertest.Agent;
  let key: string;
  let orgName: string;
  const logged: [string, unknown][] = [];

  before(async () => {
    store = await openTestStore();
    const created = await createOrg(store.db, `errors-${process.pid}`);
    key = created.key.key;
    orgName = created.org.name;
    http = supertest.agent(createApp(store, loadConfig({}), { log: (msg, err) => logged.push([msg, err]) }));
  });
  after(async () => { await store.close(); });
  afterEach(() => { logged.length = 0; });

  describe("a malformed percent-encoding in the path is a clean 400 of the area's kind", () => {
    it("sign-in (/auth): the sign-in page, or problem+json for a script", async () => {
      assertError(await http.get("/auth/%C0%AF/oidc/login"), 400, "html", "GET /auth/%C0%AF/oidc/login (browser)");
      assertError(await http.get("/auth/%C0%AF/oidc/login").set("Accept", "application/json"), 400, "problem", "GET /auth/%C0%AF/oidc/login (JSON)");
    });
    it("SCIM: a SCIM error", async () => {
      assertError(await http.get("/scim/v2/Users/%E0%A4%A").set(auth(key)), 400, "scim", "GET /scim/v2/Users/%E0%A4%A");
      assertError(await http.get("/scim/v2/Us%E0ers").set(auth(key)), 400, "scim", "GET /scim/v2/Us%E0ers");
    });
    it("admin API and the console's API: problem+json; console pages: an HTML page", async () => {
      assertError(await http.get("/api/v1/teams/%E0%A4%A").set(auth(key)), 400, "problem", "GET /api/v1/teams/%E0%A4%A");
      assertError(await http.get("/admin/api/%C0%AF"), 400, "problem", "GET /admin/api/%C0%AF");
      assertError(await http.get("/admin/link/%E0%A4%A"), 400, "html", "GET /admin/link/%E0%A4%A");
    });
  });

  describe("NUL bytes are refused with 400 in path, query and JSON body", () => {
    it("SCIM: path, filter, body — a SCIM error, nothing created", async () => {
      assertError(await http.get("/scim/v2/Users/%00").set(auth(key)), 400, "scim", "GET /scim/v2/Users/%00");
      assertError(await http.get(`/scim/v2/Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`).set(auth(key)), 400, "scim", "filter with NUL");
      const res = await http.post("/scim/v2/Users").set(auth(key)).type(SCIM).send(user("nul\u0000name"));
      assertError(res, 400, "scim", "POST /scim/v2/Users userName with NUL");
      assert.equal(JSON.parse(res.text).scimType, "invalidValue");
      assert.match(JSON.parse(res.text).detail, /NUL.*userName/);
      const deep = await http.post("/scim/v2/Users").set(auth(key)).type(SCIM).send(user("nul-email", { emails: [{ value: "a\u0000@example.com" }] }));
      assertError(deep, 400, "scim", "POST /scim/v2/Users email with NUL");
      assert.match(JSON.parse(deep.text).detail, /emails\[0\]\.value/);
      const rows = await store.db.selectFrom("members").select("id").where("user_name", "like", "nul%").execute();
      assert.equal(rows.length, 0, "nothing was created");
    });
    it("admin API: query and body — problem+json, nothing created", async () => {
      assertError(await http.get("/api/v1/members?q=%00").set(auth(key)), 400, "problem", "GET /api/v1/members?q=%00");
      const res = await http.post("/api/v1/teams").set(auth(key)).send({ name: "a\u0000b" });
      assertError(res, 400, "problem", 'POST /api/v1/teams {"name":"a\\u0000b"}');
      assert.match(JSON.parse(res.text).detail, /NUL.*name/);
      const key0 = await http.post("/api/v1/teams").set(auth(key)).send({ "na\u0000me": "x" });
      assertError(key0, 400, "problem", "POST /api/v1/teams with NUL in a member name");
      const teams = await store.db.selectFrom("teams").select("id").where("display_name", "like", "a%b").execute();
      assert.equal(teams.length, 0, "no team was created");
    });
    it("the console's API and sign-in doors", async () => {
      assertError(await http.get("/admin/api/sign-in-methods?org=%00"), 400, "problem", "GET /admin/api/sign-in-methods?org=%00");
      assertError(await http.get(`/auth/${encodeURIComponent(orgName)}%00/oidc/login`).set("Accept", "application/json"), 400, "problem", "GET /auth/<org>%00/oidc/login");
      const ldap = `/auth/${encodeURIComponent(orgName)}/ldap/login`;
      const json = await http.post(ldap).send({ username: "a\u0000b", password: "x" });
      assertError(json, 400, "problem", "POST /auth/<org>/ldap/login JSON username with NUL");
      assert.match(JSON.parse(json.text).detail, /NUL.*username/);
      assertError(await http.post(ldap).type("form").send("username=a%00b&password=x"), 400, "html", "POST /auth/<org>/ldap/login form username with NUL");
    });
  });

  describe("nothing served: a 404 in the area's format", () => {
    it("SCIM, admin API, sign-in, console, elsewhere", async () => {
      assertError(await http.get("/scim/v2/Nothing").set(auth(key)), 404, "scim", "GET /scim/v2/Nothing");
      assertError(await http.get("/api/v1/nothing").set(auth(key)), 404, "problem", "GET /api/v1/nothing");
      assertError(await http.get("/auth/nothing").set("Accept", "application/json"), 404, "problem", "GET /auth/nothing");
      assertError(await http.get("/admin/api/nothing"), 404, "problem", "GET /admin/api/nothing");
      assertError(await http.get("/admin/nothing.html"), 404, "html", "GET /admin/nothing.html");
      assertError(await http.get("/nothing"), 404, "html", "GET /nothing");
      assertError(await http.post("/healthz").send({}), 404, "problem", "POST /healthz");
    });
  });

  describe("bad bodies", () => {
    it("invalid JSON and a body over the limit: 400 and 413, no parser internals", async () => {
      assertError(await http.post("/scim/v2/Users").set(auth(key)).type(SCIM).send("{nope"), 400, "scim", "SCIM invalid JSON");
      assertError(await http.post("/api/v1/teams").set(auth(key)).type("json").send("{nope"), 400, "problem", "admin invalid JSON");
      const big = JSON.stringify({ name: "x".repeat(2 * 1024 * 1024) });
      assertError(await http.post("/api/v1/teams").set(auth(key)).type("json").send(big), 413, "problem", "admin body over the limit");
      assertError(await http.post("/scim/v2/Users").set(auth(key)).type(SCIM).send(big), 413, "scim", "SCIM body over the limit");
    });
  });

  describe("a real 500 (a table the code needs is gone): generic body with the request id, details only in the log", () => {
    const broken = async <T>(table: string, run: () => Promise<T>): Promise<T> => {
      await sql`ALTER TABLE ${sql.table(table)} RENAME TO ${sql.table(`${table}_gone`)}`.execute(store.db);
      try { return await run(); } finally {
        await sql`ALTER TABLE ${sql.table(`${table}_gone`)} RENAME TO ${sql.table(table)}`.execute(store.db);
      }
    };

    it("SCIM, admin API, the console's API and the sign-in door", async () => {
      await broken("teams", async () => {
        assertError(await http.get("/scim/v2/Groups").set(auth(key)), 500, "scim", "SCIM GET /Groups without its table");
        assertError(await http.get("/api/v1/teams").set(auth(key)), 500, "problem", "admin GET /teams without its table");
      });
      await broken("oidc_connections", async () => {
        assertError(await http.get(`/admin/api/sign-in-methods?org=${encodeURIComponent(orgName)}`), 500, "problem", "sign-in-methods without its table");
        assertError(await http.get(`/auth/${encodeURIComponent(orgName)}/oidc/login`), 500, "html", "OIDC login without its table (browser)");
        assertError(await http.get(`/auth/${encodeURIComponent(orgName)}/oidc/login`).set("Accept", "application/json"), 500, "problem", "OIDC login without its table (JSON)");
      });
      assert.equal(logged.length, 5, `each 500 is logged, with its cause: ${logged.map(([m]) => m).join("; ")}`);
      for (const [, err] of logged) assert.match(String((err as Error)?.message ?? err), /teams|oidc_connections/);
    });
  });
});
