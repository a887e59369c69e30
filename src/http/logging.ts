/**
 * Request ids and the access log (pino, JSON lines). One line per request: method, route
 * pattern (never raw ids or query strings), status, duration, request id. Never headers or bodies.
 *
 * @example
 * const logger = createLogger("info");
 * app.use(requestLogging(logger, (req, res, info) => metrics.observe(req, res, info)));
 */
import { AsyncLocalStorage } from "node:async_hooks";
import crypto from "node:crypto";
import type { NextFunction, Request, Response } from "express";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

/** An incoming X-Request-Id is kept only when it is a short, plain token. */
const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,100}$/;

export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && SANE_REQUEST_ID.test(header) ? header : crypto.randomUUID();
}

const requestScope = new AsyncLocalStorage<{ id: string }>();

/** The id of the request being handled in this async context, if any. */
export function currentRequestId(): string | undefined {
  return requestScope.getStore()?.id;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    name: "rollcall",
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
    // Defensive: nothing here logs headers or bodies, but a careless `log(msg, obj)` must not leak them.
    redact: { paths: ["authorization", "*.authorization", "headers.authorization", "*.headers.authorization", "password", "*.password", "token", "*.token"], censor: "[redacted]" },
  };
  // stdout is written asynchronously: lines logged while a write is in flight go out together in the next one,
  // instead of one blocking write(2) per request. pino flushes what is left when the process exits.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

export const silentLogger = (): Logger => pino({ level: "silent" });

export interface RequestInfo {
  requestId: string;
  method: string;
  /** express route pattern (`/scim/v2/Users/:id`), or a bounded placeholder when no route matched */
  route: string;
  status: number;
  durationMs: number;
  /** the client went away before the response was complete */
  aborted: boolean;
}

/** Mount points whose unmatched requests are reported as `<prefix>/*` instead of their raw path. */
const PREFIXES = ["/scim/v2", "/scim", "/api/v1", "/auth"];

function unmatchedRoute(req: Request): string {
  const path = (req.originalUrl ?? req.url).split("?")[0] ?? "";
  for (const p of PREFIXES) if (path === p || path.startsWith(`${p}/`)) return `${p}/*`;
  return "*";
}

function joinRoute(base: string, path: unknown): string {
  const tail = typeof path === "string" ? path : String(path);
  const joined = `${base}${tail === "/" && base ? "" : tail}`;
  return joined || "/";
}

/**
 * Remembers the full route pattern as routers match it: express sets `req.route` on the
 * matched route while `req.baseUrl` is still that router's mount path (it is restored later).
 */
function trackRoute(req: Request): () => string | undefined {
  let route: unknown;
  let pattern: string | undefined;
  Object.defineProperty(req, "route", {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: { path?: unknown } | undefined) => {
      route = value;
      if (value && value.path !== undefined) pattern = joinRoute(req.baseUrl ?? "", value.path);
    },
  });
  return () => pattern;
}

/** Request-id middleware + access log; `onDone` also receives each finished request (metrics). */
export function requestLogging(logger: Logger, onDone?: (req: Request, res: Response, info: RequestInfo) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = requestIdFrom(req.get("x-request-id"));
    res.set("X-Request-Id", requestId);
    res.locals.requestId = requestId;
    const started = process.hrtime.bigint();
    const patternOf = trackRoute(req);
    let done = false;
    const finish = (aborted: boolean) => {
      if (done) return;
      done = true;
      const info: RequestInfo = {
        requestId,
        method: req.method,
        route: patternOf() ?? unmatchedRoute(req),
        status: res.statusCode,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
        aborted,
      };
      logger.info({ reqId: info.requestId, method: info.method, route: info.route, status: info.status, durationMs: info.durationMs, ...(aborted ? { aborted } : {}) }, "request");
      try { onDone?.(req, res, info); } catch (err) { logger.error({ reqId: requestId, err }, "recording request metrics failed"); }
    };
    res.on("finish", () => finish(false));
    res.on("close", () => finish(!res.writableFinished));
    requestScope.run({ id: requestId }, next);
  };
}

/** The `log(msg, err)` function routers get: through pino, with the current request id. */
export function errorLogFunction(logger: Logger, also?: (msg: string, err?: unknown) => void) {
  return (msg: string, err?: unknown): void => {
    const reqId = currentRequestId();
    if (err === undefined) logger.warn(reqId ? { reqId } : {}, msg);
    else logger.error({ ...(reqId ? { reqId } : {}), err }, msg);
    also?.(msg, err);
  };
}
