/**
 * The default team rule: the org's default team is where domain capture puts new
 * people from its verified domains, so it must have domain matching on. Setting a
 * team without it as the default, deleting the default team, or turning its
 * matching off is refused, saying what to do instead. Every door (SCIM, admin API,
 * CLI) reaches this through settings.ts and teams.ts.
 *
 * Both sides lock the team row first (a self-assignment on PostgreSQL; SQLite holds
 * the database for the transaction), so "make it the default" and "turn matching
 * off / delete it" cannot interleave.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { refused, invalidField } from "../errors.ts";

type Db = Kysely<Database>;

const TURN_OFF_CAPTURE = `choose another default team first (one with domain matching on), or turn off domain capture (set the organization's default team to none)`;

async function lockTeam(db: Db, orgId: string, teamId: string): Promise<{ display_name: string; domain_matching: number } | undefined> {
  await db.updateTable("teams").set((eb) => ({ domain_matching: eb.ref("domain_matching") })).where("org_id", "=", orgId).where("id", "=", teamId).execute();
  return db.selectFrom("teams").select(["display_name", "domain_matching"]).where("org_id", "=", orgId).where("id", "=", teamId).executeTakeFirst();
}

/** May `teamId` become the org's default team? Call inside the settings transaction. */
export async function assertDefaultTeamCandidate(db: Db, orgId: string, teamId: string): Promise<void> {
  const team = await lockTeam(db, orgId, teamId);
  if (!team) throw invalidField("defaultTeamId", `no team with id ${teamId} in this organization`, "The chosen default team does not exist in this organization (it may have been deleted).");
  if (team.domain_matching !== 1)
    throw refused(`team "${team.display_name}" cannot be the default team: its domain matching is off; turn domain matching on for the team first, then make it the default`);
}

/**
 * Refuses to delete the default team or turn its domain matching off. Call inside the
 * team's transaction, after its row is locked (updateTeam) or let this lock it (delete).
 */
export async function assertNotDefaultTeam(db: Db, orgId: string, teamId: string, change: "delete" | "matching-off"): Promise<void> {
  const team = await lockTeam(db, orgId, teamId);
  if (!team) return;
  const org = await db.selectFrom("orgs").select("default_team_id").where("id", "=", orgId).executeTakeFirst();
  if (org?.default_team_id !== teamId) return;
  if (change === "delete") throw refused(`team "${team.display_name}" is the organization's default team and cannot be deleted; ${TURN_OFF_CAPTURE}, then delete it`);
  throw refused(`team "${team.display_name}" is the organization's default team, which must have domain matching on; ${TURN_OFF_CAPTURE}, then turn its matching off`);
}
