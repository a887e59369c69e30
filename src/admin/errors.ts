/** Admin API errors as application/problem+json (RFC 9457) with a useful detail. */
import type { NextFunction, Request, Response } from "express";
import { DomainError } from "../org/errors.ts";

export class ProblemError extends Error {
  constructor(readonly status: number, readonly title: string, detail: string) {
    super(detail);
  }
}

const TITLES: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Conflict",
  412: "Precondition Failed", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests", 500: "Internal Server Error",
};
const KIND_STATUS: Record<DomainError["kind"], number> = {
  invalid: 400, not_found: 404, conflict: 409, rule: 409, forbidden: 403, precondition: 412, unauthorized: 401,
};

export const badInput = (detail: string) => new ProblemError(400, TITLES[400]!, detail);

export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  if (err instanceof DomainError) { const s = KIND_STATUS[err.kind]; return new ProblemError(s, TITLES[s]!, err.message); }
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === "entity.too.large") return new ProblemError(413, TITLES[413]!, "request body is larger than the configured limit");
  if (e?.type === "entity.parse.failed") return new ProblemError(400, TITLES[400]!, "request body is not valid JSON");
  if (typeof e?.status === "number" && e.status >= 400 && e.status < 500) return new ProblemError(e.status, TITLES[e.status] ?? "Error", e.message ?? "bad request");
  return new ProblemError(500, TITLES[500]!, "internal error");
}

export function problemHandler(log: (msg: string, err: unknown) => void) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const p = toProblem(err);
    if (p.status >= 500) log("unhandled error in admin API request", err);
    if (res.headersSent) return;
    if (p.status === 401) res.set("WWW-Authenticate", 'Bearer realm="rollcall"');
    res.status(p.status).type("application/problem+json").send(JSON.stringify({ type: "about:blank", title: p.title, status: p.status, detail: p.message }));
  };
}
