/**
 * Directory group → team sync for the provisioning decision (src/org/arrival/arrive.ts;
 * see its module comment): at a successful sign-in, when the org syncs groups to
 * teams, the member's teams follow the directory's groups.
 */
import type { Transaction } from "kysely";
import type { Database, Org } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { changeMemberTeams } from "../teams/membership.ts";

type Trx = Transaction<Database>;

/** What the sync changed (team display names), when the org syncs groups to teams. */
export interface TeamSync {
  added: string[];
  removed: string[];
}

/**
 * Makes the member's teams follow the directory's groups (see the module
 * comment): joins the teams named by a group, leaves those not named, never the
 * default team. Audited as `member.team_sync` when something changed.
 */
export async function syncGroupsToTeams(trx: Trx, org: Org, memberId: string, groups: string[], actor: Actor): Promise<TeamSync> {
  const keys = [...new Set(groups.filter((g) => typeof g === "string").map((g) => g.trim().toLowerCase()).filter(Boolean))];
  const wanted = keys.length ? await trx.selectFrom("teams").select(["id", "display_name"]).where("org_id", "=", org.id).where("name_key", "in", keys).execute() : [];
  const current = await trx.selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id")
    .select(["t.id", "t.display_name", "t.name_key"]).where("tm.member_id", "=", memberId).execute();
  const have = new Set(current.map((c) => c.id));
  const keySet = new Set(keys);
  const add = wanted.filter((w) => !have.has(w.id));
  const remove = current.filter((c) => !keySet.has(c.name_key) && c.id !== org.default_team_id);
  if (!add.length && !remove.length) return { added: [], removed: [] };
  await changeMemberTeams(trx, org.id, memberId, { add: add.map((x) => x.id), remove: remove.map((x) => x.id) });
  const out = { added: add.map((x) => x.display_name), removed: remove.map((x) => x.display_name) };
  await recordAudit(trx, { orgId: org.id, actor, action: "member.team_sync", targetType: "member", targetId: memberId, detail: out });
  return out;
}
