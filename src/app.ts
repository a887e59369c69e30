/** The HTTP application: SCIM under /scim/v2, the admin API under /api/v1, health probes. */
import express from "express";
import type { Store } from "../db/connect.ts";
import type { Config } from "./config.ts";
import { adminRouter } from "./admin/router.ts";
import { scimRouter } from "./scim/router.ts";

export interface AppOptions {
  log?: (msg: string, err?: unknown) => void;
}

export function createApp(store: Store, config: Config, opts: AppOptions = {}): express.Express {
  const log = opts.log ?? ((msg: string, err?: unknown) => console.error(msg, err));
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.get("/healthz", (_req, res) => { res.json({ status: "ok" }); });
  app.use("/scim/v2", scimRouter(store, config, log));
  app.use("/api/v1", adminRouter(store, config, log));
  return app;
}
