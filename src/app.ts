/** The HTTP application: SCIM under /scim/v2 (and /scim), the admin API under /api/v1, health probes. */
import express from "express";
import type { Store } from "../db/connect.ts";
import { migrationsCurrent } from "../db/migrate.ts";
import type { Config } from "./config.ts";
import { scimRouter } from "./scim/router.ts";
import { oauthRouter } from "./oauth/router.ts";
import { DEFAULT_REMOTE_KEY_OPTIONS, RemoteKeys } from "./org/security/oauth/remote-keys.ts";
import { lazyRouter, loadModule } from "./http/lazy-router.ts";
import { sessionMiddleware } from "./http/session.ts";
import { isEventsPath } from "./events/paths.ts";
import { isConsolePath } from "./console/paths.ts";
import { createLogger, errorLogFunction, requestLogging, silentLogger, type Logger } from "./http/logging.ts";
import { createMetrics } from "./http/metrics.ts";
import { finalErrorHandler, notFoundHandler } from "./http/final-errors.ts";
import { checkHost } from "./http/public-address.ts";
import { refuseBadUrls } from "./http/request-checks.ts";
import { noStore, securityHeaders } from "./http/security-headers.ts";

export interface AppOptions {
  /** also receives every error the routers log (tests collect them); pino gets them either way */
  log?: (msg: string, err?: unknown) => void;
  /** pino logger for access and error lines; `false`: silent. Default: JSON on stdout at LOG_LEVEL, silent when NODE_ENV=test */
  logger?: Logger | false;
  /** Node process metrics (CPU, memory, event loop, GC) in /metrics; default on, off when NODE_ENV=test */
  processMetrics?: boolean;
}

export function createApp(store: Store, config: Config, opts: AppOptions = {}): express.Express {
  const testing = process.env.NODE_ENV === "test";
  const logger = opts.logger === false ? silentLogger() : opts.logger ?? createLogger(testing ? "silent" : config.logLevel);
  const log = errorLogFunction(logger, opts.log);
  const metrics = createMetrics(store, { processMetrics: opts.processMetrics ?? !testing });
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  // TRUST_PROXY: whether X-Forwarded-For/-Proto are believed (req.ip for rate limits, req.secure for Secure cookies).
  app.set("trust proxy", config.trustProxy ?? false);
  app.use(requestLogging(logger, metrics.observe));
  app.use(securityHeaders, noStore, refuseBadUrls);
  // No auth unless METRICS_TOKEN is set: operators keep /metrics on the internal network.
  app.get("/metrics", metrics.handler(config.metricsToken));
  app.get("/healthz", (_req, res) => { res.json({ status: "ok" }); });
  // Ready when the database answers and every migration this code knows has run.
  app.get("/readyz", async (_req, res) => {
    try {
      const current = await migrationsCurrent(store);
      res.status(current ? 200 : 503).json({ status: current ? "ready" : "migrations pending", database: store.dialect });
    } catch {
      res.status(503).json({ status: "database unreachable", database: store.dialect });
    }
  });
  // Probes and metrics answer whatever Host an orchestrator uses; everything else only to allowed hosts.
  app.use(checkHost(config));
  // Other parties' public keys (federated issuers, OAuth clients' JWKS URLs), cached per app.
  const remoteKeys = new RemoteKeys({ ...DEFAULT_REMOTE_KEY_OPTIONS, cooldownMs: config.oauthJwksCooldownMs ?? DEFAULT_REMOTE_KEY_OPTIONS.cooldownMs });
  app.use(oauthRouter(store, config, remoteKeys, log)); // OAuth for SCIM clients (src/oauth/)
  // W&B documents its base URL without the version (`/scim/Users`): both prefixes serve one router,
  // and every other path under /scim reaches its SCIM 404 (never the HTML page).
  app.use(["/scim/v2", "/scim"], scimRouter(store, config, log, remoteKeys, metrics.scimRefusedUnattributed));
  // The doors below load their modules on their first request (src/http/lazy-router.ts): SCIM never needs them.
  const load = <M>(spec: string) => loadModule<M>(import.meta.url, spec);
  app.use(lazyRouter(async () => (await load<typeof import("./events/router.ts")>("./events/router.ts")).eventsRouter(store, config, log), isEventsPath)); // SET keys and RFC 8936 polling (src/events/)
  // Sessions only where people sign in; SCIM stays stateless.
  const sessions = sessionMiddleware(store, config);
  app.use("/auth", sessions, lazyRouter(async () => (await load<typeof import("./sso/router.ts")>("./sso/router.ts")).ssoRouter(store, config, log)));
  app.use("/api/v1", sessions, lazyRouter(async () => (await load<typeof import("./admin/router.ts")>("./admin/router.ts")).adminRouter(store, config, log)));
  // the web console under /admin (src/console/)
  app.use(lazyRouter(async () => (await load<typeof import("./console/router.ts")>("./console/router.ts")).consoleRouter(store, config, sessions), isConsolePath));
  app.use(notFoundHandler, finalErrorHandler(log));
  return app;
}
