/**
 * Reading the audit log: newest first, filtered by actor, action, target, door,
 * person (a name, e-mail or user name: what they did and what was done to them)
 * and time, paged with an opaque cursor (the position of the last event seen), so
 * pages stay stable while new events arrive. Each event comes with names for its
 * actor and target (names.ts) and its changes in words (words.ts).
 *
 * @example
 * const page = await queryAudit(db, orgId, { action: "team.update", limit: 50 });
 * const next = await queryAudit(db, orgId, { action: "team.update", limit: 50, cursor: page.nextCursor! });
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { invalid } from "../errors.ts";
import { resolveAuditNames } from "./names.ts";
import { actionInWords, changesInWords, type ChangeInWords } from "./words.ts";

export interface AuditQuery {
  actor?: string;
  /** exact action, or a prefix ending in `.*` (e.g. `team.*`) */
  action?: string;
  /** target id */
  target?: string;
  /** the door: scim, admin, cli or sso */
  door?: string;
  /** a person, by the start of their name, e-mail or user name: events they did or that are about them */
  person?: string;
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
  /** who, in words: "Ada Lovelace (ada)", "service account okta", "the operator" */
  actorName: string;
  /** what was acted on, in words */
  targetName: string;
  /** "Ada Lovelace (ada) changed a member: Grace Hopper (grace)" */
  summary: string;
  /** what changed, before → after, in words */
  changes: ChangeInWords[];
}

export const AUDIT_DOORS = ["admin", "scim", "sso", "cli"] as const;
const PERSON_MATCHES = 50;

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
  if (q.door) {
    if (!(AUDIT_DOORS as readonly string[]).includes(q.door)) throw invalid(`the door must be one of ${AUDIT_DOORS.join(", ")}`);
    sel = sel.where("door", "=", q.door);
  }
  if (q.person?.trim()) {
    const who = await personIds(db, orgId, q.person.trim().toLowerCase());
    if (!who.members.length) return { events: [], nextCursor: null };
    const actors = [...who.members.map((id) => `member:${id}`), ...who.keys.map((id) => `key:${id}`)];
    sel = sel.where((eb) => eb.or([eb("actor", "in", actors), eb("person_id", "in", who.members)]));
  }
  if (since) sel = sel.where("at", ">=", since);
  if (until) sel = sel.where("at", "<=", until);
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    sel = sel.where((eb) => eb.or([eb("at", "<", c.at), eb.and([eb("at", "=", c.at), eb("id", "<", c.id)])]));
  }
  const rows = await sel.orderBy("at", "desc").orderBy("id", "desc").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  const parsed = page.map((r) => ({ ...r, detail: r.detail === null ? null : JSON.parse(r.detail) as Record<string, unknown> | null }));
  const names = await resolveAuditNames(db, orgId, parsed);
  const events = parsed.map((r): AuditEventView => {
    const actorName = names.actor(r.actor).name;
    const targetName = names.target(r);
    // A team change about one member names them too ("… a team role: Research, for Grace Hopper (grace)").
    const about = r.target_type !== "member" && r.person_id ? names.member(r.person_id) ?? (typeof r.detail?.userName === "string" ? r.detail.userName : undefined) : undefined;
    return {
      id: Number(r.id), at: r.at, door: r.door, actor: r.actor, action: r.action, targetType: r.target_type, targetId: r.target_id, detail: r.detail,
      actorName, targetName, summary: `${actorName} ${actionInWords(r.action)}: ${targetName}${about ? `, for ${about}` : ""}`,
      changes: changesInWords(r.detail, (id) => names.team(id)),
    };
  });
  const last = events.at(-1);
  return { events, nextCursor: rows.length > limit && last ? encodeCursor(last.at, last.id) : null };
}

/** Members whose user name, name or e-mail starts with `q` (lower case), and their own API keys. */
async function personIds(db: Kysely<Database>, orgId: string, q: string): Promise<{ members: string[]; keys: string[] }> {
  // LIKE's wildcards in a search are literal characters.
  const pattern = `${q.replace(/[\\%_]/g, "\\$&")}%`;
  const starts = (col: string) => sql<boolean>`${sql.ref(col)} like ${pattern} escape '\\'`;
  const rows = await db.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").select("m.id").where("m.org_id", "=", orgId)
    .where((eb) => eb.or([starts("m.user_name_key"), starts("m.display_name_key"), starts("u.email_key")]))
    .limit(PERSON_MATCHES).execute();
  const members = rows.map((r) => r.id);
  const keys = members.length ? (await db.selectFrom("api_keys").select("id").where("org_id", "=", orgId).where("member_id", "in", members).execute()).map((k) => k.id) : [];
  return { members, keys };
}
