/**
 * `npm run bench`: seeds an org with N members by direct SQL, starts the real
 * app and a bare Express floor in a child process, and measures latency
 * (sequential, 1 connection) and throughput (autocannon) of the SCIM hot
 * paths. Writes bench/results/latest.{json,md}; exits non-zero when any
 * response had the wrong status or body. Options: see bench/options.ts or
 * `npm run bench -- --help`.
 */
import { fork, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client, runAutocannon, runInterleaved, type LatencyResult, type Req, type ThroughputResult } from "./client.ts";
import { openBenchDatabase, type BenchDatabase } from "./database.ts";
import { readOptions, rng } from "./options.ts";
import { toMarkdown, type Ratio, type Report } from "./report.ts";
import { seed, type Seeded } from "./seed.ts";
import type { ServerMessage } from "./server.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (msg: string) => console.error(msg);
const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Server {
  child: ChildProcess;
  app: number;
  bare: number;
  stats(): Promise<Extract<ServerMessage, { type: "stats" }>>;
  stop(): Promise<void>;
}

function startServer(db: BenchDatabase): Promise<Server> {
  const child = fork(path.join(here, "server.ts"), [], {
    env: { ...process.env, BENCH_SERVER_DB: db.url, BENCH_SERVER_PG_SCHEMA: db.pgSchema ?? "" },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = <T extends ServerMessage["type"]>(type: T) =>
    new Promise<Extract<ServerMessage, { type: T }>>((resolve, reject) => {
      const onMsg = (m: ServerMessage) => { if (m.type === type) { cleanup(); resolve(m as any); } };
      const onExit = (code: number | null) => { cleanup(); reject(new Error(`bench server exited (code ${code}) before "${type}"`)); };
      const cleanup = () => { child.off("message", onMsg); child.off("exit", onExit); };
      child.on("message", onMsg);
      child.once("exit", onExit);
    });
  return next("ready").then((ready) => ({
    child, app: ready.app, bare: ready.bare,
    stats: () => { const p = next("stats"); child.send({ type: "stats" }); return p; },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => { clearTimeout(timer); resolve(); });
      child.send({ type: "stop" });
    }),
  }));
}

const parse = (body: string): any => { try { return JSON.parse(body); } catch { return null; } };

async function main(): Promise<number> {
  const opts = readOptions();
  const started = Date.now();
  const random = rng(opts.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)];
  const perPatch = opts.warmup + opts.requests;
  const spareCount = 2 * perPatch;

  log(`Rollcall bench: ${opts.users.toLocaleString("en-US")} users, database ${opts.databaseUrl ? opts.databaseUrl.replace(/:[^:@/]*@/, ":***@") : "fresh SQLite file (temp dir)"}`);
  const db = await openBenchDatabase(opts.databaseUrl);
  let server: Server | undefined;
  const onSignal = () => { void server?.stop(); void db.dispose().finally(() => process.exit(130)); };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`Seeding by direct SQL (multi-row INSERTs, one transaction per ${opts.batch.toLocaleString("en-US")} members; not through the API): ${opts.users.toLocaleString("en-US")} members + ${spareCount} spare members …`);
    const seeded: Seeded = await seed(db.store, opts.users, spareCount, opts.batch, log);
    log(`  done in ${seeded.seconds.toFixed(1)} s (${seeded.rowsInserted.toLocaleString("en-US")} rows)`);
    await db.store.close(); // the server process opens its own connection(s)

    server = await startServer(db);
    log(`App on 127.0.0.1:${server.app}, bare Express on 127.0.0.1:${server.bare} (child process ${server.child.pid})`);
    const headers = { Authorization: `Bearer ${seeded.apiKey}`, Accept: "application/scim+json" };
    const client = new Client(headers);
    const { app, bare } = server;
    const members = seeded.members;

    // A wrong key would make every request a 401: fail fast, before measuring anything.
    const probe = await client.send(app, { method: "GET", path: `/scim/v2/Users/${members[0].id}`, expect: 200 });
    if (probe.status !== 200) throw new Error(`probe GET /Users/{id} → ${probe.status}: ${probe.body.slice(0, 300)}`);

    const expectOne = (id: string) => (body: string) => {
      const j = parse(body);
      if (j?.totalResults !== 1 || j.Resources?.[0]?.id !== id) return `expected exactly user ${id}, got totalResults ${j?.totalResults}`;
      return null;
    };
    const getById = (): Req => {
      const m = pick(members);
      return { method: "GET", path: `/scim/v2/Users/${m.id}`, expect: 200, check: (b) => (parse(b)?.id === m.id ? null : "wrong user in body") };
    };
    const filter = (expr: string): string => `/scim/v2/Users?filter=${encodeURIComponent(expr)}`;
    const half = Math.floor(opts.users / 2);
    const patchBody = (id: string) => ({ schemas: [PATCH_URN], Operations: [{ op: "add", path: "members", value: [{ value: id }] }] });
    const runTag = Date.now().toString(36);

    const latency: LatencyResult[] = [];
    const groups: { title: string; scenarios: Parameters<typeof runInterleaved>[1] }[] = [
      {
        title: "reads (interleaved): bare route, GET /Users/{id}, filter userName eq, filter emails.value eq",
        scenarios: [
          { name: "bare Express route (floor)", port: bare, n: opts.requests, warmup: opts.warmup,
            next: () => ({ method: "GET", path: "/", expect: 200 }) },
          { name: "GET /Users/{id}", port: app, n: opts.requests, warmup: opts.warmup, next: getById },
          { name: "GET /Users?filter=userName eq", port: app, n: opts.requests, warmup: opts.warmup, next: () => {
            const m = pick(members);
            return { method: "GET", path: filter(`userName eq "${m.userName}"`), expect: 200, check: expectOne(m.id) };
          } },
          { name: "GET /Users?filter=emails.value eq", port: app, n: opts.requests, warmup: opts.warmup, next: () => {
            const m = pick(members);
            return { method: "GET", path: filter(`emails.value eq "${m.email}"`), expect: 200, check: expectOne(m.id) };
          } },
        ],
      },
      {
        title: `deep page: GET /Users?startIndex≈${half}&count=100`,
        scenarios: [
          { name: `GET /Users?startIndex≈N/2&count=100`, port: app, n: opts.pageRequests, warmup: Math.min(opts.warmup, 10), next: () => {
            const start = Math.max(1, half + Math.floor((random() - 0.5) * 1000));
            return { method: "GET", path: `/scim/v2/Users?startIndex=${start}&count=100`, expect: 200, check: (b) => {
              const j = parse(b);
              return j?.Resources?.length === 100 && j.startIndex === start ? null : `expected 100 resources from ${start}, got ${j?.Resources?.length}`;
            } };
          } },
        ],
      },
      {
        title: "PATCH add 1 member (interleaved): big group vs 100-member group",
        scenarios: [
          { name: `PATCH /Groups add member (group of ${opts.users.toLocaleString("en-US")})`, port: app, n: opts.requests, warmup: opts.warmup,
            next: (i) => ({ method: "PATCH", path: `/scim/v2/Groups/${seeded.bigTeamId}`, body: patchBody(seeded.spares[i].id), expect: 204 }) },
          { name: `PATCH /Groups add member (group of ${seeded.smallTeamSize})`, port: app, n: opts.requests, warmup: opts.warmup,
            next: (i) => ({ method: "PATCH", path: `/scim/v2/Groups/${seeded.smallTeamId}`, body: patchBody(seeded.spares[perPatch + i].id), expect: 204 }) },
        ],
      },
      {
        title: "POST /Users (new userNames)",
        scenarios: [
          { name: "POST /Users", port: app, n: opts.requests, warmup: opts.warmup, next: (i) => {
            const u = `New.User.${runTag}.${i}`;
            return { method: "POST", path: "/scim/v2/Users", expect: 201, body: {
              schemas: [USER_URN], userName: u, externalId: `new-${runTag}-${i}`, active: true,
              name: { givenName: "New", familyName: `User ${i}` }, displayName: `New User ${i}`,
              emails: [{ value: `${u}@Example.com`, type: "work", primary: true }],
            }, check: (b) => (parse(b)?.userName === u ? null : "created user has the wrong userName") };
          } },
        ],
      },
    ];
    for (const g of groups) {
      log(`Measuring ${g.title} …`);
      latency.push(...(await runInterleaved(client, g.scenarios, opts.scenarioSeconds * 1000, log)));
    }

    // The 204s must have done something: the last spares added are now in their groups.
    const errors: string[] = [];
    for (const [spare, team] of [[seeded.spares[perPatch - 1], seeded.bigTeamId], [seeded.spares[2 * perPatch - 1], seeded.smallTeamId]] as const) {
      const r = await client.send(app, { method: "GET", path: `/scim/v2/Users/${spare.id}`, expect: 200 });
      const inGroup = (parse(r.body)?.groups ?? []).some((g: { value: string }) => g.value === team);
      if (r.status !== 200 || !inGroup) errors.push(`after PATCH, user ${spare.id} is not in group ${team} (GET → ${r.status})`);
    }

    const throughput: ThroughputResult[] = [];
    if (opts.duration > 0) {
      for (const connections of [1, 8]) {
        log(`autocannon, ${connections} connection(s), ${opts.duration} s each (+1 s warm-up): bare route, GET /Users/{id} …`);
        throughput.push(await runAutocannon("bare Express route (floor)", bare, () => "/", headers, connections, opts.duration));
        throughput.push(await runAutocannon("GET /Users/{id}", app, () => `/scim/v2/Users/${pick(members).id}`, headers, connections, opts.duration));
      }
    }
    client.close();

    const stats = await server.stats();
    await server.stop();

    const byName = (prefix: string) => latency.find((l) => l.scenario.startsWith(prefix))!;
    const getP50 = byName("GET /Users/{id}").p50;
    const ratios: Ratio[] = [
      { name: "filter userName eq ÷ GET by id", value: byName("GET /Users?filter=userName").p50 / getP50, goal: 1.5, basis: "p50, sequential" },
      { name: "filter emails.value eq ÷ GET by id", value: byName("GET /Users?filter=emails").p50 / getP50, goal: 1.5, basis: "p50, sequential" },
      { name: `add member at ${opts.users.toLocaleString("en-US")} ÷ at ${seeded.smallTeamSize}`,
        value: latency.find((l) => l.scenario.includes(`group of ${opts.users.toLocaleString("en-US")}`))!.p50 / latency.find((l) => l.scenario.includes(`group of ${seeded.smallTeamSize})`))!.p50,
        goal: 1.5, basis: "p50, sequential" },
      { name: "GET by id ÷ bare route (latency)", value: getP50 / byName("bare").p50, basis: "p50, sequential (for scale)" },
    ];
    for (const c of [1, 8]) {
      const b = throughput.find((t) => t.connections === c && t.scenario.startsWith("bare"));
      const g = throughput.find((t) => t.connections === c && t.scenario.startsWith("GET"));
      if (b && g) ratios.push({ name: `GET by id throughput ÷ bare throughput, ${c} conn`, value: g.reqPerSec / b.reqPerSec, basis: "req/s, autocannon" });
    }

    for (const r of [...latency, ...throughput]) for (const e of r.errorSamples) errors.push(`${r.scenario}: ${e}`);
    const errorCount = [...latency, ...throughput].reduce((a, r) => a + r.errors, 0) + (errors.length - [...latency, ...throughput].reduce((a, r) => a + r.errorSamples.length, 0));
    if (stats.appErrors > 0) errors.push(`the app logged ${stats.appErrors} error(s); last: ${stats.lastAppError}`);

    const mb = (b: number) => `${(b / 1048576).toFixed(0)} MB`;
    const cpus = os.cpus();
    const report: Report = {
      startedAt: new Date(started).toISOString(),
      seconds: (Date.now() - started) / 1000,
      machine: {
        cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, node: process.version,
        os: `${os.type()} ${os.release()} ${os.arch()}`, memory: mb(os.totalmem()),
        "load average at start": os.loadavg().map((x) => x.toFixed(2)).join(" "),
      },
      database: db.label,
      options: { users: opts.users, requests: opts.requests, pageRequests: opts.pageRequests, warmup: opts.warmup, scenarioSeconds: opts.scenarioSeconds, autocannonSeconds: opts.duration, seed: opts.seed },
      seeding: {
        method: "direct SQL (not the API)", members: opts.users, "spare members (no team)": spareCount,
        "big team": opts.users, "small team": seeded.smallTeamSize, rows: seeded.rowsInserted, seconds: seeded.seconds.toFixed(1),
      },
      latency, throughput, ratios,
      memory: {
        "server peak RSS": `${(stats.maxRssKb / 1024).toFixed(0)} MB`, "server RSS at end": mb(stats.rssBytes),
        "server heap used at end": mb(stats.heapUsedBytes), "bench client peak RSS": `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
      },
      notes: [
        ...latency.filter((l) => l.capped).map((l) => `"${l.scenario}" hit the ${opts.scenarioSeconds} s time budget: ${l.n} of ${l.scenario.includes("startIndex") ? opts.pageRequests : opts.requests} requests measured (BENCH_SCENARIO_SECONDS raises it).`),
        "Latency rows: one keep-alive connection, one request at a time, timed from send to the last body byte; scenarios in one group are interleaved request by request so machine noise hits them alike.",
        "Throughput rows: autocannon, 1 s warm-up discarded; its histogram has no p95 (p97.5 shown) and whole-millisecond resolution.",
        "Server (app + bare floor) runs in a child process; the load generator in this process. Seeding happens before the server starts, so the server's peak RSS is serving only.",
        `PATCH scenarios add spare members (in no team) one per request; the ${seeded.smallTeamSize}-member group grows to ${seeded.smallTeamSize + perPatch} by the end.`,
        db.store.dialect === "postgres" ? "PostgreSQL: ANALYZE was run after seeding (as autovacuum would)." : "SQLite: no ANALYZE was run (the app never runs one).",
      ],
      errors,
      ok: errorCount === 0 && errors.length === 0,
    };

    const md = toMarkdown(report);
    const outDir = path.join(here, "results");
    fs.mkdirSync(outDir, { recursive: true });
    fs.writeFileSync(path.join(outDir, "latest.json"), JSON.stringify(report, null, 2) + "\n");
    fs.writeFileSync(path.join(outDir, "latest.md"), md);
    // Also kept per database and size, so a SQLite run does not overwrite the PostgreSQL one.
    const tag = `${db.store.dialect}-${opts.users}`;
    fs.writeFileSync(path.join(outDir, `${tag}.json`), JSON.stringify(report, null, 2) + "\n");
    fs.writeFileSync(path.join(outDir, `${tag}.md`), md);
    console.log("\n" + md);
    log(`Wrote ${path.relative(process.cwd(), path.join(outDir, "latest.md"))} and latest.json`);
    if (!report.ok) log(`FAILED: ${errorCount} request(s) had a wrong status or body`);
    return report.ok ? 0 : 1;
  } finally {
    await server?.stop().catch(() => {});
    await db.dispose().catch((err) => log(`could not clean up the database: ${err}`));
  }
}

main().then((code) => process.exit(code), (err) => {
  console.error("bench failed:", err);
  process.exit(1);
});
