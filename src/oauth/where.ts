/** Where the OAuth door is, as clients see it: issuer, token endpoint, the SCIM resource tokens are for. */
import type { Request } from "express";
import type { Config } from "../config.ts";
import { publicBaseUrl } from "../http/public-address.ts";
import type { Audience } from "../org/security/oauth/tokens.ts";

export const TOKEN_PATH = "/oauth/token";
export const JWKS_PATH = "/oauth/jwks";
export const METADATA_PATH = "/.well-known/oauth-authorization-server";

export interface OAuthPlace extends Audience {
  tokenEndpoint: string;
  jwksUri: string;
}

/** The issuer is the public base URL; tokens are for `<base>/scim/v2` (RFC 8707 resource). */
export function oauthPlace(req: Request, config: Config): OAuthPlace {
  const base = publicBaseUrl(req, config);
  return { issuer: base, resource: `${base}/scim/v2`, tokenEndpoint: `${base}${TOKEN_PATH}`, jwksUri: `${base}${JWKS_PATH}` };
}
