/**
 * Paging in SQL: index paging (startIndex/count with OFFSET) and keyset cursor
 * paging (RFC 9865), both over the order (sort key, id) so pages are stable.
 * The total is a COUNT over the same filtered query, skipped when the page itself shows
 * it (a short page that starts at the beginning or has rows: an `eq` filter on a unique
 * attribute is then one indexed lookup); nothing is paged in memory.
 */
import { sql, type Expression, type SelectQueryBuilder } from "kysely";
import type { DynamicDb } from "./filter/compile.ts";
import { decodeCursor, encodeCursor, type CursorPosition } from "./cursor.ts";
import type { ListParams } from "./list-params.ts";

/** An org-scoped query over tables named at run time (see DynamicDb). */
export type DynamicQuery = SelectQueryBuilder<DynamicDb, string, Record<string, unknown>>;

export interface ListQuery {
  /** org-scoped, filtered query selecting the resource rows */
  base: DynamicQuery;
  /** qualified id column, e.g. "m.id" */
  idColumn: string;
  /** the sortBy expression, or null to order by id alone */
  sortKey: Expression<unknown> | null;
  params: ListParams;
  /** identifies filter + sort, so a cursor cannot be replayed on another query */
  scope: string;
  cursorTtlSeconds: number;
  /** signs cursors (config.cursorSecret); a per-process random secret when unset */
  cursorSecret?: string;
}

export interface ListPage<Row> {
  rows: Row[];
  total: number;
  startIndex?: number;
  nextCursor?: string;
  previousCursor?: string;
}

export async function runList<Row>(q: ListQuery): Promise<ListPage<Row>> {
  const { params } = q;
  const id = sql.ref(q.idColumn);
  const key = q.sortKey;
  const count = async () => {
    const countRow = await q.base.clearSelect().select((eb) => eb.fn.countAll().as("n")).executeTakeFirst();
    return Number((countRow as { n: number | string } | undefined)?.n ?? 0);
  };
  const withKey = key ? q.base.select(sql<unknown>`${key}`.as("__sort")) : q.base;
  // PostgreSQL refuses ORDER BY a constant, so without sortBy the order is the id alone.
  const order = (qb: DynamicQuery, dir: "asc" | "desc") =>
    (key ? qb.orderBy(key, dir) : qb).orderBy(id, dir);

  if (params.cursor === undefined) {
    if (params.count === 0) return { rows: [], total: await count(), startIndex: params.startIndex };
    const dir = params.descending ? "desc" : "asc";
    const rows = await order(withKey, dir).offset(params.startIndex - 1).limit(params.count).execute();
    const shows = rows.length < params.count && (rows.length > 0 || params.startIndex === 1);
    const total = shows ? params.startIndex - 1 + rows.length : await count();
    return { rows: rows.map(strip) as Row[], total, startIndex: params.startIndex };
  }

  if (params.count === 0) return { rows: [], total: await count() };
  const pos: CursorPosition | null = params.cursor === "" ? null : decodeCursor(params.cursor, q.scope, q.cursorTtlSeconds, q.cursorSecret);
  const backwards = pos?.dir === "before";
  // Walking backwards is the forward order reversed.
  const ascending = params.descending === backwards;
  let query = withKey;
  if (pos) {
    const cmp = sql.raw(ascending ? ">" : "<");
    query = key
      ? query.where(sql<boolean>`(${key} ${cmp} ${pos.key} or (${key} = ${pos.key} and ${id} ${cmp} ${pos.id}))`)
      : query.where(sql<boolean>`${id} ${cmp} ${pos.id}`);
  }
  const dir = ascending ? "asc" : "desc";
  const fetched = await order(query, dir).limit(params.count + 1).execute();
  const more = fetched.length > params.count;
  const page = fetched.slice(0, params.count);
  if (backwards) page.reverse();
  const edge = (row: Record<string, unknown>, d: CursorPosition["dir"]) => encodeCursor({ key: (row.__sort ?? "") as string | number, id: row[q.idColumn.split(".").pop()!] as string, dir: d }, q.scope, q.cursorSecret);
  // The first page with nothing after it is the whole result.
  const total = pos === null && !more ? page.length : await count();
  const out: ListPage<Row> = { rows: page.map(strip) as Row[], total };
  if (page.length) {
    if (backwards ? true : more) out.nextCursor = edge(page[page.length - 1], "after");
    if (backwards ? more : pos !== null) out.previousCursor = edge(page[0], "before");
  }
  return out;
}

function strip(row: Record<string, unknown>): Record<string, unknown> {
  const { __sort, ...rest } = row;
  return rest;
}
