/**
 * Bulk changes from the members table: one org role, seat or removal for many
 * members, in ONE transaction. Each member is asked of the access policy and
 * goes through the same rules as a single change (last active admin, seat
 * limits, plans); a member refused by either is rolled back to its own
 * savepoint and reported with the reason, the others are kept. Rows are locked
 * in id order, the order every writer uses, so two bulk changes cannot deadlock.
 *
 * @example
 * const out = await bulkChangeMembers(db, principal, orgId, ids, { kind: "access", change: { orgRole: "viewer" } }, actor);
 * out.results.filter((r) => !r.ok); // [{ id, userName: "ada", ok: false, reason: "…the last active admin…" }]
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { can } from "../access/can.ts";
import type { Principal } from "../access/principals.ts";
import type { Actor } from "../audit/record.ts";
import { DomainError } from "../errors.ts";
import { lockTeamsOf } from "../teams/membership.ts";
import { changeMemberAccessIn, removeMemberIn, type MemberAccessChange } from "./members.ts";

export type BulkOperation = { kind: "access"; change: MemberAccessChange } | { kind: "remove" };

export interface BulkResult {
  id: string;
  userName: string | null;
  ok: boolean;
  reason?: string;
}

export async function bulkChangeMembers(
  db: Kysely<Database>, principal: Principal, orgId: string, ids: string[], op: BulkOperation, actor: Actor,
): Promise<{ changed: number; refused: number; results: BulkResult[] }> {
  const ordered = [...new Set(ids)].sort();
  const results = await db.transaction().execute(async (trx) => {
    const names = new Map((await trx.selectFrom("members").select(["id", "user_name"]).where("org_id", "=", orgId).where("id", "in", ordered).execute())
      .map((m) => [m.id, m.user_name]));
    // A removal locks the members' teams before any member row (team rows first, as every writer).
    if (op.kind === "remove") await lockTeamsOf(trx, orgId, ordered);
    const out: BulkResult[] = [];
    for (const [i, id] of ordered.entries()) {
      const userName = names.get(id) ?? null;
      if (userName === null) { out.push({ id, userName, ok: false, reason: "not a member of this organization" }); continue; }
      const decision = can(principal, op.kind === "remove" ? "member:remove" : "member:change-access");
      if (!decision.allowed) { out.push({ id, userName, ok: false, reason: decision.reason }); continue; }
      const point = sql.raw(`bulk_member_${i}`);
      await sql`savepoint ${point}`.execute(trx);
      try {
        if (op.kind === "remove") await removeMemberIn(trx, orgId, id, actor);
        else await changeMemberAccessIn(trx, orgId, id, op.change, actor);
        await sql`release savepoint ${point}`.execute(trx);
        out.push({ id, userName, ok: true });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        await sql`rollback to savepoint ${point}`.execute(trx);
        await sql`release savepoint ${point}`.execute(trx);
        out.push({ id, userName, ok: false, reason: err.message });
      }
    }
    return out;
  });
  const changed = results.filter((r) => r.ok).length;
  return { changed, refused: results.length - changed, results };
}
