/**
 * An org's OpenID Connect connection: issuer, client id, client secret (encrypted
 * at rest, src/org/security/secrets.ts), scopes and an optional claims mapping. At most one
 * per org. Managed through the admin API, or — for a single-org install — from the
 * OIDC_* environment variables, applied at start to the org named ROLLCALL_ORG_NAME.
 *
 * `allow_insecure` is never chosen by a caller: it is 1 exactly when the issuer is
 * an http:// URL on a loopback host (a provider the operator runs on the same
 * machine, e.g. in development and tests); any other http:// issuer is refused.
 *
 * @example
 * const input = parseOidcConnectionInput({ issuer: "https://idp.example.com", clientId: "rollcall", clientSecret: "…" });
 * await saveOidcConnection(db, orgId, input, key, "admin", actor);
 * toOidcConnectionView(await getOidcConnection(db, orgId));  // never contains the secret
 */
import type { Kysely } from "kysely";
import type { Database, OidcConnection } from "../../../db/types.ts";
import { findOrgByAddress } from "../orgs/addresses.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { isUniqueViolation } from "../db-errors.ts";
import { invalid, notFound, refused } from "../errors.ts";
import { checkOutboundUrl } from "../security/outbound.ts";
import { decryptSecret, encryptSecret, requireEncryptionKey } from "../security/secrets.ts";
import { endDoorSessions } from "../arrival/sessions.ts";

type Db = Kysely<Database>;

export const DEFAULT_OIDC_SCOPES = "openid email profile";

/** Claims a connection may map to another claim name of its provider. */
export const MAPPABLE_CLAIMS = ["sub", "email", "email_verified", "name", "given_name", "family_name", "preferred_username", "groups"] as const;
export type MappableClaim = (typeof MAPPABLE_CLAIMS)[number];
export type ClaimsMapping = Partial<Record<MappableClaim, string>>;

export interface OidcConnectionInput {
  issuer: string;
  clientId: string;
  /** undefined on update: keep the stored secret */
  clientSecret: string | undefined;
  scopes: string;
  claimsMapping: ClaimsMapping;
  allowInsecure: boolean;
}

export interface OidcConnectionView {
  issuer: string;
  clientId: string;
  /** the secret itself is write-only */
  clientSecretSet: true;
  scopes: string;
  claimsMapping: ClaimsMapping;
  allowInsecure: boolean;
  source: "admin" | "env";
  createdAt: string;
  updatedAt: string;
}

/** The cipher's additional data: a stored secret only decrypts for its own org. */
const secretContext = (orgId: string) => `oidc-client-secret:${orgId}`;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Validates an issuer URL: https, or http on a loopback host (then allowInsecure); no query or fragment. */
export function parseIssuer(raw: string): { issuer: string; allowInsecure: boolean } {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid(`"${raw}" is not an issuer URL (expected something like https://idp.example.com)`);
  }
  if (url.search || url.hash) throw invalid("the issuer URL must not have a query or a fragment");
  if (url.username || url.password) throw invalid("the issuer URL must not contain credentials");
  if (url.protocol === "https:") return { issuer: raw.trim(), allowInsecure: false };
  if (url.protocol === "http:" && LOOPBACK.has(url.hostname)) return { issuer: raw.trim(), allowInsecure: true };
  if (url.protocol === "http:") throw invalid(`the issuer must use https (plain http is accepted only for a provider on this machine: localhost, 127.0.0.1, [::1])`);
  throw invalid(`the issuer must be an https:// URL, got ${url.protocol}`);
}

/** Space-separated OAuth scope tokens (RFC 6749 §3.3); `openid` must be among them. */
export function parseScopes(raw: string | undefined): string {
  const tokens = (raw ?? DEFAULT_OIDC_SCOPES).trim().split(/\s+/).filter(Boolean);
  if (tokens.some((t) => !/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(t))) throw invalid("scopes must be space-separated scope names without quotes or backslashes");
  if (!tokens.includes("openid")) throw invalid(`scopes must include "openid" (default "${DEFAULT_OIDC_SCOPES}")`);
  return [...new Set(tokens)].join(" ");
}

export function parseClaimsMapping(raw: unknown): ClaimsMapping {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalid("claimsMapping must be an object such as {\"email\": \"mail\", \"groups\": \"roles\"}");
  const out: ClaimsMapping = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!(MAPPABLE_CLAIMS as readonly string[]).includes(k)) throw invalid(`claimsMapping: "${k}" is not a claim Rollcall reads; allowed: ${MAPPABLE_CLAIMS.join(", ")}`);
    if (typeof v !== "string" || !/^[A-Za-z0-9_:\-./]{1,200}$/.test(v)) throw invalid(`claimsMapping.${k} must be the provider's claim name (a dotted path for nested claims, e.g. "realm_access.roles")`);
    out[k as MappableClaim] = v;
  }
  return out;
}

export function parseOidcConnectionInput(b: { issuer: string; clientId: string; clientSecret?: string; scopes?: string; claimsMapping?: unknown }): OidcConnectionInput {
  const { issuer, allowInsecure } = parseIssuer(b.issuer);
  const clientId = b.clientId.trim();
  if (!clientId || clientId.length > 500) throw invalid("clientId must be 1 to 500 characters");
  if (b.clientSecret !== undefined && (!b.clientSecret || b.clientSecret.length > 2000)) throw invalid("clientSecret must be 1 to 2000 characters");
  return { issuer, clientId, clientSecret: b.clientSecret, scopes: parseScopes(b.scopes), claimsMapping: parseClaimsMapping(b.claimsMapping), allowInsecure };
}

export async function getOidcConnection(db: Db, orgId: string): Promise<OidcConnection | undefined> {
  return db.selectFrom("oidc_connections").selectAll().where("org_id", "=", orgId).executeTakeFirst();
}

export function toOidcConnectionView(row: OidcConnection): OidcConnectionView {
  return {
    issuer: row.issuer, clientId: row.client_id, clientSecretSet: true, scopes: row.scopes,
    claimsMapping: JSON.parse(row.claims_mapping) as ClaimsMapping, allowInsecure: row.allow_insecure === 1,
    source: row.source === "env" ? "env" : "admin", createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

/** The plain client secret of a stored connection (for the token request only). */
export function connectionSecret(row: OidcConnection, key: Buffer | undefined): string {
  return decryptSecret(requireEncryptionKey(key, "read the OIDC client secret"), row.client_secret, secretContext(row.org_id));
}

/** The issuer is an address the server may call (outbound policy); ask before discovery, so the refusal is the policy's own 422. */
export const checkIssuerAddress = (issuer: string): Promise<void> => checkOutboundUrl(issuer, "The identity provider's address");

/** Creates or replaces the org's connection; a missing clientSecret keeps the stored one. */
export async function saveOidcConnection(db: Db, orgId: string, input: OidcConnectionInput, key: Buffer | undefined, source: "admin" | "env", actor: Actor): Promise<OidcConnectionView> {
  await checkIssuerAddress(input.issuer);
  return db.transaction().execute(async (trx) => {
    const before = await getOidcConnection(trx, orgId);
    if (input.clientSecret === undefined && !before) throw invalid("clientSecret is required for a new connection");
    const secret = input.clientSecret === undefined ? before!.client_secret : encryptSecret(requireEncryptionKey(key, "an OIDC client secret"), input.clientSecret, secretContext(orgId));
    const t = now();
    // updated_at is the connection's revision (login strategies are cached by it): it must change on every save.
    const updatedAt = before && before.updated_at >= t ? new Date(Date.parse(before.updated_at) + 1).toISOString() : t;
    const row: OidcConnection = {
      org_id: orgId, issuer: input.issuer, client_id: input.clientId, client_secret: secret, scopes: input.scopes,
      claims_mapping: JSON.stringify(input.claimsMapping), allow_insecure: input.allowInsecure ? 1 : 0, source,
      created_at: before?.created_at ?? t, updated_at: updatedAt,
    };
    if (before) await trx.updateTable("oidc_connections").set(row).where("org_id", "=", orgId).execute();
    else await trx.insertInto("oidc_connections").values(row).execute();
    // Another provider replaces the old one: what the old one signed in ends.
    if (before && before.issuer !== row.issuer) await endDoorSessions(trx, orgId, "oidc");
    const audited = (r: OidcConnection | undefined) => r && { ...toOidcConnectionView(r), createdAt: undefined, updatedAt: undefined };
    await recordAudit(trx, {
      orgId, actor, action: before ? "oidc.update" : "oidc.create", targetType: "oidc_connection", targetId: orgId,
      detail: { before: audited(before) ?? null, after: audited(row), secretChanged: input.clientSecret !== undefined },
    });
    return toOidcConnectionView(row);
  });
}

export async function deleteOidcConnection(db: Db, orgId: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const before = await getOidcConnection(trx, orgId);
    if (!before) throw notFound("this organization has no OIDC connection");
    await trx.deleteFrom("oidc_connections").where("org_id", "=", orgId).execute();
    await endDoorSessions(trx, orgId, "oidc");
    await recordAudit(trx, { orgId, actor, action: "oidc.delete", targetType: "oidc_connection", targetId: orgId, detail: { before: { issuer: before.issuer, clientId: before.client_id }, after: null } });
  });
}

/** A connection from the environment is changed there, not through the admin API (while OIDC_ISSUER is set). */
export function refuseEnvManaged(row: OidcConnection | undefined, envConfigured: boolean): void {
  if (row && row.source === "env" && envConfigured)
    throw refused("this organization's OIDC connection comes from the environment (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_SCOPES); change it there and restart");
}

/**
 * Single-org install: writes the OIDC_* connection to the org ROLLCALL_ORG_NAME names (its slug, name, a former name or id)
 * (at start, after migrations). Writes nothing when the stored connection already says
 * the same; throws a clear error when the org does not exist or no encryption key is set.
 */
export async function applyEnvOidcConnection(db: Db, env: { issuer: string; clientId: string; clientSecret: string; scopes: string }, orgName: string, key: Buffer | undefined): Promise<"created" | "updated" | "unchanged"> {
  // By slug, name, former name or id: a rename in the console must not stop the server from starting.
  const org = (await findOrgByAddress(db, orgName))?.org;
  if (!org) throw invalid(`OIDC_ISSUER is set, but there is no organization named "${orgName}" (ROLLCALL_ORG_NAME) to apply it to`);
  const input = parseOidcConnectionInput(env);
  requireEncryptionKey(key, "OIDC_CLIENT_SECRET");
  const row = await getOidcConnection(db, org.id);
  if (row && row.source === "env" && row.issuer === input.issuer && row.client_id === input.clientId && row.scopes === input.scopes
    && row.allow_insecure === (input.allowInsecure ? 1 : 0) && row.claims_mapping === "{}" && safeSecret(row, key) === env.clientSecret) return "unchanged";
  try {
    await saveOidcConnection(db, org.id, input, key, "env", { door: "cli", id: "environment" });
  } catch (err) {
    // A second instance starting at the same time inserted the same connection first.
    if (!row && isUniqueViolation(err)) return "unchanged";
    throw err;
  }
  return row ? "updated" : "created";
}

function safeSecret(row: OidcConnection, key: Buffer | undefined): string | null {
  try {
    return connectionSecret(row, key);
  } catch {
    return null;
  }
}
