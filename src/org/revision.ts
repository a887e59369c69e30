/**
 * The revision rule shared by every versioned row (members, teams, custom roles):
 * an update first bumps the revision, which takes the row lock, so concurrent
 * writers queue instead of losing each other's changes; If-Match is then checked
 * against the revision the lock saw. Returns the row as it was before the bump.
 */
import type { Selectable, Transaction } from "kysely";
import type { Database } from "../../db/types.ts";
import { notFound, preconditionFailed } from "./errors.ts";

type Versioned = "members" | "teams" | "custom_roles";
const LABEL: Record<Versioned, string> = { members: "User", teams: "Group", custom_roles: "Role" };

export async function lockForUpdate<T extends Versioned>(
  trx: Transaction<Database>, table: T, orgId: string, id: string, t: string, expected?: number,
): Promise<Selectable<Database[T]>> {
  // The three tables share these columns; kysely cannot see that through a generic table name.
  const db = trx as unknown as Transaction<Record<string, { id: string; org_id: string; revision: number; updated_at: string }>>;
  const bumped = await db.updateTable(table as string)
    .set((eb) => ({ revision: eb("revision", "+", 1), updated_at: t }))
    .where("org_id", "=", orgId).where("id", "=", id)
    .returningAll().executeTakeFirst();
  if (!bumped) throw notFound(`no ${LABEL[table]} with id ${id}`);
  const before = { ...bumped, revision: bumped.revision - 1 };
  if (expected !== undefined && before.revision !== expected)
    throw preconditionFailed(`${LABEL[table]} ${id} is at revision ${before.revision}, not ${expected}`);
  return before as unknown as Selectable<Database[T]>;
}
