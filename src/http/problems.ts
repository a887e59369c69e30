/**
 * The one translation of a refusal into HTTP: which status a domain error kind gets,
 * and what any thrown error means for a client. Every door (SCIM errors in
 * src/scim/errors.ts, problem+json in src/admin/errors.ts and the console, the sign-in
 * pages in src/sso/oidc/respond.ts, the app's final handler) asks this module, so the
 * same refusal has the same status everywhere. Nothing a client gets from here carries
 * a stack, a file path or SQL: anything not understood is a 500 "internal error".
 *
 * @example
 * const p = problemOf(err);            // { status: 409, title: "Conflict", detail: "seat limit reached: …" }
 * sendProblem(res, p);                 // application/problem+json with the request id
 */
import type { Response } from "express";
import { DomainError, type DomainErrorKind, type InvalidParam } from "../org/errors.ts";
import { OAuthRefusal, type OAuthErrorCode } from "../org/security/oauth/errors.ts";

/** One status per kind of domain refusal, at every door. */
export const KIND_STATUS: Readonly<Record<DomainErrorKind, number>> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  // A rule of the org refuses (last admin, seat limit, an arrival the org does not allow): the
  // request is understood and allowed, but the org's current state says no.
  rule: 409,
  precondition: 412,
  // an address the outbound policy refuses (src/org/security/outbound.ts): well-formed, but not one the server calls
  unprocessable: 422,
};

export const statusOfKind = (kind: DomainErrorKind): number => KIND_STATUS[kind];

/** The token endpoint's refusals (RFC 6749 §5.2): a client that failed to authenticate is 401, the rest 400. */
export const OAUTH_ERROR_STATUS: Readonly<Record<OAuthErrorCode, number>> = {
  invalid_request: 400, invalid_client: 401, invalid_grant: 400, unauthorized_client: 400, unsupported_grant_type: 400, invalid_scope: 400,
};

/** A refusal at the token endpoint in RFC 6749 §5.2's form; a domain error's status as everywhere else. */
export function oauthErrorOf(err: unknown): { status: number; error: string; error_description: string } {
  if (err instanceof OAuthRefusal) return { status: OAUTH_ERROR_STATUS[err.code], error: err.code, error_description: err.message };
  const p = problemOf(err);
  const error = p.status === 401 ? "invalid_client" : p.status < 500 ? "invalid_request" : "server_error";
  return { status: p.status, error, error_description: p.detail };
}

export const HTTP_TITLES: Readonly<Record<number, string>> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
  410: "Gone", 412: "Precondition Failed", 422: "Unprocessable Content", 413: "Payload Too Large", 415: "Unsupported Media Type", 429: "Too Many Requests",
  500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
};

export const titleOf = (status: number): string => HTTP_TITLES[status] ?? (status >= 500 ? "Server Error" : "Error");

/** A refusal made at the HTTP boundary (bad URL, bad Host, NUL byte, …), understood by every area's error format. */
export class HttpProblem extends Error {
  readonly title: string;
  readonly scimType: string | undefined;
  readonly params: InvalidParam[] | undefined;
  constructor(readonly status: number, detail: string, opts: { title?: string; scimType?: string; params?: InvalidParam[] } = {}) {
    super(detail);
    this.name = "HttpProblem";
    this.title = opts.title ?? titleOf(status);
    this.scimType = opts.scimType;
    this.params = opts.params;
  }
}

/** What a client may learn about an error. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
  /** SCIM's scimType, when the SCIM door answers */
  scimType?: string;
  /** the body limit, for a 413 */
  limit?: number;
  /** the problem type URI, when the refusal has one (else about:blank) */
  type?: string;
  /** for API clients: which fields, and the technical reason (RFC 9457 `invalid-params`); `detail` is for people */
  params?: InvalidParam[];
}

interface LibraryError { type?: unknown; status?: unknown; statusCode?: unknown; message?: unknown; limit?: unknown; expose?: unknown }

const INTERNAL: Problem = { status: 500, title: titleOf(500), detail: "internal error" };

/** The one translation: any thrown value → what the client is told. */
export function problemOf(err: unknown): Problem {
  if (err instanceof HttpProblem) return { status: err.status, title: err.title, detail: err.message, ...(err.scimType ? { scimType: err.scimType } : {}), ...(err.params ? { params: err.params } : {}) };
  if (err instanceof DomainError) {
    const status = statusOfKind(err.kind);
    const scimType = err.kind === "invalid" || err.kind === "conflict" ? err.scimType : undefined;
    return { status, title: titleOf(status), detail: err.message, ...(scimType ? { scimType } : {}), ...(err.params ? { params: err.params } : {}), ...(err.problemType ? { type: err.problemType } : {}) };
  }
  if (typeof err !== "object" || err === null) return INTERNAL;
  const e = err as LibraryError;
  // body-parser (express.json / urlencoded)
  if (e.type === "entity.too.large")
    return { status: 413, title: titleOf(413), detail: `request body is larger than the configured limit${typeof e.limit === "number" ? ` of ${e.limit} bytes` : ""}`, ...(typeof e.limit === "number" ? { limit: e.limit } : {}) };
  if (e.type === "entity.parse.failed")
    return { status: 400, title: titleOf(400), detail: `request body is not valid JSON${typeof e.message === "string" && e.message ? `: ${e.message}` : ""}`, scimType: "invalidSyntax" };
  if (e.type === "encoding.unsupported" || e.type === "charset.unsupported") return { status: 415, title: titleOf(415), detail: "the request body's encoding or charset is not supported (send UTF-8)" };
  if (e.type === "request.aborted") return { status: 400, title: titleOf(400), detail: "the request body was not completely received" };
  // the router's percent-decoding of a path parameter
  if (err instanceof URIError) return { status: 400, title: titleOf(400), detail: "the URL path has a malformed percent-encoding", scimType: "invalidValue" };
  const status = typeof e.status === "number" ? e.status : typeof e.statusCode === "number" ? e.statusCode : undefined;
  // http-errors from the libraries we use mark their message safe to show (expose) for 4xx
  if (status !== undefined && status >= 400 && status < 500)
    return { status, title: titleOf(status), detail: e.expose !== false && typeof e.message === "string" && e.message ? e.message : titleOf(status).toLowerCase() };
  return INTERNAL;
}

/** The request id the access log gives this response (src/http/logging.ts). */
export const requestIdOf = (res: Response): string | undefined => (typeof res.locals.requestId === "string" ? res.locals.requestId : undefined);

/** An RFC 9457 body with the request id, so a client can quote it to the operator. */
export function problemBody(res: Response, p: Problem): Record<string, unknown> {
  const requestId = requestIdOf(res);
  return { type: p.type ?? "about:blank", title: p.title, status: p.status, detail: p.detail, ...(p.params?.length ? { "invalid-params": p.params } : {}), ...(requestId ? { requestId } : {}) };
}

export function sendProblem(res: Response, p: Problem, extra: Record<string, unknown> = {}): void {
  if (res.headersSent) return;
  if (p.status === 401 && !res.get("WWW-Authenticate")) res.set("WWW-Authenticate", 'Bearer realm="rollcall"');
  res.status(p.status).type("application/problem+json").send(JSON.stringify({ ...problemBody(res, p), ...extra }));
}
