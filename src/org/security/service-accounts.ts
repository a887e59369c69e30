/**
 * Service accounts: non-human identities with API keys. Org-scoped ones act
 * as org admins (and need the org's default team, where their work lands);
 * team-scoped ones act only within their team. They are not members: they
 * never appear in SCIM /Users and never take a seat.
 *
 * @example
 * const { serviceAccount, key } = await createServiceAccount(db, orgId, { name: "ci", teamId }, actor);
 */
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { invalid, notFound, refused, invalidField } from "../errors.ts";
import { createKey, revokeKey, type CreatedKey, type KeyView } from "./keys.ts";

type Db = Kysely<Database>;

export interface ServiceAccountView {
  id: string;
  name: string;
  scope: "org" | "team";
  teamId: string | null;
  createdAt: string;
}

export type ServiceAccountKeyView = KeyView;

const view = (r: { id: string; name: string; team_id: string | null; created_at: string }): ServiceAccountView =>
  ({ id: r.id, name: r.name, scope: r.team_id ? "team" : "org", teamId: r.team_id, createdAt: r.created_at });

export async function getServiceAccount(db: Db, orgId: string, id: string): Promise<ServiceAccountView> {
  const row = await db.selectFrom("service_accounts").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("This service account does not exist in the organization (it may have been deleted).");
  return view(row);
}

/** The org's service accounts; `teamIds` narrows to those scoped to these teams. */
export async function listServiceAccounts(db: Db, orgId: string, teamIds?: string[]): Promise<ServiceAccountView[]> {
  if (teamIds && !teamIds.length) return [];
  let q = db.selectFrom("service_accounts").selectAll().where("org_id", "=", orgId);
  if (teamIds) q = q.where("team_id", "in", teamIds);
  return (await q.orderBy("created_at").orderBy("id").execute()).map(view);
}

/** Creates the account and its first key (shown once). */
export async function createServiceAccount(
  db: Db, orgId: string, input: { name: string; teamId: string | null; keyLabel?: string }, actor: Actor,
): Promise<{ serviceAccount: ServiceAccountView; key: CreatedKey }> {
  return db.transaction().execute((trx) => insertServiceAccount(trx, orgId, input, actor));
}

/** createServiceAccount inside the caller's transaction (a SCIM connection is made with its account in one). */
export async function insertServiceAccount(
  trx: Transaction<Database>, orgId: string, input: { name: string; teamId: string | null; keyLabel?: string }, actor: Actor,
): Promise<{ serviceAccount: ServiceAccountView; key: CreatedKey }> {
  const name = input.name?.trim();
  if (!name || name.length > 100) throw invalid('"name" must be 1 to 100 characters');
  if (input.teamId) {
    const team = await trx.selectFrom("teams").select("id").where("org_id", "=", orgId).where("id", "=", input.teamId).executeTakeFirst();
    if (!team) throw invalidField("teamId", `no team with id ${input.teamId} in this organization`, "The chosen team does not exist in this organization (it may have been deleted).");
  } else {
    const org = await trx.selectFrom("orgs").select("default_team_id").where("id", "=", orgId).executeTakeFirstOrThrow();
    if (!org.default_team_id)
      throw refused("an org-scoped service account needs the organization's default team: choose one in the organization's settings first, or make the service account belong to a team");
  }
  const row = { id: crypto.randomUUID(), org_id: orgId, team_id: input.teamId, name, created_at: now() };
  await trx.insertInto("service_accounts").values(row).execute();
  const key = await createKey(trx, { orgId, serviceAccountId: row.id, label: input.keyLabel ?? "first key" });
  const serviceAccount = view(row);
  await recordAudit(trx, { orgId, actor, action: "service_account.create", targetType: "service_account", targetId: row.id, detail: { before: null, after: { name, scope: serviceAccount.scope, teamId: row.team_id, keyId: key.id } } });
  return { serviceAccount, key };
}

/** Deletes the account and, with it, its keys. */
export async function deleteServiceAccount(db: Db, orgId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction().execute((trx) => deleteServiceAccountIn(trx, orgId, id, actor));
}

/** deleteServiceAccount inside the caller's transaction (removing a SCIM connection). */
export async function deleteServiceAccountIn(trx: Transaction<Database>, orgId: string, id: string, actor: Actor): Promise<void> {
  const sa = await getServiceAccount(trx, orgId, id);
  await trx.deleteFrom("api_keys").where("service_account_id", "=", id).execute();
  await trx.deleteFrom("scim_connections").where("service_account_id", "=", id).execute();
  await trx.deleteFrom("service_accounts").where("id", "=", id).execute();
  await recordAudit(trx, { orgId, actor, action: "service_account.delete", targetType: "service_account", targetId: id, detail: { before: { name: sa.name, scope: sa.scope, teamId: sa.teamId }, after: null } });
}

export async function createServiceAccountKey(db: Db, orgId: string, id: string, label: string | undefined, actor: Actor, expiresAt?: string | null): Promise<CreatedKey> {
  return db.transaction().execute(async (trx) => {
    await getServiceAccount(trx, orgId, id);
    const key = await createKey(trx, { orgId, serviceAccountId: id, label, expiresAt });
    await recordAudit(trx, { orgId, actor, action: "key.create", targetType: "api_key", targetId: key.id, detail: { before: null, after: { serviceAccountId: id, prefix: key.prefix, label: label ?? null, expiresAt: expiresAt ?? null } } });
    return key;
  });
}

/** The account's keys, newest last; never the secrets. */
export async function listServiceAccountKeys(db: Db, orgId: string, id: string): Promise<ServiceAccountKeyView[]> {
  await getServiceAccount(db, orgId, id);
  const rows = await db.selectFrom("api_keys").select(["id", "prefix", "label", "created_at", "last_used_at", "revoked_at", "expires_at"])
    .where("org_id", "=", orgId).where("service_account_id", "=", id).orderBy("created_at").orderBy("id").execute();
  return rows.map((r) => ({ id: r.id, prefix: r.prefix, label: r.label, createdAt: r.created_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at, expiresAt: r.expires_at }));
}

/** Who holds a key of this org: its service account (and that one's team) or member; null when unknown. */
export async function keyHolder(db: Db, orgId: string, keyId: string): Promise<{ serviceAccountId: string | null; teamId: string | null; memberId: string | null; revokedAt: string | null } | null> {
  const row = await db.selectFrom("api_keys as k").leftJoin("service_accounts as s", "s.id", "k.service_account_id")
    .select(["k.service_account_id", "s.team_id", "k.member_id", "k.revoked_at"])
    .where("k.org_id", "=", orgId).where("k.id", "=", keyId).executeTakeFirst();
  return row ? { serviceAccountId: row.service_account_id, teamId: row.team_id ?? null, memberId: row.member_id, revokedAt: row.revoked_at } : null;
}

/** Revokes a key (service account's or member's); revoking twice is refused. */
export async function revokeOrgKey(db: Db, orgId: string, keyId: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const holder = await keyHolder(trx, orgId, keyId);
    if (!holder) throw notFound("This API key does not exist in the organization (it may have been deleted).");
    if (holder.revokedAt) throw refused(`API key ${keyId} was already revoked at ${holder.revokedAt}`);
    await revokeKey(trx, keyId, orgId);
    await recordAudit(trx, { orgId, actor, action: "key.revoke", targetType: "api_key", targetId: keyId, detail: { before: { revokedAt: null }, after: { revoked: true }, serviceAccountId: holder.serviceAccountId, memberId: holder.memberId } });
  });
}

/** The org's oldest org-scoped service account (the CLI's provisioning account), if any. */
export async function firstOrgServiceAccount(db: Db, orgId: string): Promise<{ id: string } | undefined> {
  return db.selectFrom("service_accounts").select("id").where("org_id", "=", orgId).where("team_id", "is", null).orderBy("created_at").executeTakeFirst();
}
