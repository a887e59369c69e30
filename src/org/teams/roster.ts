/**
 * A team's roster, paged and searchable (issue 12): the members of one team
 * with their team roles, by user name, filtered by part of the user name,
 * display name or e-mail. Built for teams of 10,000 and more: the page is cut
 * in SQL, the total is one count (none when the page is the list's end).
 *
 * @example
 * const page = await teamRoster(db, orgId, teamId, { q: "ada", limit: 50, offset: 0 }); // { members, total, offset, limit }
 */
import { membershipSourcesOf } from "../provenance/sources.ts";
import type { Kysely } from "kysely";
import { memberMatches, searchPattern } from "../members/search.ts";
import type { Database } from "../../../db/types.ts";
import type { TeamMemberView } from "./team-admin.ts";
import { mustTeam } from "./team-admin.ts";

export interface RosterQuery { q?: string; limit: number; offset: number }

export interface RosterPage { members: (TeamMemberView & { email: string | null })[]; total: number; offset: number; limit: number }

export async function teamRoster(db: Kysely<Database>, orgId: string, teamId: string, query: RosterQuery): Promise<RosterPage> {
  await mustTeam(db, orgId, teamId);
  let base = db.selectFrom("team_members as tm").innerJoin("members as m", "m.id", "tm.member_id").where("tm.team_id", "=", teamId);
  const pattern = searchPattern(query.q);
  if (pattern) base = base.where((eb) => memberMatches(eb, orgId, pattern));
  const rows = await base.leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
      .select(["tm.member_id", "m.user_name", "m.display_name", "tm.role", "r.name as custom_name", "tm.created_at"])
      .select((eb) => eb.selectFrom("member_emails as e").select("e.value").whereRef("e.member_id", "=", "m.id")
        .orderBy("e.is_primary", "desc").orderBy("e.position").limit(1).as("email"))
      .orderBy("m.user_name_key").orderBy("m.id").limit(query.limit).offset(query.offset).execute();
  // A short page past its start is the end of the list: its total needs no second scan.
  const total = rows.length > 0 && rows.length < query.limit ? query.offset + rows.length
    : Number((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  const sources = await membershipSourcesOf(db, { teamId, memberIds: rows.map((r) => r.member_id) });
  return {
    members: rows.map((r) => ({
      memberId: r.member_id, userName: r.user_name, displayName: r.display_name, email: r.email ?? null,
      role: r.role === "custom" ? (r.custom_name ?? "custom") : r.role, joinedAt: r.created_at,
      sources: sources.get(`${teamId} ${r.member_id}`) ?? [],
    })),
    total, offset: query.offset, limit: query.limit,
  };
}
