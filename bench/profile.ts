/**
 * `npx tsx bench/profile.ts <scenario> [seconds] [connections]`: where the server's CPU goes on
 * one hot path. Seeds a small org (BENCH_USERS, default 2,000), starts the compiled server with
 * `node --cpu-prof`, runs autocannon on the scenario, stops the server and prints the top
 * functions by self time and the time per package / source file. The .cpuprofile is kept in
 * bench/results/profiles/ (open it in Chrome DevTools or speedscope).
 *
 * Scenarios: get, username, email, authorize, post. Same DATABASE_URL rules as `npm run bench`.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runAutocannon } from "./client.ts";
import { openBenchDatabase } from "./database.ts";
import { seed } from "./seed.ts";
import { startServer } from "./server-process.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
const [scenario = "get", secondsArg = "5", connectionsArg = "8"] = process.argv.slice(2);
const users = Number(process.env.BENCH_USERS ?? 2000);
const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";

interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

/** Self time per function and per package (node_modules/<pkg>) or source file. */
function summarize(file: string): void {
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (const [i, id] of p.samples.entries()) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const fns = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of self) {
    const f = byId.get(id)!.callFrame;
    const where = f.url.replace(/^file:\/\//, "");
    const pkg = where.match(/node_modules\/((@[^/]+\/)?[^/]+)/)?.[1] ?? (where ? path.relative(path.join(here, ".."), where) : `(${f.functionName || "native"})`);
    fns.set(`${f.functionName || "(anonymous)"} ${pkg}:${f.lineNumber + 1}`, (fns.get(`${f.functionName || "(anonymous)"} ${pkg}:${f.lineNumber + 1}`) ?? 0) + us);
    places.set(pkg, (places.get(pkg) ?? 0) + us);
  }
  const top = (m: Map<string, number>, n: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`).join("\n");
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled\n\nby package / file (self time):\n${top(places, 30)}\n\ntop functions (self time):\n${top(fns, 40)}`);
}

async function main(): Promise<void> {
  const db = await openBenchDatabase(process.env.DATABASE_URL);
  try {
    const seeded = await seed(db.store, users, 0, 10_000, () => {});
    await db.store.close();
    const dir = path.join(here, "results", "profiles");
    fs.mkdirSync(dir, { recursive: true });
    const before = new Set(fs.readdirSync(dir));
    const server = await startServer(db, path.join(here, "results", "server-profile.log"), ["--cpu-prof", `--cpu-prof-dir=${dir}`]);
    const headers = { Authorization: `Bearer ${seeded.apiKey}`, Accept: "application/scim+json" };
    const pick = () => seeded.members[Math.floor(Math.random() * seeded.members.length)]!;
    const q = (f: string) => `/scim/v2/Users?filter=${encodeURIComponent(f)}`;
    let n = 0;
    const tag = Date.now().toString(36);
    const runs: Record<string, () => ReturnType<typeof runAutocannon>> = {
      get: () => runAutocannon("GET /Users/{id}", server.app, () => `/scim/v2/Users/${pick().id}`, headers, Number(connectionsArg), Number(secondsArg)),
      username: () => runAutocannon("userName eq", server.app, () => q(`userName eq "${pick().userName}"`), headers, Number(connectionsArg), Number(secondsArg)),
      email: () => runAutocannon("emails.value eq", server.app, () => q(`emails.value eq "${pick().email}"`), headers, Number(connectionsArg), Number(secondsArg)),
      authorize: () => runAutocannon("authorize", server.app, () => "/api/v1/authorize", { ...headers, "Content-Type": "application/json" }, Number(connectionsArg), Number(secondsArg),
        () => JSON.stringify({ memberId: pick().id, permission: "run:read", team: seeded.bigTeamId })),
      post: () => runAutocannon("POST /Users", server.app, () => "/scim/v2/Users", headers, Number(connectionsArg), Number(secondsArg), () => {
        const u = `Prof.User.${tag}.${n++}`;
        return JSON.stringify({ schemas: [USER_URN], userName: u, name: { givenName: "Prof", familyName: `User ${n}` }, emails: [{ value: `${u}@Example.com`, type: "work", primary: true }] });
      }),
    };
    const run = runs[scenario];
    if (!run) throw new Error(`unknown scenario ${scenario}; one of ${Object.keys(runs).join(", ")}`);
    const r = await run();
    console.log(`${r.scenario}: ${r.reqPerSec.toFixed(0)} req/s at ${r.connections} connections, p50 ${r.p50} ms, errors ${r.errors} ${r.errorSamples.join("; ")}`);
    await server.stop();
    const made = fs.readdirSync(dir).filter((f) => !before.has(f) && f.endsWith(".cpuprofile"));
    for (const f of made) summarize(path.join(dir, f));
  } finally {
    await db.dispose();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
