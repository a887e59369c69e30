/**
 * API keys: random strings shown once at creation, stored as SHA-256 hashes
 * (keys are high-entropy, so a fast hash is enough; a user-chosen bootstrap key
 * is the operator's secret), found by hash and then compared in constant time.
 */
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { compiled, param } from "../../../db/compiled.ts";
import type { Database } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { invalid, notFound, refused } from "../errors.ts";
import { racePoint } from "../race-points.ts";
import { checkedExpiry, hasLapsed } from "./expiry.ts";

export interface Principal {
  orgId: string;
  keyId: string;
  /** a service account (org- or team-scoped) or a member's own key */
  kind: "service_account" | "member";
  serviceAccountId: string | null;
  /** set for team-scoped service accounts */
  teamId: string | null;
  memberId: string | null;
  /** the member's org role, or "admin" for an org-scoped service account */
  role: string;
  active: boolean;
}

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
}

const hashKey = (key: string): string => crypto.createHash("sha256").update(key, "utf8").digest("hex");

export function generateKey(): string {
  return `rc_${crypto.randomBytes(32).toString("base64url")}`;
}

/** Creates a key for a service account or member. `presetKey` lets an operator inject the bootstrap key. */
export async function createKey(
  db: Kysely<Database>,
  owner: { orgId: string; serviceAccountId?: string; memberId?: string; label?: string; expiresAt?: string | null },
  presetKey?: string,
): Promise<CreatedKey> {
  const key = presetKey ?? generateKey();
  if (key.length < 16) throw invalid("an API key must be at least 16 characters long");
  const id = crypto.randomUUID();
  // Generated keys show their first characters (random, so they reveal nothing useful);
  // an operator-chosen key must not leak any of itself, so it is named by its hash.
  const prefix = presetKey === undefined ? key.slice(0, 10) : `#${hashKey(key).slice(0, 8)}`;
  await db
    .insertInto("api_keys")
    .values({
      id,
      org_id: owner.orgId,
      service_account_id: owner.serviceAccountId ?? null,
      member_id: owner.memberId ?? null,
      label: owner.label ?? null,
      prefix,
      hash: hashKey(key),
      created_at: now(),
      last_used_at: null,
      revoked_at: null,
      expires_at: checkedExpiry(owner.expiresAt),
    })
    .execute();
  return { id, key, prefix };
}

const LAST_USED_RESOLUTION_MS = 60_000;

/** The key with this hash and what its principal needs (every authenticated request runs it: compiled once). */
const keyByHash = compiled<{ hash: string }, {
  id: string; org_id: string; hash: string; service_account_id: string | null; member_id: string | null; last_used_at: string | null;
  revoked_at: string | null; expires_at: string | null; team_id: string | null; org_role: string | null; active: number | null;
}>((db) => db
  .selectFrom("api_keys as k")
  .leftJoin("service_accounts as s", "s.id", "k.service_account_id")
  .leftJoin("members as m", "m.id", "k.member_id")
  .select([
    "k.id", "k.org_id", "k.hash", "k.service_account_id", "k.member_id", "k.last_used_at", "k.revoked_at", "k.expires_at",
    "s.team_id", "m.org_role", "m.active",
  ])
  .where("k.hash", "=", param<string>("hash")));

/** The principal a key stands for, or null when the key is unknown or revoked. */
export async function authenticateKey(db: Kysely<Database>, key: string): Promise<Principal | null> {
  if (!key || key.length > 512) return null;
  const hash = hashKey(key);
  const [row] = await keyByHash(db, { hash });
  if (!row || row.revoked_at || hasLapsed(row.expires_at)) return null;
  // A member's own key works only while the member is active (deactivation also revokes it).
  if (row.member_id !== null && row.active !== 1) return null;
  if (!crypto.timingSafeEqual(Buffer.from(row.hash, "hex"), Buffer.from(hash, "hex"))) return null;
  // Record use, at most once a minute per key, so reads do not turn into writes.
  const t = Date.now();
  if (!row.last_used_at || t - Date.parse(row.last_used_at) > LAST_USED_RESOLUTION_MS) {
    await db.updateTable("api_keys").set({ last_used_at: new Date(t).toISOString() }).where("id", "=", row.id).execute();
  }
  const isMember = row.member_id !== null;
  return {
    orgId: row.org_id,
    keyId: row.id,
    kind: isMember ? "member" : "service_account",
    serviceAccountId: row.service_account_id,
    teamId: row.team_id ?? null,
    memberId: row.member_id,
    role: isMember ? (row.org_role ?? "member") : row.team_id ? "team" : "admin",
    active: isMember ? row.active === 1 : true,
  };
}

/**
 * Why a presented key that did not authenticate was refused, and whose it was —
 * found by its non-secret first characters (the prefix every generated key shows),
 * so a provider's refused requests can be shown to the org that issued the key.
 * Null when the key cannot be attributed to exactly one key (not one of ours, or
 * an operator-chosen key, which shows none of itself).
 */
export async function refusedKeyHolder(db: Kysely<Database>, key: string): Promise<{ orgId: string; keyId: string; why: string } | null> {
  if (!key.startsWith("rc_") || key.length < 10 || key.length > 512) return null;
  const rows = await db.selectFrom("api_keys as k").leftJoin("members as m", "m.id", "k.member_id")
    .select(["k.id", "k.org_id", "k.hash", "k.revoked_at", "k.expires_at", "k.member_id", "m.active"])
    .where("k.prefix", "=", key.slice(0, 10)).limit(2).execute();
  if (rows.length !== 1) return null;
  const row = rows[0]!;
  const same = crypto.timingSafeEqual(Buffer.from(row.hash, "hex"), Buffer.from(hashKey(key), "hex"));
  const why = !same ? "The key sent starts like this key but is not it (mistyped or cut short)."
    : row.revoked_at ? "This key was revoked."
    : hasLapsed(row.expires_at) ? "This key has expired."
    : row.member_id !== null && row.active !== 1 ? "This key's member is deactivated."
    : null;
  return why ? { orgId: row.org_id, keyId: row.id, why } : null;
}

export interface KeyInfo {
  id: string;
  prefix: string;
  label: string | null;
  owner: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function listKeys(db: Kysely<Database>, orgId: string): Promise<KeyInfo[]> {
  const rows = await db
    .selectFrom("api_keys as k")
    .leftJoin("service_accounts as s", "s.id", "k.service_account_id")
    .leftJoin("members as m", "m.id", "k.member_id")
    .select(["k.id", "k.prefix", "k.label", "k.created_at", "k.last_used_at", "k.revoked_at", "s.name as sa_name", "m.user_name"])
    .where("k.org_id", "=", orgId)
    .orderBy("k.created_at")
    .orderBy("k.id")
    .execute();
  return rows.map((r) => ({
    id: r.id,
    prefix: r.prefix,
    label: r.label,
    owner: r.sa_name ? `service account ${r.sa_name}` : `member ${r.user_name ?? "?"}`,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  }));
}

export async function revokeKey(db: Kysely<Database>, keyId: string, orgId?: string): Promise<void> {
  let q = db.updateTable("api_keys").set({ revoked_at: now() }).where("id", "=", keyId).where("revoked_at", "is", null);
  if (orgId) q = q.where("org_id", "=", orgId);
  const res = await q.executeTakeFirst();
  if (Number(res.numUpdatedRows) === 0) {
    let exists = db.selectFrom("api_keys").select("id").where("id", "=", keyId);
    if (orgId) exists = exists.where("org_id", "=", orgId);
    if (!(await exists.executeTakeFirst())) throw notFound("This API key does not exist (it may have been deleted).");
  }
}

/** A key as its holder sees it (a member's own, or a service account's): never the secret. */
export interface KeyView {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  /** null: never expires */
  expiresAt?: string | null;
}
export type OwnKeyView = KeyView;

type Db = Kysely<Database>;

/**
 * Takes the member's row lock while the member is active, so a key cannot be
 * issued while a deactivation commits (that one revokes the member's keys).
 * The no-op update is the portable row lock on SQLite and PostgreSQL.
 */
async function lockActiveMember(trx: Transaction<Database>, orgId: string, memberId: string): Promise<void> {
  const res = await trx.updateTable("members").set({ active: 1 }).where("org_id", "=", orgId).where("id", "=", memberId).where("active", "=", 1).executeTakeFirst();
  if (Number(res.numUpdatedRows) > 0) return;
  const exists = await trx.selectFrom("members").select("id").where("org_id", "=", orgId).where("id", "=", memberId).executeTakeFirst();
  if (!exists) throw notFound("This member is not in the organization (they may have been removed).");
  throw refused("a deactivated member cannot hold API keys; an org admin can reactivate the member first");
}

/**
 * Issues a member's own API key (shown once): it acts with exactly that
 * member's rights, and stops working when the member is deactivated or removed.
 *
 * @example
 * const { key } = await createMemberKey(db, orgId, memberId, "laptop", { door: "admin", id: `member:${memberId}` });
 */
export async function createMemberKey(db: Db, orgId: string, memberId: string, label: string | undefined, actor: Actor): Promise<CreatedKey & OwnKeyView> {
  return db.transaction().execute(async (trx) => {
    await lockActiveMember(trx, orgId, memberId);
    await racePoint("member-key.create.locked");
    const key = await createKey(trx, { orgId, memberId, label });
    await recordAudit(trx, { orgId, actor, action: "key.create", targetType: "api_key", targetId: key.id, detail: { before: null, after: { memberId, prefix: key.prefix, label: label ?? null } } });
    const row = await trx.selectFrom("api_keys").select(["created_at"]).where("id", "=", key.id).executeTakeFirstOrThrow();
    return { ...key, label: label ?? null, createdAt: row.created_at, lastUsedAt: null, revokedAt: null };
  });
}

/** The member's own keys, oldest first (revoked ones too, with their time). */
export async function listMemberKeys(db: Db, orgId: string, memberId: string): Promise<OwnKeyView[]> {
  const rows = await db.selectFrom("api_keys").select(["id", "prefix", "label", "created_at", "last_used_at", "revoked_at"])
    .where("org_id", "=", orgId).where("member_id", "=", memberId).orderBy("created_at").orderBy("id").execute();
  return rows.map((r) => ({ id: r.id, prefix: r.prefix, label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at }));
}

/** Revokes one of the member's own keys; another holder's key is "not found" (it is not theirs to see). */
export async function revokeMemberKey(db: Db, orgId: string, memberId: string, keyId: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("api_keys").select(["revoked_at"]).where("org_id", "=", orgId).where("member_id", "=", memberId).where("id", "=", keyId).executeTakeFirst();
    if (!row) throw notFound("You have no such API key.");
    if (row.revoked_at) throw refused(`This key was already revoked (${row.revoked_at}).`);
    await trx.updateTable("api_keys").set({ revoked_at: now() }).where("id", "=", keyId).execute();
    await recordAudit(trx, { orgId, actor, action: "key.revoke", targetType: "api_key", targetId: keyId, detail: { before: { revokedAt: null }, after: { revoked: true }, memberId } });
  });
}

/**
 * Revokes every key of a member, inside the caller's transaction: called where
 * a member is deactivated or removed. Reactivation does not revive them.
 */
export async function revokeMemberKeys(trx: Transaction<Database>, memberId: string): Promise<number> {
  const res = await trx.updateTable("api_keys").set({ revoked_at: now() }).where("member_id", "=", memberId).where("revoked_at", "is", null).executeTakeFirst();
  return Number(res.numUpdatedRows);
}
