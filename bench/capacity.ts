/**
 * `npx tsx bench/capacity.ts`: the per-instance numbers of docs/capacity.md, on a database that is
 * already seeded (bench/sizes.ts with `DATABASE_URL=sqlite:PATH`, or with `BENCH_PG_SCHEMA=name` on
 * PostgreSQL: both keep their data). It takes the org with the most members and its biggest team,
 * creates a fresh API key, starts the compiled server (dist/bench/server.js, built when stale) with
 * `npm start`'s V8 flags, and measures:
 *  - idle RSS (before the first SCIM request);
 *  - hot paths with autocannon (CAP_CONNECTIONS, default 8, for CAP_SECONDS, default 10): GET by id,
 *    filter userName eq, the first page of 100 /Users, PATCH add one member to the biggest team and
 *    remove it again — req/s, and requests per CPU-second of the server process (and, on PostgreSQL,
 *    of the server plus this database's backends), so a shared machine's load does not hide the cost;
 *  - a full walk by cursor (count=1000) with the server's peak RSS (CAP_WALK=0 skips it).
 * Every response must be 2xx; the team must hold exactly the added members afterwards and none after
 * the removals. Prints JSON (stdout) and a markdown table (stderr) with the load average of each row.
 */
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";
import { sql } from "kysely";
import { openDatabase, type Store } from "../db/connect.ts";
import { createOrgKey } from "../src/org/orgs/orgs.ts";
import { Client } from "./client.ts";
import type { ServerMessage } from "./server.ts";
import { walk } from "./walk.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (m: string) => console.error(m);
const PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/** the flags `npm start` gives node (package.json); the server under test gets the same */
const START_FLAGS = (process.env.CAP_NODE_FLAGS ?? "--max-semi-space-size=2").split(" ").filter(Boolean);

const loadavg = () => os.loadavg().map((x) => x.toFixed(1)).join(" / ");
const mb = (b: number) => Math.round(b / 1048576);

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return 0; // the process is gone
  }
}

async function backendPids(store: Store): Promise<number[]> {
  if (store.dialect !== "postgres") return [];
  const r = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(store.db);
  return r.rows.map((x) => Number(x.pid));
}

interface Row { path: string; connections: number; seconds: number; requests: number; reqPerSec: number; perServerCpuSecond: number; perTotalCpuSecond?: number;
  serverCpuShare: number; p50: number; p99: number; bad: number; loadavg: string }

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || "";
  const pgSchema = process.env.BENCH_PG_SCHEMA || undefined;
  if (!url) throw new Error("set DATABASE_URL (sqlite:PATH or postgres://…, with BENCH_PG_SCHEMA) to a database seeded by bench/sizes.ts");
  const seconds = Number(process.env.CAP_SECONDS ?? 10);
  const connections = Number(process.env.CAP_CONNECTIONS ?? 8);
  const store = openDatabase(url, pgSchema ? { pgSchema } : {});
  const k = store.db;
  const big = await k.selectFrom("members").select(["org_id", sql<number>`count(*)`.as("n")]).groupBy("org_id").orderBy(sql`count(*)`, "desc").limit(1).executeTakeFirstOrThrow();
  const orgId = big.org_id;
  const members = Number(big.n);
  const org = await k.selectFrom("orgs").select("name").where("id", "=", orgId).executeTakeFirstOrThrow();
  const team = await k.selectFrom("team_members").select(["team_id", sql<number>`count(*)`.as("n")]).where("org_id", "=", orgId).groupBy("team_id")
    .orderBy(sql`count(*)`, "desc").limit(1).executeTakeFirstOrThrow();
  const sample = await k.selectFrom("members").select(["id", "user_name"]).where("org_id", "=", orgId).orderBy("id").limit(2000).execute();
  const outside = await k.selectFrom("members").select("id").where("org_id", "=", orgId)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom("team_members").select("member_id").whereRef("team_members.member_id", "=", "members.id").where("team_members.team_id", "=", team.team_id))))
    .limit(5000).execute();
  const key = (await createOrgKey(k, org.name, "capacity bench")).key;
  const dbSize = store.dialect === "sqlite" ? fs.statSync(url.slice("sqlite:".length)).size
    : Number((await sql<{ b: string }>`select sum(pg_total_relation_size(c.oid)) as b from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${pgSchema ?? "public"} and c.relkind = 'r'`.execute(k)).rows[0]!.b);
  await store.close();
  log(`${store.describe}: org with ${members.toLocaleString("en-US")} members, team of ${Number(team.n).toLocaleString("en-US")}, ${outside.length} members outside it; ${mb(dbSize)} MB`);

  const build = spawnSync(process.execPath, [path.join(here, "../scripts/build-if-stale.mjs")], { stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
  const child: ChildProcess = fork(path.join(here, "../dist/bench/server.js"), [], {
    execArgv: START_FLAGS,
    env: { ...process.env, NODE_ENV: "production", BENCH_SERVER_DB: url, BENCH_SERVER_PG_SCHEMA: pgSchema ?? "", BENCH_LOG_LEVEL: process.env.BENCH_LOG_LEVEL || "info" },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  const next = <T extends ServerMessage["type"]>(type: T) => new Promise<Extract<ServerMessage, { type: T }>>((resolve, reject) => {
    const onMsg = (m: ServerMessage) => { if (m.type === type) { child.off("exit", onExit); child.off("message", onMsg); resolve(m as any); } };
    const onExit = (code: number | null) => reject(new Error(`bench server exited (code ${code})`));
    child.on("message", onMsg);
    child.once("exit", onExit);
  });
  const ask = <T extends ServerMessage["type"]>(type: T) => { const p = next(type); child.send({ type }); return p; };
  const ready = await next("ready");
  const port = ready.app;
  await new Promise((r) => setTimeout(r, 2000));
  const idle = await ask("window");
  const headers = { Authorization: `Bearer ${key}`, Accept: "application/scim+json" };

  // The PostgreSQL backends this run's server uses (its pool), to add their CPU to the server's.
  const probe = openDatabase(url, pgSchema ? { pgSchema, pgPoolSize: 1 } : {});
  const rows: Row[] = [];
  let i = 0;
  const pick = () => sample[(i++ * 7919) % sample.length]!;
  const run = async (name: string, method: string, reqPath: () => string, body?: () => string, amount?: number): Promise<Row> => {
    const opts = (o: Partial<autocannon.Options>) => autocannon({ url: `http://127.0.0.1:${port}`, connections, headers: body ? { ...headers, "Content-Type": "application/scim+json" } : headers,
      requests: [{ method, setupRequest: (req) => ({ ...req, path: reqPath(), ...(body ? { body: body() } : {}) }) }], ...o });
    if (!amount) await opts({ duration: 1 }); // warm-up, not measured
    const pids = await backendPids(probe);
    const cpu0 = cpuSeconds(child.pid!);
    const db0 = pids.reduce((s, p) => s + cpuSeconds(p), 0);
    const t0 = performance.now();
    const r = await opts(amount ? { amount } : { duration: seconds });
    const wall = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(child.pid!) - cpu0;
    const dbCpu = pids.reduce((s, p) => s + cpuSeconds(p), 0) - db0;
    const row: Row = { path: name, connections, seconds: wall, requests: r.requests.total, reqPerSec: r.requests.total / wall, perServerCpuSecond: r.requests.total / cpu,
      ...(store.dialect === "postgres" ? { perTotalCpuSecond: r.requests.total / (cpu + dbCpu) } : {}),
      serverCpuShare: cpu / wall, p50: r.latency.p50, p99: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts, loadavg: loadavg() };
    log(`  ${name}: ${row.reqPerSec.toFixed(0)} req/s, ${row.perServerCpuSecond.toFixed(0)} per server CPU-s${row.perTotalCpuSecond ? `, ${row.perTotalCpuSecond.toFixed(0)} per server+PostgreSQL CPU-s` : ""}, bad ${row.bad}, load ${row.loadavg}`);
    rows.push(row);
    return row;
  };

  await run("GET /Users/{id}", "GET", () => `/scim/v2/Users/${pick().id}`);
  await run("GET /Users?filter=userName eq", "GET", () => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${pick().user_name}"`)}`);
  await run("GET /Users?count=100 (first page)", "GET", () => "/scim/v2/Users?count=100");
  const groupPath = `/scim/v2/Groups/${team.team_id}`;
  let a = 0;
  let d = 0;
  const n = Math.min(outside.length, 3000);
  await run(`PATCH /Groups add 1 member (team of ${Number(team.n).toLocaleString("en-US")})`, "PATCH", () => groupPath,
    () => JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: "add", path: "members", value: [{ value: outside[a++ % n]!.id }] }] }), n);
  const ids = outside.slice(0, n).map((m) => m.id);
  const countIn = async () => Number((await probe.db.selectFrom("team_members").select(sql<number>`count(*)`.as("c")).where("team_id", "=", team.team_id)
    .where("member_id", "in", ids).executeTakeFirstOrThrow()).c);
  const added = await countIn();
  await run(`PATCH /Groups remove 1 member (team of ${Number(team.n).toLocaleString("en-US")})`, "PATCH", () => groupPath,
    () => JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: "remove", path: `members[value eq "${outside[d++ % n]!.id}"]` }] }), n);
  const left = await countIn();
  const problems: string[] = [];
  if (added !== n) problems.push(`after ${n} adds the team holds ${added} of them`);
  if (left !== 0) problems.push(`after ${n} removals the team still holds ${left} of them`);
  for (const r of rows) if (r.bad) problems.push(`${r.path}: ${r.bad} responses were not 2xx`);
  await probe.close();
  const latencyPeak = await ask("window");

  let walked: Awaited<ReturnType<typeof walk>> | undefined;
  if (process.env.CAP_WALK !== "0") {
    const client = new Client(headers);
    const before = await ask("window");
    log(`  cursor walk of ${members.toLocaleString("en-US")} members, RSS at start ${mb(before.rssBytes)} MB …`);
    walked = await walk(client, port, "cursor", 1000, Number(process.env.CAP_WALK_SECONDS ?? 900) * 1000, (m) => log(m));
    const during = await ask("window");
    walked.rssStartMb = before.rssBytes / 1048576;
    walked.peakRssMb = during.peakRssBytes / 1048576;
    client.close();
    if (walked.errors) problems.push(...walked.errorSamples);
    log(`  walked ${walked.users.toLocaleString("en-US")} in ${walked.seconds.toFixed(0)} s, RSS ${walked.rssStartMb.toFixed(0)} → peak ${walked.peakRssMb.toFixed(0)} MB, load ${loadavg()}`);
  }
  child.send({ type: "stop" });
  const report = {
    at: new Date().toISOString(), database: store.dialect, describe: store.describe, members, teamSize: Number(team.n), databaseBytes: dbSize,
    nodeFlags: START_FLAGS, cpus: os.cpus().length, idleRssMb: idle.rssBytes / 1048576, peakRssThroughHotPathsMb: latencyPeak.peakRssBytes / 1048576,
    rows, walk: walked && { users: walked.users, seconds: walked.seconds, p50: walked.p50, p99: walked.p99, rssStartMb: walked.rssStartMb, peakRssMb: walked.peakRssMb, capped: walked.capped },
    loadavgAtEnd: loadavg(), problems,
  };
  console.log(JSON.stringify(report, null, 2));
  log(`\n| ${store.dialect}, ${members.toLocaleString("en-US")} members | req/s (${connections} conns) | per server CPU-s | per server+DB CPU-s | p50 / p99 ms | load avg (1/5/15 min) |`);
  for (const r of rows) log(`| ${r.path} | ${r.reqPerSec.toFixed(0)} | ${r.perServerCpuSecond.toFixed(0)} | ${r.perTotalCpuSecond?.toFixed(0) ?? "—"} | ${r.p50} / ${r.p99} | ${r.loadavg} |`);
  log(`idle RSS ${report.idleRssMb.toFixed(0)} MB, peak through the hot paths ${report.peakRssThroughHotPathsMb.toFixed(0)} MB${walked ? `, cursor walk peak ${walked.peakRssMb!.toFixed(0)} MB` : ""}`);
  if (problems.length) { log(`PROBLEMS:\n  ${problems.join("\n  ")}`); process.exitCode = 1; }
}

main().catch((err) => { console.error(err); process.exit(1); });
