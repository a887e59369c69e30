/**
 * `npm start` as production runs it: its prestart builds dist/ when stale, then plain `node` runs the
 * compiled server (no tsx). It answers the probes, serves SCIM and the lazily loaded admin API and
 * console, stays within the idle memory goal of issue 13 (≤ 90 MB RSS, docs/capacity.md) and ends
 * cleanly on SIGTERM. One start, shared by the checks (a build can take a minute on a busy machine).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { emptyDatabaseUrl } from "./support/store.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const IDLE_RSS_GOAL_MB = 90;
/** the node flags of package.json's start script (`node <flags> dist/src/server.js`) */
const START_FLAGS = (/\bnode ((?:--\S+ )*)dist\/src\/server\.js/.exec(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts.start)?.[1] ?? "")
  .split(" ").filter(Boolean);

/** Processes below `pid` (Linux /proc), with their command lines. */
function descendants(pid: number): { pid: number; cmd: string[] }[] {
  const all = fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map((d) => {
    try {
      const ppid = Number(fs.readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1]!.split(" ")[1]);
      return { pid: Number(d), ppid, cmd: fs.readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0").filter(Boolean) };
    } catch {
      return undefined; // ended meanwhile
    }
  }).filter((p) => p !== undefined);
  const out: { pid: number; cmd: string[] }[] = [];
  const walk = (p: number) => { for (const c of all) if (c.ppid === p) { out.push(c); walk(c.pid); } };
  walk(pid);
  return out;
}

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;

describe("npm start runs the compiled server under plain node", function () {
  this.timeout(300_000);
  let child: ChildProcess;
  let out = "";
  let port = 0;
  let db: { url: string; cleanup(): Promise<void> };
  let exited: Promise<number | null>;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollcall-start-"));

  before(async () => {
    db = /^postgres(ql)?:/.test(process.env.DATABASE_URL ?? "") ? await emptyDatabaseUrl("start") : { url: `sqlite:${path.join(dir, "r.db")}`, cleanup: async () => {} };
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", ROLLCALL_BASE_URL: "http://localhost", LOG_LEVEL: "warn" };
    delete env.NODE_ENV; // npm start sets production itself
    for (const k of ["ROLLCALL_BOOTSTRAP_KEY", "ROLLCALL_ORG_NAME", "npm_lifecycle_event"]) delete env[k];
    // its own process group: SIGTERM reaches npm, its shell and node alike
    child = spawn("npm", ["start", "--silent"], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    port = await new Promise<number>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      void exited.then((code) => reject(new Error(`npm start exited (${code}) before listening:\n${out}`)));
    });
  });

  after(async () => {
    if (child.exitCode === null) {
      process.kill(-child.pid!, "SIGKILL");
      await exited;
    }
    await db.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** the process given dist/src/server.js as its own argument (the shell npm starts has it inside its script) */
  const serverProcess = () => descendants(child.pid!).find((p) => p.cmd.some((a) => a.endsWith("dist/src/server.js") && !a.includes(" ")));

  it("is node running dist/src/server.js, not tsx", () => {
    const server = serverProcess();
    assert.ok(server, `no process runs dist/src/server.js under npm start:\n${JSON.stringify(descendants(child.pid!))}`);
    assert.match(path.basename(server.cmd[0]!), /^node/);
    assert.ok(!server.cmd.some((a) => /tsx/.test(a)), `the server runs through tsx: ${server.cmd.join(" ")}`);
  });

  it("answers the probes, SCIM, the admin API and the console", async () => {
    const get = (p: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${port}${p}`, { headers: { host: "localhost", ...headers } });
    const health = await get("/healthz");
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    const ready = await get("/readyz");
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, "ready");
    assert.equal((await get("/scim/v2/Users")).status, 401); // no key
    const openapi = await get("/api/v1/openapi.json");
    assert.equal(openapi.status, 200);
    assert.equal(typeof ((await openapi.json()) as { openapi?: string }).openapi, "string");
    const login = await get("/admin/login");
    assert.equal(login.status, 200);
    assert.match(login.headers.get("content-type") ?? "", /text\/html/);
  });

  it(`stays within ${IDLE_RSS_GOAL_MB} MB of RSS at idle`, async () => {
    // Measured on a fresh start: the earlier check loaded the admin API and console, so start a second server.
    const second = spawn(process.execPath, [...START_FLAGS, path.join(ROOT, "dist/src/server.js")], {
      cwd: dir, env: { ...process.env, NODE_ENV: "production", DATABASE_URL: db.url, PORT: "0", HOST: "127.0.0.1", ROLLCALL_BASE_URL: "http://localhost", LOG_LEVEL: "warn" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let text = "";
      const secondPort = await new Promise<number>((resolve, reject) => {
        const onData = (d: Buffer) => { text += d.toString(); const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(text); if (m) resolve(Number(m[1])); };
        second.stdout!.on("data", onData);
        second.stderr!.on("data", onData);
        second.on("exit", (code) => reject(new Error(`second server exited (${code}):\n${text}`)));
      });
      assert.equal((await fetch(`http://127.0.0.1:${secondPort}/healthz`)).status, 200);
      await new Promise((r) => setTimeout(r, 2000));
      const rss = rssMb(second.pid!);
      assert.ok(rss <= IDLE_RSS_GOAL_MB, `idle RSS ${rss.toFixed(0)} MB, goal ≤ ${IDLE_RSS_GOAL_MB} MB`);
    } finally {
      second.kill("SIGTERM");
      await new Promise((r) => second.once("exit", r));
    }
  });

  it("ends cleanly on SIGTERM", async () => {
    // as an orchestrator stops it; npm start then exits with the server's status
    process.kill(serverProcess()!.pid, "SIGTERM");
    assert.equal(await exited, 0);
    assert.match(out, /SIGTERM: finishing in-flight requests/);
  });
});
