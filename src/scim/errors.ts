/** SCIM error responses (RFC 7644 §3.12): status as a string, scimType, detail. */
import type { Request, Response, NextFunction } from "express";
import { DomainError } from "../org/errors.ts";

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: string | undefined,
    detail: string,
  ) {
    super(detail);
    this.name = "ScimError";
  }
}

export const badRequest = (scimType: string, detail: string) => new ScimError(400, scimType, detail);

/** Unwraps a typed parse result, turning its error into a 400 with its scimType. */
export function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: { scimType: string; detail: string } }): T {
  if (!r.ok) throw badRequest(r.error.scimType, r.error.detail);
  return r.value;
}

const STATUS: Record<DomainError["kind"], number> = {
  invalid: 400,
  not_found: 404,
  conflict: 409,
  rule: 409,
  forbidden: 403,
  precondition: 412,
  unauthorized: 401,
};

export function toScimError(err: unknown): ScimError {
  if (err instanceof ScimError) return err;
  if (err instanceof DomainError) return new ScimError(STATUS[err.kind], err.kind === "invalid" || err.kind === "conflict" ? err.scimType : undefined, err.message);
  const e = err as { type?: string; status?: number; statusCode?: number; message?: string; limit?: number };
  // body-parser errors; RFC 7644 §3.7.4 wants the limit named (it is /Bulk's maxPayloadSize too)
  if (e?.type === "entity.too.large")
    return new ScimError(413, undefined, `request body is larger than the configured limit${typeof e.limit === "number" ? ` of ${e.limit} bytes (maxPayloadSize)` : ""}`);
  if (e?.type === "entity.parse.failed") return badRequest("invalidSyntax", `request body is not valid JSON: ${e.message ?? ""}`.trim());
  if (e?.type === "encoding.unsupported" || e?.type === "charset.unsupported") return new ScimError(415, undefined, e.message ?? "unsupported encoding");
  const status = e?.status ?? e?.statusCode;
  if (typeof status === "number" && status >= 400 && status < 500) return new ScimError(status, undefined, e.message ?? "bad request");
  return new ScimError(500, undefined, "internal error");
}

export function sendScimError(res: Response, err: ScimError): void {
  if (err.status === 401) res.set("WWW-Authenticate", 'Bearer realm="rollcall", Basic realm="rollcall"');
  res.status(err.status).type(SCIM_CONTENT_TYPE).send(
    JSON.stringify({
      schemas: [SCIM_ERROR_SCHEMA],
      status: String(err.status),
      ...(err.scimType ? { scimType: err.scimType } : {}),
      detail: err.message,
    }),
  );
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
