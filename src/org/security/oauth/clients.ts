/**
 * OAuth clients of the SCIM door: each belongs to one org-scoped service
 * account and acts exactly as that account's API key would. A client proves
 * itself with one of its secrets (several alive at once for rotation, each
 * hashed, each with an optional expiry) or with a JWT signed by one of its
 * registered keys (an inline JWKS or a JWKS URL; see assertions.ts).
 *
 * @example
 * const { client, secret } = await createOAuthClient(db, orgId, { serviceAccountId, name: "okta" }, actor);
 */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../../../db/types.ts";
import { recordAudit, type Actor } from "../../audit/record.ts";
import { now } from "../../clock.ts";
import { invalid, notFound, refused } from "../../errors.ts";
import { checkedExpiry, hasLapsed } from "../expiry.ts";
import { getServiceAccount } from "../service-accounts.ts";
import { checkOutboundUrl } from "../outbound.ts";
import { checkedKeyUrl } from "./key-urls.ts";
import { checkedLifetimeMinutes } from "./lifetimes.ts";

type Db = Kysely<Database>;

export interface ClientSecretView {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface OAuthClientView {
  id: string;
  clientId: string;
  name: string;
  serviceAccountId: string;
  /** how the client may authenticate at the token endpoint */
  authMethods: ("client_secret_basic" | "client_secret_post" | "private_key_jwt")[];
  jwksUri: string | null;
  hasInlineJwks: boolean;
  tokenLifetimeMinutes: number;
  createdAt: string;
  secrets: ClientSecretView[];
}

export interface CreatedSecret {
  id: string;
  prefix: string;
  /** shown once */
  secret: string;
  expiresAt: string | null;
}

export interface ClientInput {
  serviceAccountId: string;
  name: string;
  /** a JWKS (RFC 7517) with the client's public keys, for private_key_jwt */
  jwks?: { keys: unknown[] } | null;
  jwksUri?: string | null;
  tokenLifetimeMinutes?: number;
  /** expiry of the first secret */
  secretExpiresAt?: string | null;
}

const hash = (s: string): string => crypto.createHash("sha256").update(s, "utf8").digest("hex");

type ClientRow = Database["oauth_clients"];

function checkedJwks(jwks: ClientInput["jwks"]): string | null {
  if (!jwks) return null;
  if (!Array.isArray(jwks.keys) || !jwks.keys.length) throw invalid('"jwks" must be a JWKS with at least one key: {"keys": [ … ]}');
  for (const k of jwks.keys) {
    const key = k as { kty?: unknown; d?: unknown };
    if (typeof key?.kty !== "string") throw invalid('"jwks": every key needs a "kty"');
    if (key.d !== undefined) throw invalid('"jwks" must hold public keys only (a key has a private "d")');
  }
  return JSON.stringify({ keys: jwks.keys });
}

const view = (c: ClientRow, secrets: ClientSecretView[]): OAuthClientView => ({
  id: c.id, clientId: c.client_id, name: c.name, serviceAccountId: c.service_account_id,
  authMethods: [...(secrets.some((s) => !s.revokedAt) ? (["client_secret_basic", "client_secret_post"] as const) : []), ...(c.jwks || c.jwks_uri ? (["private_key_jwt"] as const) : [])],
  jwksUri: c.jwks_uri, hasInlineJwks: c.jwks !== null, tokenLifetimeMinutes: c.token_lifetime_seconds / 60, createdAt: c.created_at, secrets,
});

async function insertSecret(trx: Db, orgId: string, clientRef: string, label: string | null, expiresAt: string | null): Promise<CreatedSecret> {
  const secret = `rcs_${crypto.randomBytes(32).toString("base64url")}`;
  const id = crypto.randomUUID();
  const prefix = secret.slice(0, 10);
  await trx.insertInto("oauth_client_secrets").values({
    id, client_ref: clientRef, org_id: orgId, prefix, hash: hash(secret), label, created_at: now(), expires_at: expiresAt, last_used_at: null, revoked_at: null,
  }).execute();
  return { id, prefix, secret, expiresAt };
}

/** Registers a client for an org-scoped service account; without keys it gets its first secret (shown once). */
export async function createOAuthClient(db: Db, orgId: string, input: ClientInput, actor: Actor): Promise<{ client: OAuthClientView; secret: CreatedSecret | null }> {
  const name = input.name.trim();
  if (!name) throw invalid('"name" is required');
  const jwks = checkedJwks(input.jwks);
  const jwksUri = input.jwksUri ? checkedKeyUrl(input.jwksUri, "jwksUri") : null;
  if (jwksUri) await checkOutboundUrl(jwksUri, "The address of the client's keys");
  const lifetime = checkedLifetimeMinutes(input.tokenLifetimeMinutes);
  const secretExpiry = checkedExpiry(input.secretExpiresAt);
  return db.transaction().execute(async (trx) => {
    const sa = await getServiceAccount(trx, orgId, input.serviceAccountId);
    if (sa.scope !== "org") throw refused("an OAuth client for SCIM needs an org-scoped service account (a team-scoped one cannot use SCIM)");
    const row: ClientRow = {
      id: crypto.randomUUID(), org_id: orgId, service_account_id: sa.id, client_id: `rcc_${crypto.randomBytes(12).toString("base64url")}`,
      name, jwks, jwks_uri: jwksUri, token_lifetime_seconds: lifetime, created_at: now(),
    };
    await trx.insertInto("oauth_clients").values(row).execute();
    const secret = jwks || jwksUri ? null : await insertSecret(trx, orgId, row.id, "first secret", secretExpiry);
    await recordAudit(trx, { orgId, actor, action: "oauth_client.create", targetType: "oauth_client", targetId: row.id, detail: { before: null, after: { name, clientId: row.client_id, serviceAccountId: sa.id, jwksUri, inlineJwks: jwks !== null, tokenLifetimeSeconds: lifetime, secretId: secret?.id ?? null } } });
    const secrets = await listSecrets(trx, row.id);
    return { client: view(row, secrets), secret };
  });
}

async function listSecrets(db: Db, clientRef: string): Promise<ClientSecretView[]> {
  const rows = await db.selectFrom("oauth_client_secrets").selectAll().where("client_ref", "=", clientRef).orderBy("created_at").orderBy("id").execute();
  return rows.map((s) => ({ id: s.id, prefix: s.prefix, label: s.label, createdAt: s.created_at, expiresAt: s.expires_at, lastUsedAt: s.last_used_at, revokedAt: s.revoked_at }));
}

async function clientRow(db: Db, orgId: string, id: string): Promise<ClientRow> {
  const row = await db.selectFrom("oauth_clients").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("This OAuth client does not exist in the organization (it may have been deleted).");
  return row;
}

export async function getOAuthClient(db: Db, orgId: string, id: string): Promise<OAuthClientView> {
  const row = await clientRow(db, orgId, id);
  return view(row, await listSecrets(db, row.id));
}

export async function listOAuthClients(db: Db, orgId: string): Promise<OAuthClientView[]> {
  const rows = await db.selectFrom("oauth_clients").selectAll().where("org_id", "=", orgId).orderBy("created_at").orderBy("id").execute();
  return Promise.all(rows.map(async (r) => view(r, await listSecrets(db, r.id))));
}

export async function deleteOAuthClient(db: Db, orgId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await clientRow(trx, orgId, id);
    await trx.deleteFrom("oauth_client_secrets").where("client_ref", "=", id).execute();
    await trx.deleteFrom("oauth_assertion_jtis").where("client_ref", "=", id).execute();
    await trx.deleteFrom("oauth_clients").where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "oauth_client.delete", targetType: "oauth_client", targetId: id, detail: { before: { name: row.name, clientId: row.client_id }, after: null } });
  });
}

/** One more secret (rotation: the old ones stay alive until revoked or expired). */
export async function addClientSecret(db: Db, orgId: string, id: string, input: { label?: string; expiresAt?: string | null }, actor: Actor): Promise<CreatedSecret> {
  const expiresAt = checkedExpiry(input.expiresAt);
  return db.transaction().execute(async (trx) => {
    await clientRow(trx, orgId, id);
    const secret = await insertSecret(trx, orgId, id, input.label ?? null, expiresAt);
    await recordAudit(trx, { orgId, actor, action: "oauth_secret.create", targetType: "oauth_client", targetId: id, detail: { before: null, after: { secretId: secret.id, prefix: secret.prefix, expiresAt } } });
    return secret;
  });
}

export async function revokeClientSecret(db: Db, orgId: string, id: string, secretId: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await clientRow(trx, orgId, id);
    const s = await trx.selectFrom("oauth_client_secrets").select(["revoked_at"]).where("client_ref", "=", id).where("id", "=", secretId).executeTakeFirst();
    if (!s) throw notFound("This OAuth client has no such secret (it may have been revoked).");
    if (s.revoked_at) throw refused(`secret ${secretId} was already revoked at ${s.revoked_at}`);
    await trx.updateTable("oauth_client_secrets").set({ revoked_at: now() }).where("id", "=", secretId).execute();
    await recordAudit(trx, { orgId, actor, action: "oauth_secret.revoke", targetType: "oauth_client", targetId: id, detail: { before: { secretId, revokedAt: null }, after: { secretId, revoked: true } } });
  });
}

/** A registered client by its public client_id (any org: the token endpoint does not know the org yet). */
export async function clientByClientId(db: Db, clientId: string): Promise<ClientRow | null> {
  if (!clientId || clientId.length > 200) return null;
  return (await db.selectFrom("oauth_clients").selectAll().where("client_id", "=", clientId).executeTakeFirst()) ?? null;
}

/** The client when `secret` is one of its live secrets, else null (compared by hash, in constant time). */
export async function authenticateClientSecret(db: Db, clientId: string, secret: string): Promise<ClientRow | null> {
  const client = await clientByClientId(db, clientId);
  if (!client || !secret || secret.length > 512) return null;
  const h = hash(secret);
  const row = await db.selectFrom("oauth_client_secrets").select(["id", "hash", "expires_at", "revoked_at"]).where("client_ref", "=", client.id).where("hash", "=", h).executeTakeFirst();
  if (!row || row.revoked_at || hasLapsed(row.expires_at)) return null;
  if (!crypto.timingSafeEqual(Buffer.from(row.hash, "hex"), Buffer.from(h, "hex"))) return null;
  await db.updateTable("oauth_client_secrets").set({ last_used_at: now() }).where("id", "=", row.id).execute();
  return client;
}
