/**
 * Rollcall's access tokens for SCIM (RFC 9068 JWTs): signed with the current
 * store key (signing-keys.ts), short-lived (the client's lifetime), naming the
 * org, the OAuth client and the service account they act as. A token is
 * accepted only while its client and service account still exist, so deleting
 * either ends every token at once.
 */
import crypto from "node:crypto";
import { jwtVerify, SignJWT, type JWTHeaderParameters } from "jose";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../../../db/types.ts";
import { hasLapsed } from "../expiry.ts";
import { tokenProblem } from "./federations.ts";
import { currentSigningKey, SIGNING_ALG, verificationKey } from "./signing-keys.ts";

type Db = Kysely<Database>;

export const SCIM_SCOPE = "scim";
/** the client_id of a token exchanged under a federation trust: `federation:<trust id>` */
export const FEDERATION_PREFIX = "federation:";
const TOKEN_TYPE = "at+jwt";

export interface Audience {
  /** our issuer: the public base URL */
  issuer: string;
  /** the SCIM base URL the token is for */
  resource: string;
}

export interface IssuedToken {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
}

export async function issueAccessToken(
  db: Db, encryptionKey: Buffer | undefined, where: Audience,
  grant: { orgId: string; serviceAccountId: string; clientId: string; lifetimeSeconds: number }, at: number = Date.now(),
): Promise<IssuedToken> {
  const { kid, key } = await currentSigningKey(db, encryptionKey, at);
  const iat = Math.floor(at / 1000);
  const token = await new SignJWT({ client_id: grant.clientId, org_id: grant.orgId, scope: SCIM_SCOPE })
    .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: TOKEN_TYPE })
    .setIssuer(where.issuer).setAudience(where.resource).setSubject(grant.serviceAccountId)
    .setIssuedAt(iat).setExpirationTime(iat + grant.lifetimeSeconds).setJti(crypto.randomUUID())
    .sign(key);
  return { access_token: token, token_type: "Bearer", expires_in: grant.lifetimeSeconds, scope: SCIM_SCOPE };
}

export type OwnTokenResult =
  | { ok: true; orgId: string; serviceAccountId: string; /** `oauth-client:<id>` or `federation:<id>` */ credential: string }
  | { ok: false; reason: string };

/** Checks one of our tokens; null when the token is not ours (another issuer: maybe federated). */
export async function verifyAccessToken(db: Db, token: string, where: Audience, at: number = Date.now()): Promise<OwnTokenResult | null> {
  // Another issuer's token (or not a JWT at all): the caller may try federation.
  if (!looksOurs(token, where.issuer)) return null;
  let payload: Awaited<ReturnType<typeof jwtVerify>>["payload"];
  try {
    ({ payload } = await jwtVerify(token, async (header: JWTHeaderParameters) => {
      const key = header.kid ? await verificationKey(db, header.kid, at) : null;
      if (!key) throw Object.assign(new Error("unknown kid"), { code: "ERR_JWKS_NO_MATCHING_KEY" });
      return key;
    }, { issuer: where.issuer, audience: where.resource, algorithms: [SIGNING_ALG], typ: TOKEN_TYPE, requiredClaims: ["exp", "sub"], currentDate: new Date(at) }));
  } catch (err) {
    return { ok: false, reason: tokenProblem(err) };
  }
  if (typeof payload.client_id !== "string" || typeof payload.org_id !== "string" || typeof payload.sub !== "string") return { ok: false, reason: "the token lacks its client, org or subject" };
  // A token from the JWT bearer grant names the federation trust it was exchanged under instead of a client.
  const fed = payload.client_id.startsWith(FEDERATION_PREFIX);
  const client = fed
    ? await db.selectFrom("scim_federations as c").innerJoin("service_accounts as s", "s.id", "c.service_account_id")
      .select(["c.id", "c.org_id", "c.service_account_id", "s.team_id", "c.expires_at"])
      .where("c.id", "=", payload.client_id.slice(FEDERATION_PREFIX.length)).where("c.org_id", "=", payload.org_id).where("c.service_account_id", "=", payload.sub).executeTakeFirst()
    : await db.selectFrom("oauth_clients as c").innerJoin("service_accounts as s", "s.id", "c.service_account_id")
      .select(["c.id", "c.org_id", "c.service_account_id", "s.team_id", sql<string | null>`null`.as("expires_at")])
      .where("c.client_id", "=", payload.client_id).where("c.org_id", "=", payload.org_id).where("c.service_account_id", "=", payload.sub).executeTakeFirst();
  if (!client || client.team_id || hasLapsed(client.expires_at)) return { ok: false, reason: "the token's OAuth client, federation or service account no longer exists" };
  return { ok: true, orgId: client.org_id, serviceAccountId: client.service_account_id, credential: `${fed ? "federation" : "oauth-client"}:${client.id}` };
}

function looksOurs(token: string, issuer: string): boolean {
  try {
    const body = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as { iss?: unknown };
    return body.iss === issuer;
  } catch {
    return false;
  }
}
