/**
 * Saving, dry-running and deleting role mapping rules. Saving a rule applies the
 * org's rules to every member in the same transaction; the dry run is that very
 * transaction rolled back, so it answers exactly what applying will do (same
 * members, same roles, same refusals) for the state it ran on.
 *
 * @example
 * const { report } = await dryRunRule(db, orgId, { priority: 10, match: { kind: "oidc-group", value: "ml-admins" }, orgRole: "admin" }, actor);
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { notFound } from "../errors.ts";
import { applyMappings, type MemberReport } from "./apply.ts";
import { insertRule, type Rule, type RuleInput } from "./rules.ts";

type Db = Kysely<Database>;

export { listRules, getRule, MATCH_KINDS, type Rule, type RuleInput } from "./rules.ts";
export type { MemberReport, MappingChange } from "./apply.ts";

/** Thrown to roll a dry run back, carrying its answer out. */
class DryRun extends Error {
  constructor(readonly out: { rule: Rule; report: MemberReport[] }) { super("dry run"); }
}

export async function createRule(db: Db, orgId: string, input: RuleInput, actor: Actor): Promise<{ rule: Rule; report: MemberReport[] }> {
  return db.transaction().execute(async (trx) => {
    const rule = await insertRule(trx, orgId, input);
    await recordAudit(trx, { orgId, actor, action: "mapping.create", targetType: "role_mapping", targetId: rule.id, detail: { after: rule } });
    return { rule, report: await applyMappings(trx, orgId, "all", actor) };
  });
}

/** What saving this rule would change for whom, without saving it. */
export async function dryRunRule(db: Db, orgId: string, input: RuleInput, actor: Actor): Promise<{ rule: Rule; report: MemberReport[] }> {
  try {
    await db.transaction().execute(async (trx) => {
      const rule = await insertRule(trx, orgId, input);
      throw new DryRun({ rule, report: await applyMappings(trx, orgId, "all", actor) });
    });
  } catch (err) {
    if (err instanceof DryRun) return err.out;
    throw err;
  }
  throw new Error("unreachable: a dry run always rolls back");
}

/** Deletes the rule; what it alone granted is taken away (reported). */
export async function deleteRule(db: Db, orgId: string, id: string, actor: Actor): Promise<MemberReport[]> {
  return db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom("role_mappings").where("org_id", "=", orgId).where("id", "=", id).returningAll().executeTakeFirst();
    if (!gone) throw notFound("This role mapping rule does not exist (it may have been deleted).");
    await recordAudit(trx, { orgId, actor, action: "mapping.delete", targetType: "role_mapping", targetId: id, detail: { before: gone } });
    return applyMappings(trx, orgId, "all", actor);
  });
}
