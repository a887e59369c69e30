/**
 * `npm run bench`: seeds an org with N members by direct SQL, starts the real
 * app and a bare Express floor in a child process, and measures latency
 * (sequential, 1 connection) and throughput (autocannon) of the SCIM hot
 * paths. Writes bench/results/latest.{json,md}; exits non-zero when any
 * response had the wrong status or body. Options: see bench/options.ts or
 * `npm run bench -- --help`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client, runAutocannon, runInterleaved, type LatencyResult, type Req, type ThroughputResult } from "./client.ts";
import { openBenchDatabase } from "./database.ts";
import { readOptions, rng } from "./options.ts";
import { goalStatus, toMarkdown, type Ratio, type Report } from "./report.ts";
import { person, seed, type Seeded } from "./seed.ts";
import { startServer, type Server } from "./server-process.ts";
import { runSync, type SyncMode, type SyncResult } from "./sync.ts";
import { walk, type WalkResult } from "./walk.ts";
import { createOrg } from "../src/org/orgs/orgs.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const log = (msg: string) => console.error(msg);
const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

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
    // One fresh org (own API key) per initial-sync scenario, on the same database.
    const syncModes: SyncMode[] = ["one-by-one", "4 concurrent", "bulk"];
    const syncKeys = new Map<SyncMode, string>();
    for (const m of syncModes) syncKeys.set(m, (await createOrg(db.store.db, `bench-sync-${m.replace(/\W/g, "")}-${Date.now().toString(36)}`)).key.key);
    await db.store.close(); // the server process opens its own connection(s)

    const serverLog = path.join(here, "results", `server-${db.store.dialect}.log`);
    server = await startServer(db, serverLog);
    log(`Server request log (LOG_LEVEL ${process.env.BENCH_LOG_LEVEL || "info"}): ${path.relative(process.cwd(), serverLog)}`);
    log(`App on 127.0.0.1:${server.app}, bare Express on 127.0.0.1:${server.bare} (child process ${server.child.pid})`);
    const headers = { Authorization: `Bearer ${seeded.apiKey}`, Accept: "application/scim+json" };
    const client = new Client(headers);
    const { app, bare } = server;
    const members = seeded.members;

    // A wrong key would make every request a 401: fail fast, before measuring anything.
    const idle = await server.window(); // before any SCIM request: the server's RSS at rest
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
    const removeBody = (id: string) => ({ schemas: [PATCH_URN], Operations: [{ op: "remove", path: `members[value eq "${id}"]` }] });
    const runTag = Date.now().toString(36);

    const latency: LatencyResult[] = [];
    const groups: { title: string; scenarios: Parameters<typeof runInterleaved>[1] }[] = [
      {
        title: "reads (interleaved): bare route, GET /Users/{id}, POST /api/v1/authorize, filter userName eq, filter emails.value eq",
        scenarios: [
          { name: "bare Express route (floor)", port: bare, n: opts.requests, warmup: opts.warmup,
            next: () => ({ method: "GET", path: "/", expect: 200 }) },
          { name: "GET /Users/{id}", port: app, n: opts.requests, warmup: opts.warmup, next: getById },
          // One product check: may this member read runs in the big team? (team role member + full Models seat: yes, with why.)
          { name: "POST /api/v1/authorize (one check)", port: app, n: opts.requests, warmup: opts.warmup, next: () => {
            const m = pick(members);
            return { method: "POST", path: "/api/v1/authorize", contentType: "application/json", body: { memberId: m.id, permission: "run:read", team: seeded.bigTeamId }, expect: 200,
              check: (b) => { const j = parse(b); return j?.memberId === m.id && j.allowed === true ? null : `expected run:read allowed for ${m.id}, got ${b.slice(0, 200)}`; } };
          } },
          { name: "GET /Users?filter=userName eq", port: app, n: opts.requests, warmup: opts.warmup, next: () => {
            const m = pick(members);
            return { method: "GET", path: filter(`userName eq "${m.userName}"`), expect: 200, check: expectOne(m.id) };
          } },
          { name: "GET /Users?filter=emails.value eq", port: app, n: opts.requests, warmup: opts.warmup, next: () => {
            const m = pick(members);
            return { method: "GET", path: filter(`emails.value eq "${m.email}"`), expect: 200, check: expectOne(m.id) };
          } },
          { name: "GET /Users?filter=meta.lastModified gt (last ≤ 1,000 changed)", port: app, n: opts.requests, warmup: opts.warmup, next: () => {
            // seeded member i was last modified at base + i s; "changed since" one of the last 1,000
            const back = 1 + Math.floor(random() * Math.min(1000, opts.users - 1));
            const since = new Date(seeded.lastModifiedBase + (opts.users - back) * 1000).toISOString();
            return { method: "GET", path: filter(`meta.lastModified gt "${since}"`), expect: 200, check: (b) => {
              const j = parse(b);
              // ≥ the seeded members after `since` (spares and users created by POST are newer still)
              return j?.totalResults >= back - 1 && j.Resources?.length === Math.min(100, j.totalResults) ? null : `expected ≥ ${back - 1} results, got totalResults ${j?.totalResults}`;
            } };
          } },
          { name: "GET /Users?filter=displayName sw (100 match)", port: app, n: opts.requests, warmup: opts.warmup, next: () => {
            const block = Math.floor(random() * Math.floor(opts.users / 100));
            const prefix = person(block * 100).givenName.slice(0, -2); // "Given00123" → members 12300–12399
            return { method: "GET", path: filter(`displayName sw "${prefix}"`), expect: 200, check: (b) => {
              const j = parse(b);
              return j?.totalResults === 100 && j.Resources?.length === 100 ? null : `expected 100 users with displayName sw "${prefix}", got ${j?.totalResults}`;
            } };
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
        title: "PATCH remove 1 member (interleaved): big group vs 100-member group (the members added above)",
        scenarios: [
          { name: `PATCH /Groups remove member (group of ${opts.users.toLocaleString("en-US")})`, port: app, n: opts.requests, warmup: opts.warmup,
            next: (i) => ({ method: "PATCH", path: `/scim/v2/Groups/${seeded.bigTeamId}`, body: removeBody(seeded.spares[i].id), expect: 204 }) },
          { name: `PATCH /Groups remove member (group of ${seeded.smallTeamSize})`, port: app, n: opts.requests, warmup: opts.warmup,
            next: (i) => ({ method: "PATCH", path: `/scim/v2/Groups/${seeded.smallTeamId}`, body: removeBody(seeded.spares[perPatch + i].id), expect: 204 }) },
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
    const errors: string[] = [];
    for (const g of groups) {
      log(`Measuring ${g.title} …`);
      const results = await runInterleaved(client, g.scenarios, opts.scenarioSeconds * 1000, log);
      latency.push(...results);
      const patching = g.title.startsWith("PATCH add") ? "add" : g.title.startsWith("PATCH remove") ? "remove" : null;
      if (!patching) continue;
      // The 204s must have done something: the last spares added are in their groups; removed, they are not.
      // (A time-capped add scenario leaves later spares out; the remove scenario then removes non-members: still 204.)
      const lastOf = (k: number) => Math.min(perPatch, opts.warmup + results[k].n) - 1;
      for (const [k, spare, team] of [[0, seeded.spares[lastOf(0)], seeded.bigTeamId], [1, seeded.spares[perPatch + lastOf(1)], seeded.smallTeamId]] as const) {
        const r = await client.send(app, { method: "GET", path: `/scim/v2/Users/${spare.id}`, expect: 200 });
        const inGroup = (parse(r.body)?.groups ?? []).some((x: { value: string }) => x.value === team);
        if (r.status !== 200 || inGroup !== (patching === "add"))
          errors.push(`after PATCH ${patching} (${results[k].scenario}), user ${spare.id} is ${inGroup ? "" : "not "}in group ${team} (GET → ${r.status})`);
      }
    }

    const latencyPeak = await server.window(); // peak RSS since the idle sample: the latency scenarios

    // Full walks through all users (index paging, cursor), with the server's RSS sampled during each.
    const walks: WalkResult[] = [];
    for (const mode of ["index", "cursor"] as const) {
      log(`Walking all users by ${mode} (count=1000) …`);
      const before = await server.window();
      const w = await walk(client, app, mode, 1000, opts.phaseSeconds * 1000, log);
      const during = await server.window();
      w.rssStartMb = before.rssBytes / 1048576;
      w.peakRssMb = during.peakRssBytes / 1048576;
      walks.push(w);
      for (const e of w.errorSamples) errors.push(`${w.scenario}: ${e}`);
      log(`  ${w.users.toLocaleString("en-US")} users in ${w.seconds.toFixed(1)} s${w.capped ? " (time-capped)" : ""}, peak RSS ${w.peakRssMb.toFixed(0)} MB`);
    }

    // Initial sync through the API, each into its own fresh org.
    const syncs: SyncResult[] = [];
    if (opts.syncUsers > 0) {
      for (const mode of syncModes) {
        log(`Initial sync (${mode}): ${opts.syncUsers.toLocaleString("en-US")} users + ${opts.syncGroups} groups, budget ${opts.phaseSeconds} s …`);
        const r = await runSync(mode, app, syncKeys.get(mode)!, opts.syncUsers, opts.syncGroups, opts.phaseSeconds * 1000, log);
        syncs.push(r);
        for (const e of r.errorSamples) errors.push(`${r.scenario}: ${e}`);
        log(`  ${r.done} ops in ${r.seconds.toFixed(1)} s (${r.opsPerSec.toFixed(0)} ops/s)${r.capped ? `, time-capped; whole sync ≈ ${r.wallSeconds.toFixed(0)} s` : ""}`);
      }
    }

    const throughput: ThroughputResult[] = [];
    if (opts.duration > 0) {
      for (const connections of [1, 8, 64]) {
        log(`autocannon, ${connections} connection(s), ${opts.duration} s each (+1 s warm-up): bare route, GET /Users/{id} …`);
        throughput.push(await runAutocannon("bare Express route (floor)", bare, () => "/", headers, connections, opts.duration));
        throughput.push(await runAutocannon("GET /Users/{id}", app, () => `/scim/v2/Users/${pick(members).id}`, headers, connections, opts.duration));
      }
      log(`autocannon, 8 connections, ${opts.duration} s (+1 s warm-up): POST /Users (a new user each request) …`);
      let posted = 0;
      throughput.push(await runAutocannon("POST /Users", app, () => "/scim/v2/Users", headers, 8, opts.duration, () => {
        const u = `Cannon.User.${runTag}.${posted++}`;
        return JSON.stringify({ schemas: [USER_URN], userName: u, name: { givenName: "Cannon", familyName: `User ${posted}` }, emails: [{ value: `${u}@Example.com`, type: "work", primary: true }] });
      }));
    }
    client.close();

    const stats = await server.stats();
    await server.stop();

    const byName = (prefix: string) => latency.find((l) => l.scenario.startsWith(prefix))!;
    const getP50 = byName("GET /Users/{id}").p50;
    const ratios: Ratio[] = [
      { name: "authorize (one check) ÷ GET by id", value: byName("POST /api/v1/authorize").p50 / getP50, goal: 1.5, basis: "p50, sequential" },
      { name: "filter userName eq ÷ GET by id", value: byName("GET /Users?filter=userName").p50 / getP50, goal: 1.3, basis: "p50, sequential" },
      { name: "filter emails.value eq ÷ GET by id", value: byName("GET /Users?filter=emails").p50 / getP50, goal: 1.3, basis: "p50, sequential" },
      { name: "filter meta.lastModified gt ÷ GET by id", value: byName("GET /Users?filter=meta.lastModified").p50 / getP50, basis: "p50, sequential (pages of up to 100)" },
      { name: "filter displayName sw ÷ GET by id", value: byName("GET /Users?filter=displayName sw").p50 / getP50, basis: "p50, sequential (pages of 100)" },
      ...(["add", "remove"] as const).map((op): Ratio => ({
        name: `${op} member at ${opts.users.toLocaleString("en-US")} ÷ at ${seeded.smallTeamSize}`,
        value: latency.find((l) => l.scenario.includes(`${op} member (group of ${opts.users.toLocaleString("en-US")})`))!.p50 / latency.find((l) => l.scenario.includes(`${op} member (group of ${seeded.smallTeamSize})`))!.p50,
        goal: 1.5, basis: "p50, sequential",
      })),
      { name: "GET by id ÷ bare route (latency)", value: getP50 / byName("bare").p50, basis: "p50, sequential (for scale)" },
    ];
    for (const c of [1, 8, 64]) {
      const b = throughput.find((t) => t.connections === c && t.scenario.startsWith("bare"));
      const g = throughput.find((t) => t.connections === c && t.scenario.startsWith("GET"));
      if (b && g) ratios.push({ name: `GET by id throughput ÷ bare throughput, ${c} conn`, value: g.reqPerSec / b.reqPerSec, goal: c === 1 ? 0.3 : 0.2, atLeast: true, basis: "req/s, autocannon",
        why: "every request authenticates the API key, reads the member, its e-mails and groups from the database and builds the SCIM resource; the bare route does none of it" });
    }
    const sync = (m: SyncMode) => syncs.find((x) => x.mode === m);
    const one = sync("one-by-one"), four = sync("4 concurrent"), bulk = sync("bulk");
    if (one && bulk) ratios.push({ name: "initial sync: Bulk ÷ one-by-one speed-up", value: bulk.opsPerSec / one.opsPerSec, goal: 5, atLeast: true,
      basis: `ops/s (${opts.syncUsers} users + ${opts.syncGroups} groups)${one.capped || bulk.capped ? "; a capped phase counts by its rate" : ""}`,
      why: "Bulk saves the per-request HTTP, auth and JSON work and commits once per batch (≤ 200 operations, a savepoint each), but each operation still does its own reads and writes" });
    if (one && four) ratios.push({ name: "initial sync: 4 connections ÷ one-by-one speed-up", value: four.opsPerSec / one.opsPerSec, better: "higher", basis: "ops/s (2 cores: load generator and server share them)" });
    const posts = throughput.find((t) => t.scenario === "POST /Users");
    if (posts) ratios.push({ name: "POST /Users per second, 8 conn", value: posts.reqPerSec, goal: db.store.dialect === "sqlite" ? 1000 : 500, atLeast: true, basis: "req/s, autocannon (absolute: depends on the machine's load)",
      why: "each POST is one transaction of ~15 statements (org row lock, user, member, e-mails, verification, audit) under the one writer lock (SQLite)" });
    ratios.push({ name: "server idle RSS (MB)", value: idle.rssBytes / 1048576, goal: 90, basis: "after start, before the first SCIM request (absolute)" });
    ratios.push({ name: "server peak RSS (MB) through the latency scenarios", value: latencyPeak.peakRssBytes / 1048576, goal: 150, basis: `sampled every 25 ms (goal stated for the 10k probe; this run: ${opts.users.toLocaleString("en-US")} users)` });
    for (const w of walks) ratios.push({ name: `${w.scenario}: server peak RSS (MB) at ${opts.users.toLocaleString("en-US")} users`, value: w.peakRssMb ?? NaN, goal: 200, basis: "sampled every 25 ms during the walk (goal stated for 1M users)",
      why: "RSS is the whole process: the V8 heap it grew to in earlier scenarios is not returned to the OS" });
    for (const t of throughput) if (!t.scenario.startsWith("bare")) {
      const b = throughput.find((x) => x.connections === t.connections && x.scenario.startsWith("bare"));
      if (b) t.vsBare = t.reqPerSec / b.reqPerSec;
    }
    const bareP50 = byName("bare").p50;
    for (const l of latency) l.vsBare = l.p50 / bareP50;

    for (const r of [...latency, ...throughput]) for (const e of r.errorSamples) errors.push(`${r.scenario}: ${e}`);
    const all = [...latency, ...throughput, ...walks, ...syncs];
    const errorCount = all.reduce((a, r) => a + r.errors, 0) + (errors.length - all.reduce((a, r) => a + r.errorSamples.length, 0));
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
      options: { users: opts.users, requests: opts.requests, pageRequests: opts.pageRequests, warmup: opts.warmup, scenarioSeconds: opts.scenarioSeconds, autocannonSeconds: opts.duration, seed: opts.seed,
        syncUsers: opts.syncUsers, syncGroups: opts.syncGroups, phaseSeconds: opts.phaseSeconds },
      seeding: {
        method: "direct SQL (not the API)", members: opts.users, "spare members (no team)": spareCount,
        "big team": opts.users, "small team": seeded.smallTeamSize, rows: seeded.rowsInserted, seconds: seeded.seconds.toFixed(1),
      },
      latency, throughput, walks, syncs, ratios: ratios.map(goalStatus),
      memory: {
        "server peak RSS": `${(stats.maxRssKb / 1024).toFixed(0)} MB`, "server RSS at end": mb(stats.rssBytes),
        "server heap used at end": mb(stats.heapUsedBytes), "bench client peak RSS": `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
      },
      notes: [
        ...[...walks, ...syncs].filter((x) => x.capped).map((x) => `"${x.scenario}" hit the ${opts.phaseSeconds} s budget (BENCH_PHASE_SECONDS): its wall time is extrapolated from its rate.`),
        "Initial sync: each mode into its own fresh org on the same database (users first, then groups whose members are those users); Bulk batches carry each group with its ~50 users, referenced by bulkId. Latency columns of sync rows are per HTTP request (a Bulk request is a whole batch).",
        `The app ran with its production defaults, request log included (LOG_LEVEL ${process.env.BENCH_LOG_LEVEL || "info"}: one pino JSON line per request, to bench/results/server-${db.store.dialect}.log); the bare route logs nothing. BENCH_LOG_LEVEL=warn measures without it.`,
        "Walk RSS: the server process's whole RSS (sampled every 25 ms), which includes heap grown by earlier scenarios.",
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
    fs.writeFileSync(path.join(outDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, "latest.md"), md);
    // Also kept per database and size, so a SQLite run does not overwrite the PostgreSQL one.
    const tag = `${db.store.dialect}-${opts.users}`;
    fs.writeFileSync(path.join(outDir, `${tag}.json`), `${JSON.stringify(report, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, `${tag}.md`), md);
    console.log(`\n${md}`);
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
