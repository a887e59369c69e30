/**
 * Prometheus metrics, one registry per app (tests create many apps; nothing is process-global).
 * Served at GET /metrics; when `METRICS_TOKEN` is set, that token is required as a Bearer.
 *
 * @example
 * const metrics = createMetrics(store);
 * app.use(requestLogging(logger, metrics.observe));
 * app.get("/metrics", metrics.handler(config.metricsToken));
 */
import crypto from "node:crypto";
import type { Request, RequestHandler, Response } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Store } from "../../db/connect.ts";
import type { RequestInfo } from "./logging.ts";
import { sendProblem, titleOf } from "./problems.ts";

export interface AppMetrics {
  registry: Registry;
  observe(req: Request, res: Response, info: RequestInfo): void;
  handler(token: string | undefined): RequestHandler;
  /** a SCIM credential refused that names no org (per instance; an org sees its own in the SCIM page) */
  scimRefusedUnattributed(kind: string): void;
}

/** SCIM resources reported by name; anything else under /scim (or /scim/v2) is "other" (never a raw path). */
const SCIM_RESOURCES = new Map(
  ["Users", "Groups", "Roles", "Bulk", "Me", "Schemas", "ResourceTypes", "ServiceProviderConfig", ".search"].map((n) => [n.toLowerCase(), n]),
);

export function scimResourceOf(path: string): string | undefined {
  const m = /^\/scim(?:\/v2)?(?=$|[/?#])(?:\/([^/?#]*))?/.exec(path);
  if (!m) return undefined;
  return SCIM_RESOURCES.get((m[1] ?? "").toLowerCase()) ?? "other";
}

export const outcomeOf = (status: number): string => (status >= 500 ? "server_error" : status >= 400 ? "client_error" : "success");

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash("sha256").update(given).digest();
  const b = crypto.createHash("sha256").update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export function createMetrics(store: Store, opts: { processMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry();
  if (opts.processMetrics) collectDefaultMetrics({ register: registry, prefix: "rollcall_" });
  const duration = new Histogram({
    name: "rollcall_http_request_duration_seconds",
    help: "HTTP request duration by method, express route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const scimOps = new Counter({
    name: "rollcall_scim_operations_total",
    help: "SCIM requests by resource and outcome (success, client_error, server_error)",
    labelNames: ["resource", "method", "outcome"] as const,
    registers: [registry],
  });
  const unattributed = new Counter({
    name: "rollcall_scim_refused_unattributed_total",
    help: "SCIM requests refused (401) for a credential no organization can be told of, by kind: no_credential, unknown_key, invalid_token",
    labelNames: ["kind"] as const,
    registers: [registry],
  });
  const stats = () => store.poolStats?.() ?? { total: 1, idle: 0, waiting: 0 };
  new Gauge({ name: "rollcall_db_pool_total_connections", help: "database connections open (SQLite: 1)", registers: [registry], collect() { this.set(stats().total); } });
  new Gauge({ name: "rollcall_db_pool_idle_connections", help: "database connections open and idle (SQLite: 0)", registers: [registry], collect() { this.set(stats().idle); } });
  new Gauge({ name: "rollcall_db_pool_waiting_clients", help: "queries waiting for a free database connection (SQLite: 0)", registers: [registry], collect() { this.set(stats().waiting); } });

  return {
    registry,
    scimRefusedUnattributed(kind) { unattributed.inc({ kind }); },
    observe(req, _res, info) {
      const status = info.aborted ? "aborted" : String(info.status);
      duration.observe({ method: info.method, route: info.route, status }, info.durationMs / 1000);
      const resource = scimResourceOf((req.originalUrl ?? req.url).split("?")[0] ?? "");
      if (resource) scimOps.inc({ resource, method: info.method, outcome: info.aborted ? "aborted" : outcomeOf(info.status) });
    },
    handler(token) {
      return async (req, res) => {
        if (token) {
          const m = /^Bearer\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "");
          if (!m || !sameSecret(m[1]!, token)) {
            res.set("WWW-Authenticate", 'Bearer realm="rollcall-metrics"');
            sendProblem(res, { status: 401, title: titleOf(401), detail: "a metrics token is required: Authorization: Bearer <METRICS_TOKEN>" });
            return;
          }
        }
        res.set("Cache-Control", "no-store").type(registry.contentType).send(await registry.metrics());
      };
    },
  };
}
