/**
 * Reading the audit log: newest first, filtered by actor, action, target and
 * time, paged with an opaque cursor (the position of the last event seen), so
 * pages stay stable while new events arrive.
 *
 * @example
 * const page = await queryAudit(db, orgId, { action: "team.update", limit: 50 });
 * const next = await queryAudit(db, orgId, { action: "team.update", limit: 50, cursor: page.nextCursor! });
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { invalid } from "../errors.ts";

export interface AuditQuery {
  actor?: string;
  /** exact action, or a prefix ending in `.*` (e.g. `team.*`) */
  action?: string;
  /** target id */
  target?: string;
  /** ISO-8601 times, inclusive */
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export interface AuditEventView {
  id: number;
  at: string;
  door: string;
  actor: string;
  action: string;
  targetType: string;
  targetId: string | null;
  detail: unknown;
}

export const MAX_AUDIT_PAGE = 200;

function isoTime(name: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw invalid(`"${name}" must be an ISO-8601 time such as 2025-01-31T00:00:00Z`);
  return new Date(t).toISOString();
}

const encodeCursor = (at: string, id: number): string => Buffer.from(JSON.stringify([at, id])).toString("base64url");

function decodeCursor(c: string): { at: string; id: number } {
  try {
    const [at, id] = JSON.parse(Buffer.from(c, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof at === "string" && Number.isInteger(id)) return { at, id: id as number };
  } catch { /* fall through */ }
  throw invalid('"cursor" is not a cursor this server returned');
}

export async function queryAudit(db: Kysely<Database>, orgId: string, q: AuditQuery): Promise<{ events: AuditEventView[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_PAGE) throw invalid(`"limit" must be an integer from 1 to ${MAX_AUDIT_PAGE}`);
  const since = isoTime("since", q.since);
  const until = isoTime("until", q.until);
  let sel = db.selectFrom("audit_events").selectAll().where("org_id", "=", orgId);
  if (q.actor) sel = sel.where("actor", "=", q.actor);
  if (q.action?.endsWith(".*")) {
    const prefix = q.action.slice(0, -1);
    sel = sel.where(sql<string>`substr(action, 1, ${prefix.length})`, "=", prefix);
  }
  else if (q.action) sel = sel.where("action", "=", q.action);
  if (q.target) sel = sel.where("target_id", "=", q.target);
  if (since) sel = sel.where("at", ">=", since);
  if (until) sel = sel.where("at", "<=", until);
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    sel = sel.where((eb) => eb.or([eb("at", "<", c.at), eb.and([eb("at", "=", c.at), eb("id", "<", c.id)])]));
  }
  const rows = await sel.orderBy("at", "desc").orderBy("id", "desc").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const events = page.map((r) => ({
    id: Number(r.id), at: r.at, door: r.door, actor: r.actor, action: r.action, targetType: r.target_type, targetId: r.target_id,
    detail: r.detail === null ? null : JSON.parse(r.detail) as unknown,
  }));
  const last = events.at(-1);
  return { events, nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null };
}
