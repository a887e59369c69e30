/** Request ids, the pino access log, and /metrics (one Prometheus registry per app). */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import supertest from "supertest";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { createLogger } from "../../src/http/logging.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { openTestStore, type TestStore } from "../support/store.ts";
import { auth, SCIM, user } from "../support/app.ts";

/** Collects pino's JSON lines. */
function captureLogs() {
  const lines: Record<string, any>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split("\n")) if (line.trim()) { raw.push(line); lines.push(JSON.parse(line)); }
      cb();
    },
  });
  return { lines, raw, stream };
}

describe("observability: request ids, access log, /metrics", () => {
  let store: TestStore;
  let key: string;
  const logs = captureLogs();
  const errors: unknown[] = [];
  let http: supertest.Agent;
  const config = (over: Partial<Config> = {}) => ({ ...loadConfig({}), ...over });

  before(async () => {
    store = await openTestStore();
    key = (await createOrg(store.db, `obs-${process.pid}`)).key.key;
    const app = createApp(store, config(), { logger: createLogger("info", logs.stream), log: (m, e) => errors.push([m, e]) });
    http = supertest.agent(app);
  });
  after(async () => {
    await store.close();
    assert.deepEqual(errors, []);
  });

  describe("X-Request-Id", () => {
    it("echoes a sane incoming id", async () => {
      const res = await http.get("/healthz").set("X-Request-Id", "abc-123_DEF.456");
      assert.equal(res.headers["x-request-id"], "abc-123_DEF.456");
    });

    it("generates one when none is sent, different per request", async () => {
      const a = await http.get("/healthz");
      const b = await http.get("/healthz");
      assert.match(a.headers["x-request-id"], /^[0-9a-f-]{36}$/);
      assert.notEqual(a.headers["x-request-id"], b.headers["x-request-id"]);
    });

    it("replaces an unsafe or oversized incoming id", async () => {
      for (const bad of ["has space", "semi;colon", "<script>", "x".repeat(101), "a/b", "%C3%BC"]) {
        const res = await http.get("/healthz").set("X-Request-Id", bad);
        assert.notEqual(res.headers["x-request-id"], bad);
        assert.match(res.headers["x-request-id"], /^[0-9a-f-]{36}$/, bad);
      }
      const max = "y".repeat(100);
      assert.equal((await http.get("/healthz").set("X-Request-Id", max)).headers["x-request-id"], max);
    });
  });

  describe("access log", () => {
    it("writes one JSON line per request with method, route pattern, status, duration and request id", async () => {
      const created = await http.post("/scim/v2/Users").set(auth(key)).set("Content-Type", SCIM).send(user("Log.Person"));
      assert.equal(created.status, 201);
      const res = await http.get(`/scim/v2/Users/${created.body.id}?attributes=userName`).set(auth(key)).set("X-Request-Id", "trace-me-1");
      assert.equal(res.status, 200);
      const found = logs.lines.filter((l) => l.reqId === "trace-me-1");
      assert.equal(found.length, 1, "exactly one line for the request");
      const line = found[0]!;
      assert.equal(line.msg, "request");
      assert.equal(line.level, "info");
      assert.equal(line.method, "GET");
      assert.equal(line.route, "/scim/v2/Users/:id");
      assert.equal(line.status, 200);
      assert.equal(typeof line.durationMs, "number");
      assert.ok(line.durationMs >= 0);
    });

    it("never contains the Authorization header, the API key, bodies, query strings or raw ids", async () => {
      const secret = "Very.Secret.Body.Value";
      const before = logs.raw.length;
      const created = await http.post("/scim/v2/Users").set(auth(key)).send(user(secret));
      await http.get(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${secret}"`)}`).set(auth(key));
      await http.get(`/scim/v2/Users/${created.body.id}`).set(auth(key));
      await http.get("/scim/v2/Users").set({ Authorization: "Bearer not-a-real-key-0123456789" });
      const text = logs.raw.slice(before).join("\n");
      assert.ok(logs.raw.length - before >= 4);
      assert.ok(!text.includes(key), "the API key is not logged");
      assert.ok(!/authorization|bearer/i.test(text), "no Authorization header");
      assert.ok(!text.includes("not-a-real-key"), "not even a wrong key");
      assert.ok(!text.includes(secret), "no request or response bodies, no query strings");
      assert.ok(!text.includes(created.body.id), "route patterns, not raw ids");
    });

    it("logs unexpected errors through pino with the request id (and still hands them to opts.log)", async () => {
      const lines = captureLogs();
      const seen: unknown[] = [];
      // A failing database is the simplest way to force a 5xx from inside a route.
      const db = new Proxy(store.db, { get(target, prop) {
        if (prop === "selectFrom") return () => { throw new Error("database exploded"); };
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      } });
      const broken = { ...store, db } as TestStore;
      const brokenApp = createApp(broken, config(), { logger: createLogger("info", lines.stream), log: (m, e) => seen.push([m, e]) });
      // The list query fails (the key lookup is a compiled query and passes): an unexpected error inside a SCIM request.
      const res = await supertest(brokenApp).get("/scim/v2/Users").set(auth(key)).set("X-Request-Id", "boom-1");
      assert.equal(res.status, 500);
      assert.ok(!res.text.includes("exploded"), "5xx details are never sent");
      assert.equal(seen.length, 1);
      const err = lines.lines.find((l) => l.level === "error" && l.reqId === "boom-1");
      assert.ok(err, JSON.stringify(lines.lines));
      assert.match(err.err.message, /database exploded/);
      const access = lines.lines.find((l) => l.msg === "request" && l.reqId === "boom-1");
      assert.equal(access?.status, 500);
    });

    it("is silent with `logger: false`", async () => {
      const app = createApp(store, config(), { logger: false });
      assert.equal((await supertest(app).get("/healthz")).status, 200);
    });
  });

  describe("/metrics", () => {
    it("serves Prometheus text with a duration histogram per route pattern and status, never raw ids", async () => {
      const created = await http.post("/scim/v2/Users").set(auth(key)).send(user("Metric.Person"));
      await http.get(`/scim/v2/Users/${created.body.id}`).set(auth(key)).expect(200);
      await http.get("/scim/v2/Users/00000000-0000-0000-0000-000000000000").set(auth(key)).expect(404);
      const res = await http.get("/metrics");
      assert.equal(res.status, 200);
      assert.match(res.headers["content-type"], /^text\/plain/);
      const text = res.text;
      assert.match(text, /# TYPE rollcall_http_request_duration_seconds histogram/);
      assert.match(text, /rollcall_http_request_duration_seconds_bucket\{[^}]*method="GET",route="\/scim\/v2\/Users\/:id",status="200"[^}]*\} [1-9]/);
      assert.match(text, /rollcall_http_request_duration_seconds_count\{method="GET",route="\/scim\/v2\/Users\/:id",status="404"\} [1-9]/);
      assert.match(text, /rollcall_http_request_duration_seconds_count\{method="POST",route="\/scim\/v2\/Users",status="201"\} [1-9]/);
      assert.ok(!text.includes(created.body.id));
      assert.ok(!text.includes("00000000-0000"));
    });

    it("counts SCIM operations by resource and outcome", async () => {
      const count = async (labels: string) => {
        const m = new RegExp(`rollcall_scim_operations_total\\{${labels}\\} (\\d+)`).exec((await http.get("/metrics")).text);
        return m ? Number(m[1]) : 0;
      };
      const ok = 'resource="Users",method="GET",outcome="success"';
      const bad = 'resource="Groups",method="GET",outcome="client_error"';
      const [ok0, bad0] = [await count(ok), await count(bad)];
      await http.get("/scim/v2/Users").set(auth(key)).expect(200);
      await http.get("/scim/v2/Users?count=1").set(auth(key)).expect(200);
      await http.get(`/scim/v2/Groups?filter=${encodeURIComponent('nope eq "x"')}`).set(auth(key)).expect(400);
      assert.equal(await count(ok), ok0 + 2);
      assert.equal(await count(bad), bad0 + 1);
    });

    it("reports the database pool state", async () => {
      const text = (await http.get("/metrics")).text;
      const total = Number(/^rollcall_db_pool_total_connections (\d+)$/m.exec(text)?.[1]);
      assert.ok(total >= 1, text);
      assert.match(text, /^rollcall_db_pool_idle_connections \d+$/m);
      assert.match(text, /^rollcall_db_pool_waiting_clients \d+$/m);
      if (store.dialect === "sqlite") assert.match(text, /^rollcall_db_pool_waiting_clients 0$/m);
    });

    it("keeps one registry per app: a second app starts from zero", async () => {
      const other = supertest(createApp(store, config(), { logger: false }));
      const text = (await other.get("/metrics")).text;
      assert.ok(!/route="\/scim\/v2\/Users\/:id"/.test(text));
    });

    it("requires METRICS_TOKEN as a Bearer when it is set", async () => {
      const guarded = supertest(createApp(store, config({ metricsToken: "metrics-secret-token" }), { logger: false }));
      const none = await guarded.get("/metrics");
      assert.equal(none.status, 401);
      assert.match(none.headers["www-authenticate"], /^Bearer/);
      assert.equal((await guarded.get("/metrics").set("Authorization", "Bearer wrong")).status, 401);
      assert.equal((await guarded.get("/metrics").set("Authorization", `Bearer ${key}`)).status, 401);
      const ok = await guarded.get("/metrics").set("Authorization", "Bearer metrics-secret-token");
      assert.equal(ok.status, 200);
      assert.match(ok.text, /rollcall_http_request_duration_seconds/);
      assert.equal((await guarded.get("/healthz")).status, 200, "probes stay open");
    });
  });
});
