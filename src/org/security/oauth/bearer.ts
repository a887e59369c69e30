/**
 * A bearer token at /scim that is a JWT: one of Rollcall's own access tokens
 * (tokens.ts), or a federated token from a trusted issuer (federations.ts).
 * Either stands for an org-scoped service account, exactly as its API key would.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../../db/types.ts";
import { verifyFederatedToken } from "./federations.ts";
import type { RemoteKeys } from "./remote-keys.ts";
import { verifyAccessToken, type Audience } from "./tokens.ts";

export type BearerResult =
  | { ok: true; orgId: string; serviceAccountId: string; /** names the credential in audit events */ credential: string }
  | { ok: false; reason: string };

/** Three base64url parts: a compact JWS (API keys are `rc_…`, never this shape). */
export const isJwtShaped = (token: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token) && token.startsWith("ey");

export async function verifyScimBearer(db: Kysely<Database>, keys: RemoteKeys, token: string, where: Audience): Promise<BearerResult> {
  if (token.length > 16_384) return { ok: false, reason: "the token is too long" };
  const own = await verifyAccessToken(db, token, where);
  if (own) return own.ok ? { ok: true, orgId: own.orgId, serviceAccountId: own.serviceAccountId, credential: own.credential } : own;
  const fed = await verifyFederatedToken(db, keys, token);
  if (!fed) return { ok: false, reason: "the token's issuer is not trusted by any service account" };
  return fed.ok ? { ok: true, orgId: fed.orgId, serviceAccountId: fed.serviceAccountId, credential: `federation:${fed.federationId}` } : fed;
}
