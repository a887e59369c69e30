/**
 * The last requests an identity provider made over SCIM, for the admin who sets
 * the provisioning up ("did Okta's Test Connection reach us, and what did we
 * answer?"). A ring of SLOTS rows per org, written after each response (a failure
 * to write it never touches the request), read newest first with the key's name.
 * It is a log, not a change: no audit event. Entries are written in one statement per
 * FLUSH_MS (not one write per request, which cost a GET as much as its reads); a read of
 * the log in this process writes what is pending first, another instance sees it ≤ FLUSH_MS later.
 *
 * @example
 * await recordScimRequest(db, { orgId, method: "GET", path: "/Users?filter=…", status: 200, keyId });
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";

export const SCIM_ACTIVITY_SLOTS = 50;
let counter = 0;

/** `/Users/2819c223-…/` → `/Users/{id}`; the query string is never kept (filters hold names). */
export function resourcePath(path: string): string {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  return parts.length ? `/${parts[0]}${parts.length > 1 ? "/{id}" : ""}` : "/";
}

type Row = { org_id: string; slot: number; at: string; method: string; path: string; status: number; key_id: string | null };

export const FLUSH_MS = 200;
/** Per database: the entries not yet written, by org and slot (a later one in a slot replaces an earlier one). */
const pending = new Map<Kysely<Database>, Map<string, Row>>();
const flushing = new Map<Kysely<Database>, Promise<void>>();

export async function recordScimRequest(db: Kysely<Database>, r: { orgId: string; method: string; path: string; status: number; keyId: string | null }): Promise<void> {
  // The slot: this process's counter spread by time, so several instances rarely share one.
  const slot = (Date.now() + counter++) % SCIM_ACTIVITY_SLOTS;
  const row = { org_id: r.orgId, slot, at: now(), method: r.method, path: resourcePath(r.path), status: r.status, key_id: r.keyId };
  let rows = pending.get(db);
  if (!rows) {
    rows = new Map();
    pending.set(db, rows);
    setTimeout(() => { void flushScimRequests(db).catch(() => { /* a log entry only */ }); }, FLUSH_MS).unref();
  }
  rows.set(`${row.org_id} ${slot}`, row);
}

/** Writes the pending entries of `db` (one multi-row upsert per 100 entries). */
export async function flushScimRequests(db: Kysely<Database>): Promise<void> {
  await flushing.get(db);
  const rows = pending.get(db);
  if (!rows) return;
  pending.delete(db);
  const all = [...rows.values()];
  const write = (async () => {
    for (let i = 0; i < all.length; i += 100) {
      await db.insertInto("scim_requests").values(all.slice(i, i + 100)).onConflict((oc) => oc.columns(["org_id", "slot"]).doUpdateSet((eb) => ({
        at: eb.ref("excluded.at"), method: eb.ref("excluded.method"), path: eb.ref("excluded.path"), status: eb.ref("excluded.status"), key_id: eb.ref("excluded.key_id"),
      }))).execute();
    }
  })();
  flushing.set(db, write);
  try { await write; } finally { if (flushing.get(db) === write) flushing.delete(db); }
}

export interface ScimRequestView { at: string; method: string; path: string; status: number; ok: boolean; by: string }

export async function lastScimRequests(db: Kysely<Database>, orgId: string): Promise<ScimRequestView[]> {
  await flushScimRequests(db).catch(() => { /* shown as far as written */ });
  const rows = await db.selectFrom("scim_requests as r").leftJoin("api_keys as k", "k.id", "r.key_id").leftJoin("service_accounts as s", "s.id", "k.service_account_id")
    .leftJoin("members as m", "m.id", "k.member_id")
    .select(["r.at", "r.method", "r.path", "r.status", "k.prefix", "s.name as account", "m.user_name"]).where("r.org_id", "=", orgId)
    .orderBy("r.at", "desc").limit(SCIM_ACTIVITY_SLOTS).execute();
  return rows.map((r) => ({
    at: r.at, method: r.method, path: r.path, status: Number(r.status), ok: Number(r.status) < 400,
    by: r.account ? `service account ${r.account}` : r.user_name ? `${r.user_name}'s key` : r.prefix ? `key ${r.prefix}…` : "a key that no longer exists",
  }));
}
