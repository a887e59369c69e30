/**
 * `npm start` as a real process: first start on an empty folder (SQLite at ./data/rollcall.db,
 * migrations, default org, key printed once), restarts, ROLLCALL_BOOTSTRAP_KEY, and SIGTERM
 * draining in-flight requests. Each start spawns tsx (~1 s), so starts are few and shared.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openDatabase, type Store } from "../db/connect.ts";
import { emptyDatabaseUrl } from "./support/store.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const SERVER = path.join(ROOT, "src", "server.ts");
const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
const KEY_RE = /\brc_[A-Za-z0-9_-]{43}\b/g;
const PG = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "");

interface Running {
  child: ChildProcess;
  port: number;
  /** stdout + stderr so far */
  output(): string;
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit status and how long the exit took */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

const running = new Set<ChildProcess>();

/** Starts `tsx src/server.ts` in `cwd` with PORT=0, HOST=127.0.0.1 and `env` (DATABASE_URL only when given). */
async function startServer(cwd: string, env: Record<string, string | undefined> = {}): Promise<Running> {
  const base = { ...process.env };
  for (const k of ["DATABASE_URL", "ROLLCALL_BOOTSTRAP_KEY", "ROLLCALL_ORG_NAME", "PORT", "HOST"]) delete base[k];
  const childEnv: NodeJS.ProcessEnv = { ...base, PORT: "0", HOST: "127.0.0.1" };
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  const child = spawn(TSX, [SERVER], { cwd, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  running.add(child);
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => { out += d.toString(); for (const l of listeners) l(); };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => { running.delete(child); for (const l of listeners) l(); resolve({ code, signal }); }));
  let done = false;
  void exited.then(() => { done = true; });
  const waitFor = (re: RegExp, ms = 15_000) => new Promise<RegExpMatchArray>((resolve, reject) => {
    const check = () => {
      const m = out.match(re);
      if (m) { listeners.delete(check); clearTimeout(timer); resolve(m); }
      else if (done || child.exitCode !== null) { listeners.delete(check); clearTimeout(timer); reject(new Error(`server exited before printing ${re}; output:\n${out}`)); }
    };
    const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`timed out waiting for ${re}; output:\n${out}`)); }, ms);
    listeners.add(check);
    check();
  });
  const port = Number((await waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
  return {
    child, port, waitFor, exited,
    output: () => out,
    async stop() {
      const t0 = Date.now();
      child.kill("SIGTERM");
      const r = await exited;
      return { ...r, ms: Date.now() - t0 };
    },
  };
}

/** One request; resolves with status, headers and body text. */
function request(port: number, method: string, p: string, key: string, body?: unknown, agent?: http.Agent) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({
      host: "127.0.0.1", port, method, path: p, agent: agent ?? false,
      headers: { authorization: `Bearer ${key}`, ...(data ? { "content-type": "application/scim+json", "content-length": Buffer.byteLength(data) } : {}) },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => { text += d; });
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on("error", reject);
    req.end(data);
  });
}

const tmpDirs: string[] = [];
function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollcall-server-"));
  tmpDirs.push(dir);
  return dir;
}

/** Every file of the SQLite database (main, WAL, shared memory) as one buffer. */
function sqliteBytes(file: string): Buffer {
  return Buffer.concat([file, `${file}-wal`, `${file}-shm`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}

after(async () => {
  // A test that failed midway leaves its server running. SIGTERM first: tsx relays it to the
  // node process it started, where SIGKILL to tsx would orphan that process (and hang mocha).
  await Promise.all([...running].map((c) => new Promise<void>((resolve) => {
    const kill = setTimeout(() => c.kill("SIGKILL"), 5_000);
    c.once("exit", () => { clearTimeout(kill); resolve(); });
    c.kill("SIGTERM");
  })));
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("npm start on an empty folder (DATABASE_URL unset)", () => {
  const dir = tmpDir();
  const dbFile = path.join(dir, "data", "rollcall.db");
  let firstKey = "";

  it("creates ./data/rollcall.db, migrates, creates org \"default\", prints a working key once; stores only its hash", async () => {
    assert.deepEqual(fs.readdirSync(dir), []);
    const s = await startServer(dir);
    const out = s.output();
    const keys = out.match(KEY_RE) ?? [];
    assert.equal(keys.length, 1, `exactly one key printed:\n${out}`);
    firstKey = keys[0]!;
    assert.match(out, /applied migrations 0001-init/);
    assert.match(out, /created organization "default"/);
    assert.ok(fs.existsSync(dbFile), "the database is ./data/rollcall.db relative to the working directory");

    const ok = await request(s.port, "GET", "/scim/v2/Users", firstKey);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(JSON.parse(ok.body).totalResults, 0);
    assert.equal((await request(s.port, "GET", "/scim/v2/Users", "rc_not-a-real-key-at-all-000000")).status, 401);

    const exit = await s.stop();
    assert.deepEqual([exit.code, exit.signal], [0, null], s.output());

    const store = openDatabase(`sqlite:${dbFile}`);
    try {
      const orgs = await store.db.selectFrom("orgs").select(["id", "name"]).execute();
      assert.deepEqual(orgs.map((o) => o.name), ["default"]);
      const rows = await store.db.selectFrom("api_keys").select(["hash", "prefix", "org_id"]).execute();
      assert.equal(rows.length, 1);
      assert.notEqual(rows[0]!.hash, firstKey);
      assert.equal(rows[0]!.hash, crypto.createHash("sha256").update(firstKey).digest("hex"));
      assert.equal(rows[0]!.org_id, orgs[0]!.id);
    } finally {
      await store.close();
    }
    assert.ok(!sqliteBytes(dbFile).includes(firstKey), "the key string appears nowhere in the database files");
  });

  it("a second start on the same folder prints no key, creates no org, and the first key still works", async () => {
    assert.ok(firstKey, "needs the first test");
    const s = await startServer(dir);
    const out = s.output();
    assert.equal(out.match(KEY_RE), null, out);
    assert.doesNotMatch(out, /created organization|API key/);
    assert.equal((await request(s.port, "GET", "/scim/v2/Users", firstKey)).status, 200);
    const exit = await s.stop();
    assert.equal(exit.code, 0, s.output());

    const store = openDatabase(`sqlite:${dbFile}`);
    try {
      assert.equal((await store.db.selectFrom("orgs").select("id").execute()).length, 1);
      assert.equal((await store.db.selectFrom("api_keys").select("id").execute()).length, 1);
    } finally {
      await store.close();
    }
  });
});

describe("npm start with ROLLCALL_BOOTSTRAP_KEY and ROLLCALL_ORG_NAME", () => {
  it("uses the preset value as the key, never prints it, stores only its hash", async () => {
    const dir = tmpDir();
    const preset = `preset-${crypto.randomBytes(12).toString("hex")}`;
    const s = await startServer(dir, { ROLLCALL_BOOTSTRAP_KEY: preset, ROLLCALL_ORG_NAME: "Initech" });
    const out = s.output();
    assert.match(out, /created organization "Initech"/);
    assert.match(out, /ROLLCALL_BOOTSTRAP_KEY/);
    assert.ok(!out.includes(preset), `the preset key is not printed:\n${out}`);
    assert.equal(out.match(KEY_RE), null, "no generated key is printed either");
    assert.equal((await request(s.port, "GET", "/scim/v2/Users", preset)).status, 200);
    assert.equal((await request(s.port, "GET", "/scim/v2/Users", `${preset}x`)).status, 401);
    assert.equal((await s.stop()).code, 0, s.output());
    const dbFile = path.join(dir, "data", "rollcall.db");
    const store = openDatabase(`sqlite:${dbFile}`);
    try {
      const orgs = await store.db.selectFrom("orgs").select("name").execute();
      assert.deepEqual(orgs.map((o) => o.name), ["Initech"]);
      const [row] = await store.db.selectFrom("api_keys").select("hash").execute();
      assert.equal(row!.hash, crypto.createHash("sha256").update(preset).digest("hex"));
    } finally {
      await store.close();
    }
    assert.ok(!sqliteBytes(dbFile).includes(preset), "the preset key appears nowhere in the database files");
  });
});

describe(`SIGTERM (${PG ? "PostgreSQL" : "SQLite"})`, () => {
  let url = "";
  let cleanup = async () => {};
  before(async () => {
    ({ url, cleanup } = await emptyDatabaseUrl("sigterm"));
  });
  after(async () => { await cleanup(); });

  it("lets an in-flight POST /Users finish (201, then in the database) and exits 0 promptly despite keep-alive clients", async () => {
    const key = `sigterm-key-${crypto.randomBytes(8).toString("hex")}`;
    const s = await startServer(tmpDir(), { DATABASE_URL: url, ROLLCALL_BOOTSTRAP_KEY: key });

    // An idle keep-alive connection that must not hold the process open.
    const idleAgent = new http.Agent({ keepAlive: true });
    const warm = await request(s.port, "GET", "/scim/v2/Users", key, undefined, idleAgent);
    assert.equal(warm.status, 200);
    assert.equal(warm.headers.connection, "keep-alive");

    // The in-flight request: `Expect: 100-continue` makes the server confirm it has parsed the
    // request (and is waiting for the body) before SIGTERM is sent; the body goes after the
    // server has logged the signal. No sleeps, no races.
    const agent = new http.Agent({ keepAlive: true });
    const body = JSON.stringify({ schemas: [USER_URN], userName: "in.flight@example.com", name: { givenName: "In", familyName: "Flight" } });
    const req = http.request({
      host: "127.0.0.1", port: s.port, method: "POST", path: "/scim/v2/Users", agent,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/scim+json", "content-length": Buffer.byteLength(body), expect: "100-continue" },
    });
    const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      req.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => { text += d; });
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
      });
      req.on("error", reject);
    });
    req.flushHeaders();
    await new Promise<void>((resolve) => req.once("continue", () => resolve()));

    const t0 = Date.now();
    s.child.kill("SIGTERM");
    await s.waitFor(/SIGTERM: finishing in-flight requests/);
    req.end(body);

    const res = await response;
    assert.equal(res.status, 201, res.body);
    assert.equal(res.headers.connection, "close", "a response finished while stopping ends its connection");
    const created = JSON.parse(res.body) as { id: string; userName: string };
    assert.equal(created.userName, "in.flight@example.com");

    const exit = await s.exited;
    const ms = Date.now() - t0;
    assert.deepEqual([exit.code, exit.signal], [0, null], s.output());
    assert.ok(ms < 5_000, `exited ${ms} ms after SIGTERM (keep-alive connections must not delay it)`);
    idleAgent.destroy();
    agent.destroy();

    const store: Store = openDatabase(url, { pgPoolSize: 1 });
    try {
      const row = await store.db.selectFrom("members").select(["id", "user_name"]).where("id", "=", created.id).executeTakeFirst();
      assert.equal(row?.user_name, "in.flight@example.com");
    } finally {
      await store.close();
    }
  });
});
