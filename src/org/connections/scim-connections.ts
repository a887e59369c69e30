/**
 * SCIM connections: several per org (Okta for employees, Entra for contractors),
 * each a named org-scoped service account marked as a connection, with its own
 * keys, rate limit (requests per minute), last request time, request and error
 * counts, and provenance (the grants recorded under `scim <service account id>`).
 * Removing a connection keeps what it granted, or removes it (each membership
 * ends unless another source grants it; an org role or seat keeps its value).
 *
 * @example
 * const { connection, key } = await createScimConnection(db, orgId, { name: "okta", rateLimitPerMinute: 600 }, actor);
 */
import type { Kysely } from "kysely";
import { compiled, param } from "../../../db/compiled.ts";
import type { Database } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { conflict, notFound, invalidField } from "../errors.ts";
import { hit, type RateResult } from "../security/rate-limits.ts";
import { deleteServiceAccountIn, insertServiceAccount } from "../security/service-accounts.ts";
import type { CreatedKey } from "../security/keys.ts";
import { removeMembersFromTeam } from "../teams/membership.ts";
import { withdrawAccessSourceEverywhere } from "../provenance/access-sources.ts";
import { releaseManaged } from "../provenance/managed.ts";

type Db = Kysely<Database>;

export interface ScimConnectionView {
  id: string;
  name: string;
  rateLimitPerMinute: number;
  /** strict draft-zollner-scim-interop-profile conformance for this connection (path-less PATCH refused) */
  interopProfile: boolean;
  lastRequestAt: string | null;
  requests: number;
  errors: number;
  /** what it granted: team memberships, and org role / seat fields */
  granted: { memberships: number; access: number };
  createdAt: string;
}

const source = (id: string) => ({ kind: "scim" as const, id });

export async function listScimConnections(db: Db, orgId: string): Promise<ScimConnectionView[]> {
  const rows = await db.selectFrom("scim_connections").selectAll().where("org_id", "=", orgId).orderBy("name_key").execute();
  return Promise.all(rows.map(async (r) => {
    const count = async (table: "membership_sources" | "access_sources") => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as("n"))
      .where("org_id", "=", orgId).where("kind", "=", "scim").where("source_id", "=", r.service_account_id).executeTakeFirstOrThrow()).n);
    return {
      id: r.service_account_id, name: r.name, rateLimitPerMinute: r.rate_limit_per_minute, interopProfile: r.interop_profile === 1, lastRequestAt: r.last_request_at,
      requests: Number(r.request_count), errors: Number(r.error_count),
      granted: { memberships: await count("membership_sources"), access: await count("access_sources") }, createdAt: r.created_at,
    };
  }));
}

export async function createScimConnection(
  db: Db, orgId: string, input: { name: string; rateLimitPerMinute: number; interopProfile?: boolean }, actor: Actor,
): Promise<{ connection: ScimConnectionView; key: CreatedKey }> {
  if (!Number.isSafeInteger(input.rateLimitPerMinute) || input.rateLimitPerMinute < 1) throw invalidField("rateLimitPerMinute", "must be a positive integer", "The rate limit must be at least 1 request per minute.");
  const id = await db.transaction().execute(async (trx) => {
    const taken = await trx.selectFrom("scim_connections").select("name").where("org_id", "=", orgId).where("name_key", "=", input.name.trim().toLowerCase()).executeTakeFirst();
    if (taken) throw conflict(`a SCIM connection named "${taken.name}" already exists`);
    const { serviceAccount, key } = await insertServiceAccount(trx, orgId, { name: input.name, teamId: null, keyLabel: "SCIM connection" }, actor);
    await trx.insertInto("scim_connections").values({
      service_account_id: serviceAccount.id, org_id: orgId, name: serviceAccount.name, name_key: serviceAccount.name.toLowerCase(),
      rate_limit_per_minute: input.rateLimitPerMinute, interop_profile: input.interopProfile ? 1 : 0, last_request_at: null, created_at: now(),
    }).execute();
    await recordAudit(trx, { orgId, actor, action: "scim_connection.create", targetType: "scim_connection", targetId: serviceAccount.id, detail: { name: serviceAccount.name, rateLimitPerMinute: input.rateLimitPerMinute, interopProfile: input.interopProfile === true } });
    return { id: serviceAccount.id, key };
  });
  const connection = (await listScimConnections(db, orgId)).find((c) => c.id === id.id)!;
  return { connection, key: id.key };
}

/** Removes the connection and its keys; `grants: "remove"` also takes away everything it granted. */
export async function deleteScimConnection(db: Db, orgId: string, id: string, grants: "keep" | "remove", actor: Actor): Promise<{ membershipsEnded: number }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("scim_connections").selectAll().where("org_id", "=", orgId).where("service_account_id", "=", id).executeTakeFirst();
    if (!row) throw notFound("This SCIM connection does not exist in the organization (it may have been removed).");
    let ended = 0;
    if (grants === "remove") {
      const held = await trx.selectFrom("membership_sources").select(["team_id", "member_id"]).where("org_id", "=", orgId).where("kind", "=", "scim").where("source_id", "=", id).execute();
      const byTeam = new Map<string, string[]>();
      for (const h of held) byTeam.set(h.team_id, [...(byTeam.get(h.team_id) ?? []), h.member_id]);
      for (const [teamId, memberIds] of [...byTeam].sort(([a], [b]) => a.localeCompare(b)))
        ended += (await removeMembersFromTeam(trx, teamId, memberIds, { source: source(id) })).length;
      await withdrawAccessSourceEverywhere(trx, orgId, source(id));
    }
    // Either way the members and teams it managed stay, no longer managed (provenance/managed.ts).
    const released = await releaseManaged(trx, orgId, id);
    await deleteServiceAccountIn(trx, orgId, id, actor);
    await recordAudit(trx, { orgId, actor, action: "scim_connection.delete", targetType: "scim_connection", targetId: id, detail: { name: row.name, grants, membershipsEnded: ended, noLongerManaged: released } });
    return { membershipsEnded: ended };
  });
}

/** Changes a connection's settings: its rate limit, whether it follows the SCIM interop profile strictly. */
export async function updateScimConnection(
  db: Db, orgId: string, id: string, change: { rateLimitPerMinute?: number; interopProfile?: boolean }, actor: Actor,
): Promise<ScimConnectionView> {
  if (change.rateLimitPerMinute !== undefined && (!Number.isSafeInteger(change.rateLimitPerMinute) || change.rateLimitPerMinute < 1)) throw invalidField("rateLimitPerMinute", "must be a positive integer", "The rate limit must be a whole number of requests per minute, 1 or more.");
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom("scim_connections").selectAll().where("org_id", "=", orgId).where("service_account_id", "=", id).executeTakeFirst();
    if (!row) throw notFound(`no SCIM connection with id ${id} in this organization`);
    const set = {
      ...(change.rateLimitPerMinute !== undefined ? { rate_limit_per_minute: change.rateLimitPerMinute } : {}),
      ...(change.interopProfile !== undefined ? { interop_profile: change.interopProfile ? 1 : 0 } : {}),
    };
    if (!Object.keys(set).length) return;
    await trx.updateTable("scim_connections").set(set).where("service_account_id", "=", id).execute();
    await recordAudit(trx, {
      orgId, actor, action: "scim_connection.update", targetType: "scim_connection", targetId: id,
      detail: { name: row.name, before: { rateLimitPerMinute: row.rate_limit_per_minute, interopProfile: row.interop_profile === 1 }, after: { rateLimitPerMinute: set.rate_limit_per_minute ?? row.rate_limit_per_minute, interopProfile: (set.interop_profile ?? row.interop_profile) === 1 } },
    });
  });
  return (await listScimConnections(db, orgId)).find((c) => c.id === id)!;
}

/** Asked on every SCIM request of a service account: compiled once. */
const connectionByAccount = compiled<{ serviceAccountId: string }, { service_account_id: string; rate_limit_per_minute: number; interop_profile: number }>((db) =>
  db.selectFrom("scim_connections").select(["service_account_id", "rate_limit_per_minute", "interop_profile"]).where("service_account_id", "=", param<string>("serviceAccountId")));

/** The connection a SCIM caller's service account is, or undefined (a member's key, a plain service account). */
export async function connectionOf(db: Db, serviceAccountId: string | null): Promise<{ id: string; rateLimitPerMinute: number; interopProfile: boolean } | undefined> {
  if (!serviceAccountId) return undefined;
  const [row] = await connectionByAccount(db, { serviceAccountId });
  return row ? { id: row.service_account_id, rateLimitPerMinute: row.rate_limit_per_minute, interopProfile: row.interop_profile === 1 } : undefined;
}

/** Counts one request against the connection's own limit (a fixed one-minute window shared by every instance). */
export function hitConnection(db: Db, c: { id: string; rateLimitPerMinute: number }): Promise<RateResult> {
  return hit(db, `scim:connection:${c.id}`, c.rateLimitPerMinute, 60);
}

/** Records a finished request: its time, and whether it was an error (status 400 or more). */
export async function recordConnectionRequest(db: Db, id: string, status: number): Promise<void> {
  await db.updateTable("scim_connections").set((eb) => ({
    last_request_at: now(), request_count: eb("request_count", "+", 1), error_count: eb("error_count", "+", status >= 400 ? 1 : 0),
  })).where("service_account_id", "=", id).execute();
}
