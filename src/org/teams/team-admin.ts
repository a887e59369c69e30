/**
 * What the admin API needs of teams beyond src/org/teams/teams.ts: listings, the
 * settings an admin changes, and one member's team role (admin, member,
 * view-only or a custom role by name). Removing a member from a team removes
 * only the membership: what the member created (keys, service accounts, audit
 * history) stays.
 *
 * @example
 * await setTeamMemberRole(db, orgId, teamId, memberId, "view-only", actor);
 */
import type { Kysely } from "kysely";
import type { Database, Team } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { notFound } from "../errors.ts";
import { getOrg, resolveTeamRole } from "../members/member-roles.ts";
import { removeFromTeam, setTeamRole, type TeamRoleRef } from "./membership.ts";
import { membershipSourcesOf, sourceOfActor, type SourceView } from "../provenance/sources.ts";
import { findTeam, updateTeam } from "./teams.ts";
import { connectionNames, managedByOf, teamUnavailable, type ManagedBy, type TeamUnavailable } from "../provenance/managed.ts";

type Db = Kysely<Database>;

export interface TeamView {
  id: string;
  name: string;
  storageType: string;
  membersCanInvite: boolean;
  domainMatching: boolean;
  memberCount: number;
  /** the SCIM connection managing the team (its name and deletion: provenance/managed.ts), null when none */
  managedBy: ManagedBy | null;
  /** what a manual change may not do to it, in the refusal's words: `rename`, `delete` */
  unavailable: TeamUnavailable;
  createdAt: string;
  updatedAt: string;
}

export interface TeamMemberView {
  memberId: string;
  userName: string;
  displayName: string | null;
  /** admin, member, view-only or the custom role's name */
  role: string;
  joinedAt: string;
  /** who granted the membership (src/org/provenance) */
  sources: SourceView[];
}

export function toTeamView(t: Team, memberCount: number, names: ReadonlyMap<string, string>): TeamView {
  const managedBy = managedByOf(t.managed_by, names);
  return {
    id: t.id, name: t.display_name, storageType: t.storage_type, membersCanInvite: t.members_can_invite === 1,
    domainMatching: t.domain_matching === 1, memberCount, managedBy, unavailable: teamUnavailable(t, managedBy),
    createdAt: t.created_at, updatedAt: t.updated_at,
  };
}

async function memberCounts(db: Db, teamIds: string[]): Promise<Map<string, number>> {
  if (!teamIds.length) return new Map();
  const rows = await db.selectFrom("team_members").select(["team_id", (eb) => eb.fn.countAll<number>().as("n")])
    .where("team_id", "in", teamIds).groupBy("team_id").execute();
  return new Map(rows.map((r) => [r.team_id, Number(r.n)]));
}

/** The org's teams by name; `onlyTeamId` narrows to one (a team-scoped caller). */
export async function listTeams(db: Db, orgId: string, onlyTeamId?: string): Promise<TeamView[]> {
  let q = db.selectFrom("teams").selectAll().where("org_id", "=", orgId);
  if (onlyTeamId) q = q.where("id", "=", onlyTeamId);
  const teams = await q.orderBy("name_key").orderBy("id").execute();
  const counts = await memberCounts(db, teams.map((t) => t.id));
  const names = await connectionNames(db, orgId);
  return teams.map((t) => toTeamView(t, counts.get(t.id) ?? 0, names));
}

/** The team, or a 404 worded for the admin API. */
export async function mustTeam(db: Db, orgId: string, teamId: string): Promise<Team> {
  const t = await findTeam(db, orgId, teamId);
  if (!t) throw notFound("This team does not exist in the organization (it may have been deleted).");
  return t;
}

export async function getTeamView(db: Db, orgId: string, teamId: string): Promise<TeamView> {
  const t = await mustTeam(db, orgId, teamId);
  return toTeamView(t, (await memberCounts(db, [t.id])).get(t.id) ?? 0, await connectionNames(db, orgId));
}

/** The member's role in the team (`custom` for a custom role), or null when not in it. */
export async function teamRoleOf(db: Db, teamId: string, memberId: string): Promise<string | null> {
  const row = await db.selectFrom("team_members").select("role").where("team_id", "=", teamId).where("member_id", "=", memberId).executeTakeFirst();
  return row?.role ?? null;
}

/** A stored team role as the admin API names it: the custom role's name for a custom role. */
async function roleDisplay(db: Db, r: TeamRoleRef): Promise<string | null> {
  if (!r.customRoleId) return r.role;
  const custom = await db.selectFrom("custom_roles").select("name").where("id", "=", r.customRoleId).executeTakeFirst();
  return custom?.name ?? null;
}

export interface TeamSettingsChange {
  name?: string;
  membersCanInvite?: boolean;
  domainMatching?: boolean;
}

/** Renames a team and/or changes its settings (through updateTeam: revision, uniqueness, audit before/after). */
export async function updateTeamSettings(db: Db, orgId: string, teamId: string, change: TeamSettingsChange, actor: Actor): Promise<TeamView> {
  await updateTeam(db, orgId, teamId, {
    action: "team.update",
    memberOps: [],
    fields: (current) => ({
      displayName: change.name ?? current.display_name,
      externalId: current.external_id,
      ...(change.membersCanInvite !== undefined ? { membersCanInvite: change.membersCanInvite } : {}),
      ...(change.domainMatching !== undefined ? { domainMatching: change.domainMatching } : {}),
    }),
  }, actor);
  return getTeamView(db, orgId, teamId);
}

/** The team's members by user name; `onlyMemberId` narrows to one (the answer of a single change, at any team size). */
export async function listTeamMembers(db: Db, orgId: string, teamId: string, onlyMemberId?: string): Promise<TeamMemberView[]> {
  await mustTeam(db, orgId, teamId);
  let q = db.selectFrom("team_members as tm")
    .innerJoin("members as m", "m.id", "tm.member_id")
    .leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
    .select(["tm.member_id", "m.user_name", "m.display_name", "tm.role", "r.name as custom_name", "tm.created_at"])
    .where("tm.team_id", "=", teamId);
  if (onlyMemberId) q = q.where("tm.member_id", "=", onlyMemberId);
  const rows = await q.orderBy("m.user_name_key").orderBy("m.id").execute();
  const sources = await membershipSourcesOf(db, { teamId, ...(onlyMemberId ? { memberId: onlyMemberId } : {}) });
  return rows.map((r) => ({
    memberId: r.member_id, userName: r.user_name, displayName: r.display_name,
    role: r.role === "custom" ? (r.custom_name ?? "custom") : r.role, joinedAt: r.created_at,
    sources: sources.get(`${teamId} ${r.member_id}`) ?? [],
  }));
}

/** Adds the member to the team with `roleName`, or changes their role there. Returns whether they were added. */
export async function setTeamMemberRole(
  db: Db, orgId: string, teamId: string, memberId: string, roleName: string, actor: Actor,
): Promise<{ added: boolean; member: TeamMemberView }> {
  const added = await db.transaction().execute(async (trx) => {
    await mustTeam(trx, orgId, teamId);
    const member = await trx.selectFrom("members").select(["id", "user_name"]).where("org_id", "=", orgId).where("id", "=", memberId).executeTakeFirst();
    if (!member) throw notFound("This member is not in the organization (they may have been removed).");
    const resolved = await resolveTeamRole(trx, await getOrg(trx, orgId), roleName, "role");
    const { before, changed } = await setTeamRole(trx, orgId, teamId, memberId, resolved, { source: sourceOfActor(actor) });
    if (!changed) return false;
    await recordAudit(trx, {
      orgId, actor, action: before ? "team.member.role" : "team.member.add", targetType: "team", targetId: teamId,
      detail: {
        memberId, userName: member.user_name,
        before: before ? { role: await roleDisplay(trx, before) } : null,
        after: { role: resolved.customRoleId ? roleName : resolved.role },
      },
    });
    return !before;
  });
  const [view] = await listTeamMembers(db, orgId, teamId, memberId);
  return { added, member: view };
}

/** Takes the member out of the team; nothing the member created is removed. */
export async function removeTeamMember(db: Db, orgId: string, teamId: string, memberId: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const team = await mustTeam(trx, orgId, teamId);
    const gone = await removeFromTeam(trx, teamId, memberId);
    if (!gone) throw notFound(`member ${memberId} is not in team "${team.display_name}"`);
    await recordAudit(trx, { orgId, actor, action: "team.member.remove", targetType: "team", targetId: teamId, detail: { memberId, before: { role: gone.role }, after: null } });
  });
}
