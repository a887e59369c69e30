/**
 * One meaning of "search people": part of the user name, the display name or
 * any e-mail address, case-insensitive, with LIKE's wildcards taken literally.
 * The members list and a team's roster both filter with it, so a person found
 * in one is found in the other.
 *
 * @example
 * const q = searchPattern(" Ada ");        // "%ada%" (null for a blank search)
 * if (q) base = base.where((eb) => memberMatches(eb, orgId, q));
 */
import { type ExpressionBuilder, sql } from "kysely";
import type { Database } from "../../../db/types.ts";

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The LIKE pattern of a search, or null when there is nothing to search for. */
export function searchPattern(q: string | undefined): string | null {
  const t = q?.trim().toLowerCase();
  return t ? `%${likeEscape(t)}%` : null;
}

/** The condition "member `m` matches the pattern" (the query must alias members as `m`). */
export function memberMatches(eb: ExpressionBuilder<Database & { m: Database["members"] }, "m">, orgId: string, pattern: string) {
  return eb.or([
    sql<boolean>`${eb.ref("m.user_name_key")} like ${pattern} escape '\\'`,
    sql<boolean>`coalesce(${eb.ref("m.display_name_key")}, '') like ${pattern} escape '\\'`,
    // One scan of the org's e-mail index, not one lookup per member.
    eb("m.id", "in", eb.selectFrom("member_emails as e").select("e.member_id").where("e.org_id", "=", orgId)
      .where(sql<boolean>`${sql.ref("e.value_key")} like ${pattern} escape '\\'`)),
  ]);
}
