/**
 * The OAuth door for SCIM clients: the token endpoint (/oauth/token, a form
 * POST answered with RFC 6749 §5.1 JSON or a §5.2 error), our public keys
 * (/oauth/jwks) and RFC 8414 metadata (/.well-known/oauth-authorization-server).
 * The rules are in src/org/security/oauth/; this only parses and answers.
 */
import express, { Router, type Request, type Response } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import { oauthErrorOf } from "../http/problems.ts";
import { oauthRefusal } from "../org/security/oauth/errors.ts";
import { FEDERATED_ALGS } from "../org/security/oauth/federations.ts";
import type { RemoteKeys } from "../org/security/oauth/remote-keys.ts";
import { publishedKeys } from "../org/security/oauth/signing-keys.ts";
import { AUTH_METHODS, DEFAULT_TOKEN_LIMITS, exchangeToken, GRANT_TYPES, TokenRateLimited } from "../org/security/oauth/token-endpoint.ts";
import { SCIM_SCOPE } from "../org/security/oauth/tokens.ts";
import { JWKS_PATH, METADATA_PATH, oauthPlace, TOKEN_PATH } from "./where.ts";

/** RFC 6749 §2.3.1: client_id and secret are form-encoded before they are put into Basic. */
const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, " "));

function readBasic(req: Request): { clientId: string; secret: string } | undefined {
  const header = req.get("authorization");
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/);
  if (scheme?.toLowerCase() !== "basic" || !value) throw oauthRefusal("invalid_client", "the Authorization header must be Basic client_id:client_secret");
  const decoded = Buffer.from(value, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw oauthRefusal("invalid_client", "the Basic credentials must be client_id:client_secret");
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw oauthRefusal("invalid_client", "the Basic credentials are not form-encoded");
  }
}

/** The form's parameters; one value each (RFC 6749 §3.2: a parameter must not repeat). */
function readParams(req: Request): Record<string, string | undefined> {
  if (!req.is("application/x-www-form-urlencoded")) throw oauthRefusal("invalid_request", "the token request must be application/x-www-form-urlencoded");
  const body = (req.body ?? {}) as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v !== "string") throw oauthRefusal("invalid_request", `the parameter ${k} is given more than once`);
    if (v !== "") out[k] = v;
  }
  return out;
}

function sendOAuthError(res: Response, err: unknown, log: (msg: string, err: unknown) => void, basicUsed: boolean): void {
  if (err instanceof TokenRateLimited) {
    res.status(429).set("Retry-After", String(err.retryAfterSeconds)).json({ error: "slow_down", error_description: err.message });
    return;
  }
  const e = oauthErrorOf(err);
  if (e.status >= 500) log("unhandled error at the token endpoint", err);
  if (e.status === 401) res.set("WWW-Authenticate", basicUsed ? 'Basic realm="rollcall"' : 'Bearer realm="rollcall"');
  res.status(e.status).set({ "Cache-Control": "no-store", Pragma: "no-cache" }).json({ error: e.error, error_description: e.status >= 500 ? "internal error" : e.error_description });
}

export function oauthRouter(store: Store, config: Config, keys: RemoteKeys, log: (msg: string, err: unknown) => void): Router {
  const r = Router();
  r.get(METADATA_PATH, (req, res) => {
    const place = oauthPlace(req, config);
    res.json({
      issuer: place.issuer,
      token_endpoint: place.tokenEndpoint,
      jwks_uri: place.jwksUri,
      grant_types_supported: GRANT_TYPES,
      token_endpoint_auth_methods_supported: AUTH_METHODS,
      token_endpoint_auth_signing_alg_values_supported: FEDERATED_ALGS,
      scopes_supported: [SCIM_SCOPE],
      response_types_supported: [],
      service_documentation: `${place.resource}/ServiceProviderConfig`,
    });
  });
  r.get(JWKS_PATH, async (_req, res) => {
    res.set("Cache-Control", "public, max-age=300").json(await publishedKeys(store.db));
  });
  r.post(TOKEN_PATH, express.urlencoded({ extended: false, limit: "64kb", parameterLimit: 20 }), async (req, res) => {
    const basicUsed = req.get("authorization") !== undefined;
    try {
      const place = oauthPlace(req, config);
      const token = await exchangeToken(store.db, {
        encryptionKey: config.encryptionKey, keys, where: place, tokenEndpoint: place.tokenEndpoint,
        limits: config.oauthTokenLimits ?? DEFAULT_TOKEN_LIMITS,
      }, { params: readParams(req), basic: readBasic(req), address: req.ip ?? "unknown" });
      res.set({ "Cache-Control": "no-store", Pragma: "no-cache" }).json(token);
    } catch (err) {
      sendOAuthError(res, err, log, basicUsed);
    }
  });
  r.all(TOKEN_PATH, (_req, res) => { res.status(405).set("Allow", "POST").json({ error: "invalid_request", error_description: "the token endpoint takes POST only" }); });
  return r;
}
