/**
 * What the policy knows about a member: org role, active, seats and each team
 * role (with the custom role's permissions). Loaded once per request for a
 * member principal, and for the member an authorization check is about; the
 * decisions themselves (can.ts, permissions.ts) are pure over these facts.
 *
 * @example
 * const facts = await loadMemberFacts(db, orgId, memberId); // null: no such member
 * facts?.teams.get(teamId)?.role; // "admin" | "member" | "view-only" | "custom"
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import type { OrgRole, SeatType } from "../members/member-roles.ts";

type Db = Kysely<Database>;

export type TeamRole = "admin" | "member" | "view-only" | "custom";

export interface CustomRoleFacts {
  id: string;
  name: string;
  inheritedFrom: "member" | "viewer";
  /** the permissions the role adds to what it inherits */
  adds: string[];
}

export interface TeamGrant {
  teamId: string;
  teamName: string;
  role: TeamRole;
  customRole: CustomRoleFacts | null;
}

export interface MemberFacts {
  orgId: string;
  memberId: string;
  userName: string;
  orgRole: OrgRole;
  active: boolean;
  modelsSeat: SeatType;
  weaveRole: SeatType;
  teams: Map<string, TeamGrant>;
}

/** One round trip: the member row joined with each of their team memberships (none: one row with null team columns). */
function factsQuery(db: Db, orgId: string) {
  return db.selectFrom("members as m")
    .leftJoin("team_members as tm", "tm.member_id", "m.id")
    .leftJoin("teams as t", "t.id", "tm.team_id")
    .leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
    .select([
      "m.id", "m.org_id", "m.user_name", "m.org_role", "m.active", "m.models_seat", "m.weave_role",
      "tm.team_id", "t.display_name", "tm.role", "r.id as role_id", "r.name as role_name", "r.inherited_from", "r.permissions",
    ])
    .where("m.org_id", "=", orgId);
}

type Row = Awaited<ReturnType<ReturnType<typeof factsQuery>["execute"]>>[number];

function toFacts(rows: Row[]): MemberFacts | null {
  const m = rows[0];
  if (!m) return null;
  const teams = new Map<string, TeamGrant>();
  for (const r of rows) {
    if (!r.team_id || !r.role) continue;
    const customRole = r.role === "custom" && r.role_id
      ? { id: r.role_id, name: r.role_name ?? "", inheritedFrom: (r.inherited_from === "viewer" ? "viewer" : "member") as "member" | "viewer", adds: JSON.parse(r.permissions ?? "[]") as string[] }
      : null;
    teams.set(r.team_id, { teamId: r.team_id, teamName: r.display_name ?? "", role: r.role as TeamRole, customRole });
  }
  return {
    orgId: m.org_id, memberId: m.id, userName: m.user_name, orgRole: m.org_role as OrgRole, active: m.active === 1,
    modelsSeat: m.models_seat as SeatType, weaveRole: m.weave_role as SeatType, teams,
  };
}

/** The member's facts, or null when there is no such member in the org. */
export async function loadMemberFacts(db: Db, orgId: string, memberId: string): Promise<MemberFacts | null> {
  return toFacts(await factsQuery(db, orgId).where("m.id", "=", memberId).execute());
}

/** The same, found by user name (case-insensitive). */
export async function loadMemberFactsByName(db: Db, orgId: string, userName: string): Promise<MemberFacts | null> {
  return toFacts(await factsQuery(db, orgId).where("m.user_name_key", "=", userName.toLowerCase()).execute());
}
