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

/** `/Users/2819c223-…/` → `/Users/{id}`; the query string is never kept (filters hold names). */
export function resourcePath(path: string): string {
  const parts = path.split("?")[0]!.split("/").filter(Boolean);
  return parts.length ? `/${parts[0]}${parts.length > 1 ? "/{id}" : ""}` : "/";
}

type Entry = { at: string; method: string; path: string; status: number; key_id: string | null; why: string | null };

export const FLUSH_MS = 200;
/** Per database: the entries not yet written, by org (at most SLOTS each: older ones would be overwritten anyway). */
const pending = new Map<Kysely<Database>, Map<string, Entry[]>>();
const flushing = new Map<Kysely<Database>, Promise<void>>();

/** `why`: for a refused key, why in words (never the key). */
export async function recordScimRequest(db: Kysely<Database>, r: { orgId: string; method: string; path: string; status: number; keyId: string | null; why?: string }): Promise<void> {
  let orgs = pending.get(db);
  if (!orgs) {
    orgs = new Map();
    pending.set(db, orgs);
    setTimeout(() => { void flushScimRequests(db).catch(() => { /* a log entry only */ }); }, FLUSH_MS).unref();
  }
  const entries = orgs.get(r.orgId) ?? [];
  entries.push({ at: now(), method: r.method, path: resourcePath(r.path), status: r.status, key_id: r.keyId, why: r.why ?? null });
  if (entries.length > SCIM_ACTIVITY_SLOTS) entries.shift();
  orgs.set(r.orgId, entries);
}

/**
 * Writes the pending entries of `db`: per org, into its free slots first, then over its
 * oldest entries (one read of the org's ≤ SLOTS slots, one upsert per 100 entries). Two
 * instances flushing at once may pick the same slot; one entry is then lost, never the bound.
 */
export async function flushScimRequests(db: Kysely<Database>): Promise<void> {
  await flushing.get(db);
  const orgs = pending.get(db);
  if (!orgs) return;
  pending.delete(db);
  const write = (async () => {
    for (const [orgId, entries] of orgs) {
      const used = await db.selectFrom("scim_requests").select(["slot", "at"]).where("org_id", "=", orgId).orderBy("at").execute();
      const taken = new Set(used.map((u) => Number(u.slot)));
      const slots = [...Array.from({ length: SCIM_ACTIVITY_SLOTS }, (_, i) => i).filter((i) => !taken.has(i)), ...used.map((u) => Number(u.slot))];
      const rows = entries.map((e, i) => ({ org_id: orgId, slot: slots[i]!, ...e }));
      for (let i = 0; i < rows.length; i += 100) {
        await db.insertInto("scim_requests").values(rows.slice(i, i + 100)).onConflict((oc) => oc.columns(["org_id", "slot"]).doUpdateSet((eb) => ({
          at: eb.ref("excluded.at"), method: eb.ref("excluded.method"), path: eb.ref("excluded.path"), status: eb.ref("excluded.status"),
          key_id: eb.ref("excluded.key_id"), why: eb.ref("excluded.why"),
        }))).execute();
      }
    }
  })();
  flushing.set(db, write);
  try { await write; } finally { if (flushing.get(db) === write) flushing.delete(db); }
}

export interface ScimRequestView { at: string; method: string; path: string; status: number; ok: boolean; by: string; /** a refused key: why, in words */ why: string | null }

export async function lastScimRequests(db: Kysely<Database>, orgId: string): Promise<ScimRequestView[]> {
  await flushScimRequests(db).catch(() => { /* shown as far as written */ });
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
