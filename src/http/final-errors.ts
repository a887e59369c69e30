/**
 * The app's last word on a request nothing answered, or an error no router handled
 * (a malformed path parameter, a refused Host, a NUL byte in the URL, a console route's
 * failure): the error format of the area the URL belongs to — SCIM errors on /scim,
 * problem+json on /api and /admin/api, the sign-in page or JSON on /auth, an HTML page
 * elsewhere. Express's own handler (which prints stacks outside production) is never reached.
 */
import type { NextFunction, Request, Response } from "express";
import { sendScimError, toScimError } from "../scim/errors.ts";
import { sendFailure } from "../sso/oidc/respond.ts";
import { escapeHtml, sendPage } from "./html-page.ts";
import { HttpProblem, problemOf, sendProblem } from "./problems.ts";

type Area = "scim" | "api" | "auth" | "page";

function areaOf(req: Request): Area {
  const path = (req.originalUrl ?? req.url).split("?")[0] ?? "";
  const under = (p: string) => path === p || path.startsWith(`${p}/`);
  if (under("/scim")) return "scim";
  if (under("/api") || under("/admin/api") || under("/metrics") || under("/healthz") || under("/readyz")) return "api";
  if (under("/auth")) return "auth";
  return "page";
}

/** After every router: an unmatched request is a 404 in its area's format. */
export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  const path = (req.originalUrl ?? req.url).split("?")[0] ?? "";
  next(new HttpProblem(404, `nothing is served at ${req.method} ${path.slice(0, 200)}`));
}

export function finalErrorHandler(log: (msg: string, err: unknown) => void) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const p = problemOf(err);
    if (p.status >= 500) log(`unhandled error in ${req.method} request`, err);
    if (res.headersSent) {
      // Too late for a status: end the response so the client is not left waiting.
      if (!res.writableEnded) res.end();
      return;
    }
    const area = areaOf(req);
    if (area === "scim") sendScimError(res, toScimError(err));
    else if (area === "api") sendProblem(res, p);
    else if (area === "auth") sendFailure(req, res, { status: p.status, detail: p.detail });
    else if (req.accepts(["text/html", "application/json"]) === "application/json") sendProblem(res, p);
    else sendPage(res, p.status, p.title, `<p>${escapeHtml(p.detail)}</p><p><a href="/admin/">Rollcall console</a></p>`);
  };
}
