/**
 * `npm run bench:events`: what provisioning events cost and how fast they go out.
 * 1. POST /Users p50 for an org without a receiver and one with a webhook receiver,
 *    requests interleaved in the same run (the worker delivering meanwhile); goal: ≤ 1.10×.
 * 2. Delivery: 10,000 queued events drained by one worker to a local receiver; goal: ≥ 1,000/s.
 * DATABASE_URL picks the database (default: a temp SQLite file). Prints one JSON line.
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { openBenchDatabase } from "./database.ts";
import { percentile } from "./client.ts";
import { createApp } from "../src/app.ts";
import { loadConfig, type Config } from "../src/config.ts";
import { createEventWorker } from "../src/events/worker.ts";
import { recordAudit } from "../src/org/audit/record.ts";
import { createReceiver } from "../src/org/events/receivers.ts";
import { createOrg } from "../src/org/orgs/orgs.ts";

const REQUESTS = Number(process.env.BENCH_EVENTS_REQUESTS ?? 400);
const EVENTS = Number(process.env.BENCH_EVENTS_DELIVER ?? 10_000);

const listen = async (handler: http.RequestListener) => {
  const server = http.createServer({ keepAlive: true }, handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

async function main(): Promise<void> {
  // The receiver listens on loopback, which the outbound policy refuses unless the operator allows it.
  process.env.ROLLCALL_OUTBOUND_ALLOW ??= "127.0.0.1";
  const db = await openBenchDatabase(process.env.DATABASE_URL);
  const defaults = loadConfig({});
  const config: Config = { ...defaults, encryptionKey: crypto.randomBytes(32), logLevel: "silent" };
  let received = 0;
  const receiver = await listen((req, res) => { req.resume(); req.on("end", () => { received++; res.writeHead(204).end(); }); });
  const app = await listen(createApp(db.store, config, { logger: false, processMetrics: false }));
  const plain = await createOrg(db.store.db, "bench-no-receiver");
  const watched = await createOrg(db.store.db, "bench-with-receiver");
  const actor = { door: "cli" as const, id: "operator" };
  await createReceiver(db.store.db, config.encryptionKey, watched.org.id, { url: `${receiver.url}/hook`, format: "webhook", secret: crypto.randomBytes(24).toString("hex") }, actor);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const createUser = (key: string, i: number) => new Promise<number>((resolve, reject) => {
    const body = JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `bench-${i}`, emails: [{ value: `bench-${i}@example.com`, primary: true }] });
    const started = performance.now();
    const req = http.request(`${app.url}/scim/v2/Users`, { method: "POST", agent, headers: { authorization: `Bearer ${key}`, "content-type": "application/scim+json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 201 ? resolve(performance.now() - started) : reject(new Error(`POST /Users → ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end(body);
  });

  const worker = createEventWorker(db.store, config, { idleMs: 20 });
  const without: number[] = [];
  const withReceiver: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    // alternate which goes first, so neither always follows the other
    const pair = i % 2 === 0 ? [[plain, without], [watched, withReceiver]] as const : [[watched, withReceiver], [plain, without]] as const;
    for (const [org, into] of pair) into.push(await createUser(org.key.key, i));
  }
  await worker.stop();
  const p50 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  const ratio = p50(withReceiver) / p50(without);

  // delivery: EVENTS queued at once (100 per transaction), then drained
  for (let t = 0; t < EVENTS / 100; t++) {
    await db.store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 100; i++) await recordAudit(trx, { orgId: watched.org.id, actor, action: "member.update", targetType: "member", targetId: `m${(t * 100 + i) % 500}` });
    });
  }
  const before = received;
  const drain = createEventWorker(db.store, config, { loop: false });
  const started = performance.now();
  while ((await drain.runOnce()) > 0) { /* until nothing is due */ }
  const seconds = (performance.now() - started) / 1000;
  const delivered = received - before;

  const result = {
    database: db.label,
    postUsersP50Ms: { without: +p50(without).toFixed(2), withReceiver: +p50(withReceiver).toFixed(2), ratio: +ratio.toFixed(3), goal: "≤ 1.10", met: ratio <= 1.1 },
    delivery: { events: delivered, seconds: +seconds.toFixed(2), perSecond: Math.round(delivered / seconds), goal: "≥ 1000", met: delivered / seconds >= 1000 },
  };
  console.log(JSON.stringify(result));
  agent.destroy();
  for (const s of [app.server, receiver.server]) { s.closeAllConnections(); s.close(); }
  await db.dispose();
  if (delivered < EVENTS) throw new Error(`only ${delivered} of ${EVENTS} events were delivered`);
}

main().catch((err) => { console.error(err); process.exit(1); });
