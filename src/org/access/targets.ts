/**
 * What some targets need from the database before `can` decides: a team's
 * invite setting, the permissions of team roles being handed out.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import type { TeamTarget } from "./actions.ts";
import type { CustomRoleFacts, TeamRole } from "./member-facts.ts";
import { predefinedTeamRole } from "../members/member-roles.ts";
import { teamRolePermissions } from "./permissions.ts";

type Db = Kysely<Database>;

/**
 * The target of a team membership change: the team, and the permissions of the
 * member's current team role there and of the new one (`roleName`: a predefined
 * role or a custom role's exact name; undefined: removal). An unknown role name
 * adds nothing here: the membership rules refuse it with a 400.
 */
export async function membershipTarget(db: Db, orgId: string, teamId: string, memberId: string, roleName?: string): Promise<TeamTarget> {
  const grants = new Set<string>();
  const current = await db.selectFrom("team_members as tm").leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
    .select(["tm.role", "r.id as role_id", "r.name", "r.inherited_from", "r.permissions"])
    .where("tm.team_id", "=", teamId).where("tm.member_id", "=", memberId).executeTakeFirst();
  if (current) for (const g of teamRolePermissions(current.role as TeamRole, customFacts(current))) grants.add(g);
  if (roleName !== undefined) for (const g of await roleGrants(db, orgId, roleName)) grants.add(g);
  return { teamId, grants: [...grants] };
}

/** The target of handing out `roleName` in a team to someone not yet in it (an invite's team role). */
export async function grantTarget(db: Db, orgId: string, teamId: string, roleName: string): Promise<TeamTarget> {
  return { teamId, grants: await roleGrants(db, orgId, roleName) };
}

/** The permissions a team role (predefined, or a custom role's exact name) holds. */
async function roleGrants(db: Db, orgId: string, roleName: string): Promise<string[]> {
  const predefined = predefinedTeamRole(roleName);
  if (predefined) return teamRolePermissions(predefined, null);
  const custom = await db.selectFrom("custom_roles").select(["id as role_id", "name", "inherited_from", "permissions"])
    .where("org_id", "=", orgId).where("name", "=", roleName).executeTakeFirst();
  return custom ? teamRolePermissions("custom", customFacts(custom)) : [];
}

function customFacts(r: { role_id: string | null; name: string | null; inherited_from: string | null; permissions: string | null }): CustomRoleFacts | null {
  if (!r.role_id) return null;
  return { id: r.role_id, name: r.name ?? "", inheritedFrom: r.inherited_from === "viewer" ? "viewer" : "member", adds: JSON.parse(r.permissions ?? "[]") as string[] };
}

/** A team as invites see it (whether its members may invite); unknown ids stay as given (the invite rules 400 them). */
export async function teamTargets(db: Db, orgId: string, teamIds: string[]): Promise<TeamTarget[]> {
  if (!teamIds.length) return [];
  const rows = await db.selectFrom("teams").select(["id", "members_can_invite"]).where("org_id", "=", orgId).where("id", "in", teamIds).execute();
  const byId = new Map(rows.map((r) => [r.id, r.members_can_invite === 1]));
  return teamIds.map((teamId) => ({ teamId, membersCanInvite: byId.get(teamId) ?? false }));
}

/** A team named by id, or else by name (case-insensitive); null when the org has none such. */
export async function findTeamRef(db: Db, orgId: string, ref: string): Promise<{ id: string; name: string } | null> {
  const byId = await db.selectFrom("teams").select(["id", "display_name"]).where("org_id", "=", orgId).where("id", "=", ref).executeTakeFirst();
  const row = byId ?? await db.selectFrom("teams").select(["id", "display_name"]).where("org_id", "=", orgId).where("name_key", "=", ref.toLowerCase()).executeTakeFirst();
  return row ? { id: row.id, name: row.display_name } : null;
}
