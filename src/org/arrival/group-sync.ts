/**
 * Directory group → team sync for the provisioning decision (src/org/arrival/arrive.ts;
 * see its module comment): at a successful sign-in, when the org syncs groups to
 * teams, the member's teams follow the directory's groups.
 */
import type { Transaction } from "kysely";
import type { Database, Org } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import type { GrantSource } from "../provenance/sources.ts";
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
export async function syncGroupsToTeams(trx: Trx, org: Org, memberId: string, groups: string[], actor: Actor, source: GrantSource): Promise<TeamSync> {
  const keys = [...new Set(groups.filter((g) => typeof g === "string").map((g) => g.trim().toLowerCase()).filter(Boolean))];
  const wanted = keys.length ? await trx.selectFrom("teams").select(["id", "display_name"]).where("org_id", "=", org.id).where("name_key", "in", keys).execute() : [];
  const current = await trx.selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id")
    .select(["t.id", "t.display_name", "t.name_key"]).where("tm.member_id", "=", memberId).execute();
  const have = new Set(current.map((c) => c.id));
  const keySet = new Set(keys);
  // Every named team records this source (also one the member is already in: a second grant of it).
  const remove = current.filter((c) => !keySet.has(c.name_key) && c.id !== org.default_team_id);
  if (!wanted.length && !remove.length) return { added: [], removed: [] };
  // Leaving takes away only this connection's grant: a membership another source granted stays.
  const done = await changeMemberTeams(trx, org.id, memberId, { add: wanted.map((x) => x.id), remove: remove.map((x) => x.id) }, { source });
  const name = new Map([...wanted, ...current].map((x) => [x.id, x.display_name]));
  const out = { added: done.added.filter((id) => !have.has(id)).map((id) => name.get(id)!), removed: done.removed.map((id) => name.get(id)!) };
  if (!out.added.length && !out.removed.length) return out;
  await recordAudit(trx, { orgId: org.id, actor, action: "member.team_sync", targetType: "member", targetId: memberId, detail: out });
  return out;
}
