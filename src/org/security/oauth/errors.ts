/**
 * Refusals of the token endpoint, in RFC 6749 §5.2's words (the door turns the
 * code into a status once: src/http/problems.ts `OAUTH_ERROR_STATUS`).
 */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope";

export class OAuthRefusal extends Error {
  constructor(readonly code: OAuthErrorCode, description: string) {
    super(description);
    this.name = "OAuthRefusal";
  }
}

export const oauthRefusal = (code: OAuthErrorCode, description: string) => new OAuthRefusal(code, description);
