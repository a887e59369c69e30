/**
 * The revision rule shared by every versioned row (members, teams, custom roles),
 * for every write on one row (update, replace, delete): the write first bumps the
 * revision, which takes the row lock, so concurrent writers queue instead of
 * losing each other's changes; If-Match is then checked against the revision the
 * lock saw. Checking before the lock (a plain read) lets two writers with the same
 * If-Match both pass; checking under it leaves exactly one winner, and a row that
 * a competitor deleted meanwhile is a 404, on both databases.
 */
import { PostgresAdapter, type Selectable, type Transaction } from "kysely";
import type { Database } from "../../db/types.ts";
import { notFound, preconditionFailed } from "./errors.ts";

type Versioned = "members" | "teams" | "custom_roles";
const LABEL: Record<Versioned, string> = { members: "User", teams: "Group", custom_roles: "Role" };

/**
 * What an If-Match asks of the row: one revision, or any of a list. No
 * expectation (`undefined`, also If-Match `*`) only asks that the row exists.
 */
export type ExpectedRevision = number | readonly number[];

const matches = (revision: number, expected: ExpectedRevision): boolean =>
  typeof expected === "number" ? revision === expected : expected.includes(revision);

const describe = (expected: ExpectedRevision): string =>
  typeof expected === "number" ? `it names ${expected}` : expected.length ? `it names ${expected.join(", ")}` : "it names no version of ours";

/** The rows of the three tables share these columns; kysely cannot see that through a generic table name. */
type Shared = Transaction<Record<string, { id: string; org_id: string; revision: number; updated_at: string }>>;

export async function lockForUpdate<T extends Versioned>(
  trx: Transaction<Database>, table: T, orgId: string, id: string, t: string, expected?: ExpectedRevision,
): Promise<Selectable<Database[T]>> {
  const db = trx as unknown as Shared;
  const bumped = await db.updateTable(table as string)
    .set((eb) => ({ revision: eb("revision", "+", 1), updated_at: t }))
    .where("org_id", "=", orgId).where("id", "=", id)
    .returningAll().executeTakeFirst();
  if (!bumped) throw notFound(`This ${LABEL[table].toLowerCase()} does not exist (it may have been deleted).`);
  const before = { ...bumped, revision: bumped.revision - 1 };
  if (expected !== undefined && !matches(before.revision, expected))
    throw preconditionFailed(`${LABEL[table]} ${id} is at revision ${before.revision}, which If-Match does not name (${describe(expected)})`);
  return before as unknown as Selectable<Database[T]>;
}

/**
 * Locks the rows among `ids` that exist in the org and returns their ids: a row
 * another writer is deleting is waited for and then reported missing, so an
 * insert that refers to it (a team membership) is refused by the caller's own
 * check instead of failing on the foreign key. Locks are taken in id order, the
 * order every writer uses, so two writers cannot deadlock. On SQLite the
 * transaction already holds the database's write lock (BEGIN IMMEDIATE).
 */
export async function lockExisting(trx: Transaction<Database>, table: Versioned, orgId: string, ids: string[]): Promise<Set<string>> {
  const db = trx as unknown as Shared;
  const pg = trx.getExecutor().adapter instanceof PostgresAdapter;
  const sorted = [...new Set(ids)].sort();
  const found = new Set<string>();
  for (let i = 0; i < sorted.length; i += 500) {
    const q = db.selectFrom(table as string).select("id").where("org_id", "=", orgId)
      .where("id", "in", sorted.slice(i, i + 500)).orderBy("id");
    for (const r of await (pg ? q.forNoKeyUpdate() : q).execute()) found.add(r.id);
  }
  return found;
}
