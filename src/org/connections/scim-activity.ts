/**
 * The last requests an identity provider made over SCIM, for the admin who sets
 * the provisioning up ("did Okta's Test Connection reach us, and what did we
 * answer?"). A ring of SLOTS rows per org, written after each response (a failure
 * to write it never touches the request), read newest first with the key's name.
 * It is a log, not a change: no audit event.
 *
 * @example
 * await recordScimRequest(db, { orgId, method: "GET", path: "/Users?filter=…", status: 200, keyId });
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";

export const SCIM_ACTIVITY_SLOTS = 50;

/** `/Users/2819c223-…/` → `/Users/{id}`; the query string is never kept (filters hold names). */
export function resourcePath(path: string): string {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  return parts.length ? `/${parts[0]}${parts.length > 1 ? "/{id}" : ""}` : "/";
}

/** `why`: for a refused key, why in words (never the key). */
export async function recordScimRequest(db: Kysely<Database>, r: { orgId: string; method: string; path: string; status: number; keyId: string | null; why?: string }): Promise<void> {
  // The slot: a free one, else the oldest (at most SLOTS rows are read). Two instances writing
  // at once may pick the same slot; one entry is then lost, never the bound.
  const used = await db.selectFrom("scim_requests").select(["slot", "at"]).where("org_id", "=", r.orgId).orderBy("at").execute();
  const taken = new Set(used.map((u) => Number(u.slot)));
  const free = Array.from({ length: SCIM_ACTIVITY_SLOTS }, (_, i) => i).find((i) => !taken.has(i));
  const slot = free ?? Number(used[0]!.slot);
  const row = { org_id: r.orgId, slot, at: now(), method: r.method, path: resourcePath(r.path), status: r.status, key_id: r.keyId, why: r.why ?? null };
  await db.insertInto("scim_requests").values(row).onConflict((oc) => oc.columns(["org_id", "slot"]).doUpdateSet({ at: row.at, method: row.method, path: row.path, status: row.status, key_id: row.key_id, why: row.why })).execute();
}

export interface ScimRequestView { at: string; method: string; path: string; status: number; ok: boolean; by: string; /** a refused key: why, in words */ why: string | null }

export async function lastScimRequests(db: Kysely<Database>, orgId: string): Promise<ScimRequestView[]> {
  const rows = await db.selectFrom("scim_requests as r").leftJoin("api_keys as k", "k.id", "r.key_id").leftJoin("service_accounts as s", "s.id", "k.service_account_id")
    .leftJoin("members as m", "m.id", "k.member_id")
    .select(["r.at", "r.method", "r.path", "r.status", "r.why", "k.prefix", "s.name as account", "m.user_name"]).where("r.org_id", "=", orgId)
    .orderBy("r.at", "desc").limit(SCIM_ACTIVITY_SLOTS).execute();
  return rows.map((r) => ({
    at: r.at, method: r.method, path: r.path, status: Number(r.status), ok: Number(r.status) < 400,
    why: r.why ?? null,
    by: r.account ? `service account ${r.account}` : r.user_name ? `${r.user_name}'s key` : r.prefix ? `key ${r.prefix}…` : "a key that no longer exists",
  }));
}
