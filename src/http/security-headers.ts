/**
 * Response headers every route gets, set once for the whole app:
 * - helmet (nosniff, frame and referrer policies, HSTS, COOP/CORP, …) with one Content
 *   Security Policy that allows this origin's own scripts and styles only (the console
 *   has no inline code; JSON answers need nothing at all);
 * - `Cache-Control: no-store` on every answer that can carry a secret or a personal
 *   view: the SCIM and admin APIs, sign-in, the console's API and one-time links. Those
 *   answers are never cacheable anyway, so one rule covers new API keys, invite links,
 *   admin links, the CSRF token in /api/v1/me and SSO secrets alike.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import helmet from "helmet";

export const securityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", "data:"], connectSrc: ["'self'"],
      fontSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'none'"], frameAncestors: ["'none'"], formAction: ["'self'"],
    },
  },
  referrerPolicy: { policy: "no-referrer" },
});

/** Path prefixes whose answers are never stored by a browser or proxy. */
export const NO_STORE_PREFIXES = ["/scim", "/api", "/auth", "/admin/api", "/admin/link", "/invites", "/oauth/token"];

export function noStore(req: Request, res: Response, next: NextFunction): void {
  const path = req.path;
  if (NO_STORE_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`))) res.set("Cache-Control", "no-store");
  next();
}
