/**
 * How a sign-in ends in the browser or for a script: JSON (problem+json) when the
 * client asks for application/json (or `asJson`), a small HTML page otherwise. Both carry
 * the request id. A domain refusal's status comes from src/http/problems.ts, like at every door.
 */
import type { Request, Response } from "express";
import { problemBody } from "../../http/problems.ts";
import { requestIdOf } from "../../http/problems.ts";
import { failurePageHtml } from "../page.ts";

/** The console's sign-in page for the org a sign-in door's address names (`/auth/<org>/…`). */
export function signInPageOf(req: Request): string {
  const m = /^\/auth\/([^/?#]+)/.exec(req.originalUrl ?? "");
  return m ? `/admin/login?org=${m[1]}` : "/admin/login";
}

export const wantsJson = (req: Request): boolean => req.accepts(["text/html", "application/json"]) === "application/json";

const TITLES: Record<number, string> = {
  400: "Sign-in failed", 401: "Sign-in failed", 403: "You cannot sign in here yet", 404: "Sign-in not available", 409: "You cannot sign in here yet", 410: "Sign-in link not usable", 413: "Sign-in failed",
  429: "Too many sign-in attempts", 500: "Sign-in failed", 502: "Identity provider problem", 503: "Sign-in unavailable",
};

export interface SignInFailure {
  status: number;
  detail: string;
  /** where the person can start again, if anywhere */
  retryUrl?: string;
  retryAfterSeconds?: number;
}

export function sendFailure(req: Request, res: Response, f: SignInFailure, opts: { asJson?: boolean } = {}): void {
  if (res.headersSent) return;
  const title = TITLES[f.status] ?? "Sign-in failed";
  if (f.retryAfterSeconds !== undefined) res.set("Retry-After", String(Math.max(1, Math.ceil(f.retryAfterSeconds))));
  res.set("Cache-Control", "no-store");
  if (opts.asJson || wantsJson(req)) {
    res.status(f.status).type("application/problem+json").send(JSON.stringify(problemBody(res, { status: f.status, title, detail: f.detail })));
    return;
  }
  // The console's look: what happened, what to do and whom to ask, the way back to sign-in (src/sso/page.ts).
  res.status(f.status).type("html").send(failurePageHtml({ status: f.status, title, detail: f.detail, retryUrl: f.retryUrl, signInUrl: signInPageOf(req), requestId: requestIdOf(res) }));
}
