/**
 * Workload identity federation (what Entra does): a service account trusts
 * tokens that another issuer signs for one subject and audience. Such a token
 * is accepted straight at /scim, or exchanged at the token endpoint (RFC 7523
 * §2.1 JWT bearer grant). Keys come from the issuer's published JWKS through
 * the per-app cache (remote-keys.ts).
 */
import crypto from "node:crypto";
import { decodeJwt, jwtVerify } from "jose";
import type { Kysely } from "kysely";
import type { Database } from "../../../../db/types.ts";
import { recordAudit, type Actor } from "../../audit/record.ts";
import { now } from "../../clock.ts";
import { conflict, invalid, notFound, refused } from "../../errors.ts";
import { isUniqueViolation } from "../../db-errors.ts";
import { checkedExpiry, hasLapsed } from "../expiry.ts";
import { getServiceAccount } from "../service-accounts.ts";
import { checkOutboundUrl } from "../outbound.ts";
import { checkedKeyUrl } from "./key-urls.ts";
import type { RemoteKeys } from "./remote-keys.ts";

type Db = Kysely<Database>;

/** Asymmetric algorithms only: a shared-secret (HS*) token from an issuer proves nothing. */
export const FEDERATED_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export interface FederationView {
  id: string;
  serviceAccountId: string;
  issuer: string;
  audience: string;
  subject: string;
  jwksUri: string | null;
  expiresAt: string | null;
  createdAt: string;
}

export interface FederationInput {
  serviceAccountId: string;
  issuer: string;
  audience: string;
  subject: string;
  jwksUri?: string | null;
  expiresAt?: string | null;
}

type Row = Database["scim_federations"];
const view = (r: Row): FederationView => ({
  id: r.id, serviceAccountId: r.service_account_id, issuer: r.issuer, audience: r.audience, subject: r.subject, jwksUri: r.jwks_uri, expiresAt: r.expires_at, createdAt: r.created_at,
});

export async function createFederation(db: Db, orgId: string, input: FederationInput, actor: Actor): Promise<FederationView> {
  const issuer = checkedKeyUrl(input.issuer, "issuer");
  const audience = input.audience.trim();
  const subject = input.subject.trim();
  if (!audience || !subject) throw invalid('"audience" and "subject" are required');
  const jwksUri = input.jwksUri ? checkedKeyUrl(input.jwksUri, "jwksUri") : null;
  const expiresAt = checkedExpiry(input.expiresAt);
  await checkOutboundUrl(issuer, "The issuer's address");
  if (jwksUri) await checkOutboundUrl(jwksUri, "The address of the issuer's keys");
  try {
    return await db.transaction().execute(async (trx) => {
      const sa = await getServiceAccount(trx, orgId, input.serviceAccountId);
      if (sa.scope !== "org") throw refused("federation for SCIM needs an org-scoped service account (a team-scoped one cannot use SCIM)");
      const row: Row = { id: crypto.randomUUID(), org_id: orgId, service_account_id: sa.id, issuer, audience, subject, jwks_uri: jwksUri, expires_at: expiresAt, created_at: now() };
      await trx.insertInto("scim_federations").values(row).execute();
      await recordAudit(trx, { orgId, actor, action: "scim_federation.create", targetType: "scim_federation", targetId: row.id, detail: { before: null, after: view(row) } });
      return view(row);
    });
  } catch (err) {
    // The same issuer, subject and audience would name two accounts (maybe another org's): refused without saying whose.
    if (isUniqueViolation(err)) throw conflict("this issuer, subject and audience are already trusted by a service account; choose another audience");
    throw err;
  }
}

export async function listFederations(db: Db, orgId: string): Promise<FederationView[]> {
  return (await db.selectFrom("scim_federations").selectAll().where("org_id", "=", orgId).orderBy("created_at").orderBy("id").execute()).map(view);
}

export async function deleteFederation(db: Db, orgId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("scim_federations").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
    if (!row) throw notFound("This trusted issuer does not exist in the organization (it may have been removed).");
    await trx.deleteFrom("scim_federations").where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "scim_federation.delete", targetType: "scim_federation", targetId: id, detail: { before: view(row), after: null } });
  });
}

export type FederatedResult =
  | { ok: true; orgId: string; serviceAccountId: string; federationId: string; expiresAt: number }
  | { ok: false; reason: string };

/**
 * Checks a federated token: a trust whose issuer, subject and audience it names,
 * a signature by that issuer's published keys, not expired. `null`: no trust
 * names this token's issuer (the caller may try other kinds of token).
 */
export async function verifyFederatedToken(db: Db, keys: RemoteKeys, token: string): Promise<FederatedResult | null> {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(token);
  } catch {
    return null;
  }
  if (typeof claims.iss !== "string" || typeof claims.sub !== "string") return null;
  const audiences = typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a) => typeof a === "string") : [];
  const rows = await db.selectFrom("scim_federations").selectAll().where("issuer", "=", claims.iss).execute();
  if (!rows.length) return null;
  const row = rows.find((r) => r.subject === claims.sub && audiences.includes(r.audience));
  if (!row) return { ok: false, reason: "no service account trusts this token's subject and audience" };
  if (hasLapsed(row.expires_at)) return { ok: false, reason: "the federation trust for this token has expired" };
  try {
    const verified = await jwtVerify(token, await keys.issuerKeySet(row.issuer, row.jwks_uri), {
      issuer: row.issuer, audience: row.audience, subject: row.subject, algorithms: FEDERATED_ALGS, requiredClaims: ["exp"], clockTolerance: 30,
    });
    return { ok: true, orgId: row.org_id, serviceAccountId: row.service_account_id, federationId: row.id, expiresAt: Number(verified.payload.exp) };
  } catch (err) {
    return { ok: false, reason: tokenProblem(err) };
  }
}

/** What was wrong with a token, in words a client may read (never a stack). */
export function tokenProblem(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (code === "ERR_JWT_EXPIRED") return "the token has expired";
  if (code === "ERR_JWKS_NO_MATCHING_KEY") return "the token is signed by a key its issuer does not publish";
  if (code === "ERR_JWS_SIGNATURE_VERIFICATION_FAILED") return "the token's signature does not verify";
  if (code === "ERR_JWT_CLAIM_VALIDATION_FAILED") return `the token's claims do not fit (${String((err as { claim?: unknown }).claim ?? "?")})`;
  if (code === "ERR_JOSE_ALG_NOT_ALLOWED") return "the token's signing algorithm is not accepted";
  if (code === "ERR_JWKS_TIMEOUT" || code === "ERR_JOSE_GENERIC" || err instanceof TypeError) return "the issuer's keys could not be fetched";
  if (typeof code === "string" && code.startsWith("ERR_J")) return "the token is not a valid signed JWT";
  return "the token could not be checked";
}
