/**
 * The arrival decision's step for role mapping rules (src/org/mappings): at each
 * sign-in the member's OIDC / LDAP groups are remembered and the rules applied;
 * after a SCIM group change the rules are applied to the members it touched.
 */
import type { Transaction } from "kysely";
import type { Database } from "../../../db/types.ts";
import type { Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { applyMappings, mappingsInUse, type MemberReport } from "../mappings/apply.ts";
import { matchKey } from "../mappings/rules.ts";

type Trx = Transaction<Database>;

/** Replaces the groups the member's last sign-in through this door carried. */
export async function rememberDirectoryGroups(trx: Trx, orgId: string, memberId: string, door: "oidc" | "ldap", groups: string[]): Promise<void> {
  const kind = door === "oidc" ? "oidc-group" : "ldap-group";
  const keys = [...new Set(groups.filter((g) => typeof g === "string" && g.trim()).map((g) => matchKey(kind, g)))];
  await trx.deleteFrom("member_directory_groups").where("member_id", "=", memberId).where("kind", "=", kind).execute();
  if (keys.length) await trx.insertInto("member_directory_groups").values(keys.map((group_key) => ({ member_id: memberId, org_id: orgId, kind, group_key, seen_at: now() }))).execute();
}

/** Applies the org's rules to members whose directory groups may have changed (listed only when the org has rules or mapped grants). */
export async function applyDirectoryMappings(trx: Trx, orgId: string, memberIds: string[] | (() => Promise<string[]>), actor: Actor): Promise<MemberReport[]> {
  if (!(await mappingsInUse(trx, orgId))) return [];
  return applyMappings(trx, orgId, typeof memberIds === "function" ? await memberIds() : memberIds, actor);
}
