/** `npm start`: open the database (SQLite by default), migrate, bootstrap, listen. */
import http from "node:http";
import { openDatabase } from "../db/connect.ts";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";
import { loadConfig } from "./config.ts";

async function main(): Promise<void> {
  const config = loadConfig();
  const store = openDatabase(config.databaseUrl);
  const boot = await bootstrap(store, config);
  if (boot.migrated.length) console.log(`database ${store.describe}: applied migrations ${boot.migrated.join(", ")}`);
  if (boot.createdOrg) {
    console.log(`created organization "${boot.createdOrg.name}"`);
    if (config.bootstrapKey) console.log("its API key is the value of ROLLCALL_BOOTSTRAP_KEY");
    else console.log(`API key for "${boot.createdOrg.name}" (shown once, store it now):\n${boot.createdOrg.key}`);
  }
  const app = createApp(store, config);
  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  server.listen(config.port, config.host, () => {
    const addr = server.address();
    const port = typeof addr === "object" && addr ? addr.port : config.port;
    console.log(`rollcall listening on http://${config.host}:${port} (SCIM base URL: /scim/v2, database ${store.describe})`);
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then closing the database`);
    server.close(() => { void store.close().then(() => process.exit(0)); });
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err) => {
  console.error("rollcall failed to start:", err instanceof Error ? err.message : err);
  process.exit(1);
});
