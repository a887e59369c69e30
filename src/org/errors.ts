/**
 * Errors of the organization rules. They carry no HTTP: each adapter
 * translates them once (SCIM error bodies, admin API problem+json, CLI text).
 */
export type DomainErrorKind =
  | "invalid" // bad input: SCIM 400 invalidValue
  | "not_found" // 404
  | "conflict" // uniqueness: 409
  | "rule" // a rule refuses (last admin, seat limit): 409
  | "forbidden" // 403
  | "precondition" // If-Match mismatch: 412
  | "unprocessable" // understood but not acted on, e.g. an address the server will not call: 422
  | "unauthorized"; // 401

/**
 * The machine-readable side of a refusal for API clients (RFC 9457 `invalid-params`):
 * the field as the client sent it and what is wrong with it, while the message stays
 * plain words for a person.
 */
export interface InvalidParam { name: string; reason: string }

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    /** SCIM scimType to use when the adapter is SCIM (e.g. "uniqueness", "mutability") */
    readonly scimType?: string,
    /** for API clients: which fields, and the technical reason */
    readonly params?: InvalidParam[],
    /** a problem type URI (RFC 9457 `type`) for a refusal clients tell apart, e.g. a managed field */
    readonly problemType?: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const invalid = (msg: string, scimType = "invalidValue") => new DomainError("invalid", msg, scimType);
/** Bad input in one field: `plain` for people, the field and the technical reason for clients. */
export const invalidField = (name: string, reason: string, plain: string, scimType = "invalidValue") => new DomainError("invalid", plain, scimType, [{ name, reason }]);
export const notFound = (msg: string) => new DomainError("not_found", msg);
export const conflict = (msg: string) => new DomainError("conflict", msg, "uniqueness");
export const refused = (msg: string) => new DomainError("rule", msg);
export const forbidden = (msg: string) => new DomainError("forbidden", msg);
export const preconditionFailed = (msg: string) => new DomainError("precondition", msg);
