/** `npm start`: open the database (SQLite by default), migrate, bootstrap, listen. */
import http from "node:http";
import { openDatabase, type Store } from "../db/connect.ts";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";
import { loadConfig } from "./config.ts";
import { requirePublicAddress } from "./http/public-address.ts";
import { instanceSecret } from "./org/security/instance-secrets.ts";
import { createEventWorker, type EventWorker } from "./events/worker.ts";

const FORCED_EXIT_MS = 10_000;

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function main(): Promise<void> {
  // Handlers go in first: a SIGTERM during migrations/bootstrap must still end cleanly (exit 0)
  // instead of killing the process mid-transaction with the default signal disposition.
  let stopping = false;
  let store: Store | undefined;
  let server: http.Server | undefined;
  let worker: EventWorker | undefined;
  let onStop = () => {};
  const finish = (code: number) => {
    const s = store;
    store = undefined;
    if (!s) process.exit(code);
    const w = worker;
    worker = undefined;
    // the worker finishes its round (its leases would otherwise wait to expire) before the database closes
    (w ? w.stop() : Promise.resolve()).then(() => s.close()).then(
      () => process.exit(code),
      (err) => { console.error("rollcall: closing the database failed:", message(err)); process.exit(1); },
    );
  };
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then closing the database`);
    setTimeout(() => {
      console.error(`rollcall: requests still running after ${FORCED_EXIT_MS / 1000}s, exiting anyway`);
      process.exit(1);
    }, FORCED_EXIT_MS).unref();
    if (!server) return; // still starting: main() sees `stopping` and finishes
    const srv = server;
    onStop();
    srv.close(() => finish(0));
    // Idle keep-alive connections close now; busy ones as soon as their response is done
    // (see the request listener below), so a keep-alive client cannot hold the process open.
    srv.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));

  const config = loadConfig();
  requirePublicAddress(config);
  store = openDatabase(config.databaseUrl);
  const boot = await bootstrap(store, config);
  if (boot.migrated.length) console.log(`database ${store.describe}: applied migrations ${boot.migrated.join(", ")}`);
  if (boot.createdOrg) {
    console.log(`created organization "${boot.createdOrg.name}"`);
    if (config.bootstrapKey) console.log("its API key is the value of ROLLCALL_BOOTSTRAP_KEY");
    else console.log(`API key for "${boot.createdOrg.name}" (shown once, store it now):\n${boot.createdOrg.key}`);
  }
  if (boot.oidc && boot.oidc !== "unchanged") console.log(`OIDC sign-in for "${config.orgName}" ${boot.oidc} from OIDC_ISSUER (${config.oidc?.issuer})`);
  if (stopping) return finish(0);

  const describe = store.describe;
  // Cursors issued by one instance must be accepted by the others: share the signing secret.
  config.cursorSecret = await instanceSecret(store.db, "cursor_secret", config.cursorSecret);
  const app = createApp(store, config);
  // event delivery runs beside the server, never inside a request
  if (config.events?.worker !== false) worker = createEventWorker(store, config, { log: (msg, err) => console.error(`rollcall: ${msg}:`, message(err)) });
  server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  const srv = server;
  const active = new Set<http.ServerResponse>();
  srv.on("request", (_req: http.IncomingMessage, res: http.ServerResponse) => {
    if (stopping) res.shouldKeepAlive = false;
    active.add(res);
    res.on("close", () => active.delete(res));
    res.on("finish", () => {
      active.delete(res);
      if (stopping) setImmediate(() => srv.closeIdleConnections());
    });
  });
  onStop = () => {
    // Responses not yet started say `Connection: close` and end their connection.
    for (const res of active) if (!res.headersSent) res.shouldKeepAlive = false;
  };
  srv.on("error", (err) => {
    console.error(`rollcall failed to listen on ${config.host}:${config.port}:`, message(err));
    finish(1);
  });
  srv.listen(config.port, config.host, () => {
    const addr = srv.address();
    const port = typeof addr === "object" && addr ? addr.port : config.port;
    console.log(`rollcall listening on http://${config.host}:${port} (SCIM base URL: /scim/v2, database ${describe})`);
    if (boot.adminLinkToken) {
      const base = config.baseUrl ?? `http://${config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host}:${port}`;
      console.log(`sign in to the console once, within an hour, to set up SSO (later: rollcall admin-link --org ${boot.createdOrg?.name}):\n${base}/admin/link/${boot.adminLinkToken}`);
    }
  });
}

main().catch((err) => {
  console.error("rollcall failed to start:", message(err));
  process.exit(1);
});
