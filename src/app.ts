/** The HTTP application: SCIM under /scim/v2, the admin API under /api/v1, health probes. */
import express from "express";
import type { Store } from "../db/connect.ts";
import { migrationsCurrent } from "../db/migrate.ts";
import type { Config } from "./config.ts";
import { adminRouter } from "./admin/router.ts";
import { scimRouter } from "./scim/router.ts";
import { sessionMiddleware } from "./http/session.ts";
import { ssoRouter } from "./sso/router.ts";

export interface AppOptions {
  log?: (msg: string, err?: unknown) => void;
}

export function createApp(store: Store, config: Config, opts: AppOptions = {}): express.Express {
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(msg, err));
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
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
  app.use("/scim/v2", scimRouter(store, config, log));
  // Sessions only where people sign in; SCIM stays stateless.
  const sessions = sessionMiddleware(store, config);
  app.use("/auth", sessions, ssoRouter(store, config, log));
  app.use("/api/v1", sessions, adminRouter(store, config, log));
  return app;
}
