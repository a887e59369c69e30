/**
 * What an invite grants besides the org role: a team role per team (admin,
 * member, view-only or a custom role of the org), the Models seat and the Weave
 * access. Checked when inviting (teams exist, plan rules, the seat limit) and
 * applied when the invite is accepted (invites.ts `joinByInvite`), inside its
 * transaction. Invites made before migration 0010 carry only team ids: those
 * teams are joined as member, and the seats follow the org role (viewer →
 * viewer, otherwise full).
 *
 * @example
 * const grants = await resolveGrants(trx, org, { orgRole: "member", teamRoles: [{ teamId, role: "admin" }], modelsSeat: "none" });
 */
import type { Kysely, Transaction } from "kysely";
import type { Database, Invite, Org } from "../../../db/types.ts";
import { invalidField } from "../errors.ts";
import { parseSeat, requireEnterprise, resolveTeamRole, type SeatType } from "../members/member-roles.ts";
import { addToTeam } from "../teams/membership.ts";

type Db = Kysely<Database>;

export interface TeamRoleGrant {
  teamId: string;
  /** admin, member, view-only, or the exact name of a custom role */
  role: string;
}

interface StoredTeamRole {
  role: string;
  customRoleId: string | null;
  /** the role's name as given (custom roles: their name) */
  name: string;
}

export interface InviteGrants {
  teamIds: string[];
  teamRoles: Record<string, StoredTeamRole>;
  modelsSeat: SeatType;
  weaveRole: SeatType;
}

export interface GrantInput {
  orgRole: string;
  teamIds?: string[];
  teamRoles?: TeamRoleGrant[];
  modelsSeat?: string | null;
  weaveRole?: string | null;
}

const seatFor = (orgRole: string): SeatType => (orgRole === "viewer" ? "viewer" : "full");

/** Checks the grants of a new invite (teams of this org, plan rules for team roles) and returns what to store. */
export async function resolveGrants(trx: Db, org: Pick<Org, "id" | "plan">, input: GrantInput): Promise<InviteGrants> {
  const roles = new Map<string, string>();
  for (const id of input.teamIds ?? []) roles.set(id, "member");
  (input.teamRoles ?? []).forEach((g, i) => {
    if (!g || typeof g.teamId !== "string" || !g.teamId) throw invalidField(`teamRoles[${i}].teamId`, "is required", "Choose a team for each team role.");
    if (typeof g.role !== "string" || !g.role.trim()) throw invalidField(`teamRoles[${i}].role`, "must be admin, member, view-only or the name of a custom role", "Choose a team role: admin, member, view-only or a custom role.");
    roles.set(g.teamId, g.role);
  });
  const teamIds = [...roles.keys()];
  if (teamIds.length) {
    const found = new Set((await trx.selectFrom("teams").select("id").where("org_id", "=", org.id).where("id", "in", teamIds).execute()).map((r) => r.id));
    const missing = teamIds.filter((id) => !found.has(id));
    if (missing.length) throw invalidField("teamIds", `no team with id ${missing.join(", ")} in this organization`, missing.length > 1 ? "Some of the chosen teams do not exist in this organization (they may have been deleted)." : "One of the chosen teams does not exist in this organization (it may have been deleted).");
  }
  const teamRoles: Record<string, StoredTeamRole> = {};
  for (const [teamId, name] of roles) {
    const r = await resolveTeamRole(trx, org, name, "teamRoles.role");
    teamRoles[teamId] = { role: r.role, customRoleId: r.customRoleId, name: r.customRoleId ? name : r.role };
  }
  return {
    teamIds, teamRoles,
    modelsSeat: input.modelsSeat ? parseSeat(input.modelsSeat, "modelsSeat") : seatFor(input.orgRole),
    weaveRole: input.weaveRole ? parseSeat(input.weaveRole, "weaveRole") : seatFor(input.orgRole),
  };
}

/** The grants stored on an invite row (older invites: team ids as member, seats by org role). */
export function grantsOf(row: Pick<Invite, "org_role" | "team_ids" | "team_roles" | "models_seat" | "weave_role">): InviteGrants {
  const teamIds = JSON.parse(row.team_ids) as string[];
  const stored = JSON.parse(row.team_roles || "{}") as Record<string, StoredTeamRole>;
  const teamRoles: Record<string, StoredTeamRole> = {};
  for (const id of teamIds) teamRoles[id] = stored[id] ?? { role: "member", customRoleId: null, name: "member" };
  return {
    teamIds, teamRoles,
    modelsSeat: (row.models_seat as SeatType | null) ?? seatFor(row.org_role),
    weaveRole: (row.weave_role as SeatType | null) ?? seatFor(row.org_role),
  };
}

/** For the API: each team with the role it grants. */
export const teamRoleList = (g: InviteGrants): TeamRoleGrant[] => g.teamIds.map((teamId) => ({ teamId, role: g.teamRoles[teamId]!.name }));

/**
 * Puts the new member in the invite's teams with their roles (teams deleted
 * since are skipped; a custom role deleted since becomes member). Returns what
 * was applied.
 */
export async function applyTeamGrants(trx: Transaction<Database>, org: Pick<Org, "id" | "plan">, memberId: string, g: InviteGrants, at: string, inviteId: string): Promise<TeamRoleGrant[]> {
  if (!g.teamIds.length) return [];
  const teams = new Set((await trx.selectFrom("teams").select("id").where("org_id", "=", org.id).where("id", "in", g.teamIds).execute()).map((r) => r.id));
  const applied: TeamRoleGrant[] = [];
  for (const teamId of g.teamIds) {
    if (!teams.has(teamId)) continue;
    let { role, customRoleId, name } = g.teamRoles[teamId]!;
    if (customRoleId) {
      const custom = await trx.selectFrom("custom_roles").select("id").where("org_id", "=", org.id).where("id", "=", customRoleId).executeTakeFirst();
      // The role was deleted since the invite: member, as for an invite without a role.
      if (!custom) { role = "member"; customRoleId = null; name = "member"; }
    }
    if (role === "view-only" || role === "custom") requireEnterprise(org, role === "custom" ? "custom roles" : "the View-Only team role");
    // The member row was created just now, at revision 1: only the team's revision moves.
    await addToTeam(trx, org.id, teamId, memberId, { at, role: { role, customRoleId }, revisionsHeld: { member: true }, source: { kind: "invite", id: inviteId } });
    applied.push({ teamId, role: name });
  }
  return applied;
}
