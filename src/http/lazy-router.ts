/**
 * A router built on its first request. The doors people use now and then (sign-in, the console,
 * the admin API, event polling) pull in modules SCIM traffic never needs (OIDC client, passport,
 * LDAP client, zod schemas, the OpenAPI registry); loading them when first asked keeps the idle
 * server ~15 MB smaller (docs/capacity.md). Concurrent first requests share one load; a failed
 * load goes to the error handler and is tried again by the next request.
 */
import { createRequire } from "node:module";
import type { NextFunction, Request, RequestHandler, Response } from "express";

/** `serves`: the paths the router answers (mounted at the root, it must not load for every other request). */
export function lazyRouter(load: () => Promise<RequestHandler>, serves: (path: string) => boolean = () => true): RequestHandler {
  let loading: Promise<RequestHandler> | undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    if (!serves(req.path)) return next();
    loading ??= load();
    loading.then(
      (handler) => handler(req, res, next),
      (err: unknown) => {
        loading = undefined;
        next(err);
      },
    );
  };
}

/**
 * Loads `spec` (a path relative to `base`, the caller's import.meta.url, written with `.ts`) the way
 * its static imports were loaded, so modules that hold state (the sessions' WeakMap, caches) exist
 * once: compiled ESM (npm start, `.js`) and tsx's ESM mode import it; where tsx runs our modules as
 * CommonJS (the test runner) an import() would load a second copy, so there it is required.
 */
export function loadModule<T>(base: string, spec: string): Promise<T> {
  const file = base.endsWith(".js") ? spec.replace(/\.ts$/, ".js") : spec;
  if (typeof require === "function") return Promise.resolve(createRequire(base)(file) as T);
  return import(new URL(file, base).href) as Promise<T>;
}
