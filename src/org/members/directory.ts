/**
 * Read model: the members list (the admin API's `GET /members`, the console's
 * table, the CLI's `member list`). Filters, a server-side sort and paging in
 * SQL, so a page costs the same at 100 and at 100,000 members.
 *
 * Sorting: by userName, displayName, email (the primary address), orgRole or
 * createdAt (indexes of migration 0020 for e-mail and org role), ascending or descending; ties by userName, then id, in the same
 * direction, so pages never overlap. Members without a display name or e-mail
 * come last in either direction, on both databases.
 *
 * @example
 * const page = await listMembers(db, orgId, { q: "ali", sort: "email", order: "desc", limit: 50, offset: 0 });
 * // → { items: MemberView[], total, offset, limit }
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { toMemberView, type MemberView } from "./member-view.ts";
import { memberMatches, searchPattern } from "./search.ts";
import { connectionNames, managedByOf } from "../provenance/managed.ts";

type Db = Kysely<Database>;

export const MEMBER_SORTS = ["userName", "displayName", "email", "orgRole", "createdAt"] as const;
export type MemberSort = (typeof MEMBER_SORTS)[number];
export const SORT_ORDERS = ["asc", "desc"] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export interface MemberQuery {
  /** part of userName, display name or an e-mail address, case-insensitive */
  q?: string;
  role?: string;
  modelsSeat?: string;
  weaveRole?: string;
  active?: boolean;
  billingAdmin?: boolean;
  /** a team id: only its members */
  team?: string;
  sort?: MemberSort;
  order?: SortOrder;
  limit: number;
  offset: number;
}

export interface MemberPage {
  items: MemberView[];
  total: number;
  offset: number;
  limit: number;
}

function filtered(db: Db, orgId: string, f: MemberQuery) {
  let base = db.selectFrom("members as m").where("m.org_id", "=", orgId);
  if (f.role) base = base.where("m.org_role", "=", f.role);
  if (f.modelsSeat) base = base.where("m.models_seat", "=", f.modelsSeat);
  if (f.weaveRole) base = base.where("m.weave_role", "=", f.weaveRole);
  if (f.active !== undefined) base = base.where("m.active", "=", f.active ? 1 : 0);
  if (f.billingAdmin !== undefined) base = base.where("m.billing_admin", "=", f.billingAdmin ? 1 : 0);
  const team = f.team;
  if (team) base = base.where((eb) => eb.exists(eb.selectFrom("team_members as tm").select("tm.member_id").whereRef("tm.member_id", "=", "m.id").where("tm.team_id", "=", team)));
  const pattern = searchPattern(f.q);
  if (pattern) base = base.where((eb) => memberMatches(eb, orgId, pattern));
  return base;
}

/** A page of the org's members, filtered and sorted, with the total that matches. */
export async function listMembers(db: Db, orgId: string, query: MemberQuery): Promise<MemberPage> {
  const { limit, offset } = query;
  const dir = query.order ?? "asc";
  const base = filtered(db, orgId, query);
  let rows = base.selectAll("m");
  const sort = query.sort ?? "userName";
  // Explicit NULLS LAST: SQLite and PostgreSQL disagree on where NULL sorts otherwise.
  if (sort === "displayName") rows = rows.orderBy("m.display_name_key", (ob) => (dir === "asc" ? ob.asc() : ob.desc()).nullsLast());
  else if (sort === "email") rows = rows.orderBy("m.primary_email_key", (ob) => (dir === "asc" ? ob.asc() : ob.desc()).nullsLast());
  else if (sort === "orgRole") rows = rows.orderBy("m.org_role", dir);
  else if (sort === "createdAt") rows = rows.orderBy("m.created_at", dir);
  const page = await rows.orderBy("m.user_name_key", dir).orderBy("m.id", dir).limit(limit).offset(offset).execute();
  // A short page past its start is the end of the list: its total needs no second scan (a narrow search).
  const total = page.length > 0 && page.length < limit ? offset + page.length
    : Number((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  // The page's addresses in one more query: a subquery per row in the sorted query would run for every member.
  const emails = await primaryEmails(db, page.map((m) => m.id));
  const names = page.some((m) => m.managed_by) ? await connectionNames(db, orgId) : new Map<string, string>();
  return { items: page.map((m) => toMemberView(m, emails.get(m.id) ?? null, managedByOf(m.managed_by, names))), total, offset, limit };
}

/** Each member's primary address as given (the first marked primary, else the first). */
async function primaryEmails(db: Db, memberIds: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!memberIds.length) return out;
  const rows = await db.selectFrom("member_emails").select(["member_id", "value"]).where("member_id", "in", memberIds)
    .orderBy("member_id").orderBy("is_primary", "desc").orderBy("position").execute();
  for (const r of rows) if (!out.has(r.member_id)) out.set(r.member_id, r.value);
  return out;
}

/** Every member of the org, by userName (the CLI's listing), a page at a time. */
export async function* allMembers(db: Db, orgId: string): AsyncGenerator<MemberView> {
  for (let offset = 0; ; offset += 500) {
    const page = await listMembers(db, orgId, { limit: 500, offset });
    yield* page.items;
    if (offset + page.items.length >= page.total || !page.items.length) return;
  }
}
