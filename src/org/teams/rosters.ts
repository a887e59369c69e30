/**
 * Read model: who is in each team (the SCIM Group's `members`), for any number
 * of teams in one query, members in id order.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";

export interface RosterEntry {
  memberId: string;
  userName: string;
  displayName: string | null;
}

export async function rostersOf(db: Kysely<Database>, teamIds: readonly string[]): Promise<Map<string, RosterEntry[]>> {
  const out = new Map<string, RosterEntry[]>(teamIds.map((id) => [id, []]));
  if (!teamIds.length) return out;
  const rows = await db.selectFrom("team_members as tm")
    .innerJoin("members as m", "m.id", "tm.member_id")
    .select(["tm.team_id", "m.id", "m.user_name", "m.display_name"])
    .where("tm.team_id", "in", [...teamIds])
    .orderBy("tm.team_id").orderBy("m.id")
    .execute();
  for (const r of rows) out.get(r.team_id)?.push({ memberId: r.id, userName: r.user_name, displayName: r.display_name });
  return out;
}
