/** SCIM error responses (RFC 7644 §3.12): status as a string, scimType, detail; the status comes from src/http/problems.ts. */
import type { Request, Response, NextFunction } from "express";
import { HttpProblem, problemOf, requestIdOf } from "../http/problems.ts";

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

export class ScimError extends HttpProblem {
  constructor(status: number, scimType: string | undefined, detail: string) {
    super(status, detail, scimType ? { scimType } : {});
    this.name = "ScimError";
  }
}

export const badRequest = (scimType: string, detail: string) => new ScimError(400, scimType, detail);

/** Unwraps a typed parse result, turning its error into a 400 with its scimType. */
export function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { scimType: string; detail: string } }): T {
  if (!r.ok) throw badRequest(r.error.scimType, r.error.detail);
  return r.value;
}

export function toScimError(err: unknown): ScimError {
  if (err instanceof ScimError) return err;
  const p = problemOf(err);
  // RFC 7644 §3.7.4: a body over the limit names it; it is /Bulk's maxPayloadSize too
  const detail = p.status === 413 && p.limit !== undefined ? `${p.detail} (maxPayloadSize)` : p.detail;
  return new ScimError(p.status, p.scimType, detail);
}

/** The SCIM error body; `requestId` lets a client quote the request to the operator (the access log has it). */
export function scimErrorBody(res: Response, err: ScimError): Record<string, unknown> {
  const requestId = requestIdOf(res);
  return {
    schemas: [SCIM_ERROR_SCHEMA],
    status: String(err.status),
    ...(err.scimType ? { scimType: err.scimType } : {}),
    detail: err.message,
    ...(requestId ? { requestId } : {}),
  };
}

export function sendScimError(res: Response, err: ScimError): void {
  if (res.headersSent) return;
  if (err.status === 401 && !res.get("WWW-Authenticate")) res.set("WWW-Authenticate", 'Bearer realm="rollcall", Basic realm="rollcall"');
  res.status(err.status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(scimErrorBody(res, err)));
}

/** Express error handler for the SCIM router. 5xx details are logged, never sent. */
export function scimErrorHandler(log: (msg: string, err: unknown) => void) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const scimErr = toScimError(err);
    if (scimErr.status >= 500) log("unhandled error in SCIM request", err);
    if (res.headersSent) return;
    sendScimError(res, scimErr);
  };
}
