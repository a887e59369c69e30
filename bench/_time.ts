import { openDatabase } from "/work/wt/console/db/connect.ts";
import { createApp } from "/work/wt/console/src/app.ts";
import { loadConfig } from "/work/wt/console/src/config.ts";
import http from "node:http";
const { key } = JSON.parse(process.argv[2]!);
const store = openDatabase("sqlite:/tmp/console-bench-100k.db");
const server = http.createServer(createApp(store, loadConfig({ LOG_LEVEL: "silent" }), { log: () => {} }));
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${(server.address() as any).port}/api/v1`;
for (const p of ["/teams", "/members?limit=50", "/members?billingAdmin=true&limit=1", "/members?q=bench.user.0073000&limit=50", "/members?q=bench.user.0073000&limit=16", "/members?offset=99950&limit=50", "/members?sort=email&limit=50", "/members?sort=displayName&limit=50", "/members?sort=createdAt&order=desc&limit=50"]) {
  for (let i = 0; i < 2; i++) { const t = performance.now(); const r = await fetch(base + p, { headers: { Authorization: `Bearer ${key}` } }); await r.text(); console.log(r.status, p, Math.round(performance.now() - t), "ms"); }
}
server.close(); await store.close(); process.exit(0);
