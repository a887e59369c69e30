/**
 * A member's effective permissions: the one function that says what org role,
 * Models seat, team role and custom role grant. It serves the access policy
 * (the `team:manage-*` permissions are Rollcall's own) and the authorization
 * API for the product (`run:delete`, …).
 *
 * The rules, in order:
 * 1. A deactivated member holds nothing.
 * 2. Org role admin grants every permission in every team.
 * 3. Otherwise permissions live in a team: team role admin grants all of them;
 *    member and View-Only grant what schemas/permissions.json lists for member
 *    and viewer; a custom role grants what it inherits plus what it adds. The
 *    `team:manage-*` permissions come only from team role admin or a custom role
 *    that adds them, and only in that team; the Viewer org role manages nothing.
 * 4. Product permissions need a Models seat: a viewer seat allows the read
 *    permissions (the viewer list) at most, no seat allows none.
 *
 * @example
 * checkPermission(facts, "run:delete", teamId); // { allowed: false, reason: "…a custom role that adds run:delete…" }
 * effectivePermissions(facts, teamId);          // [{ permission: "run:read", because: "team role member in ml; Models seat full" }, …]
 */
import { CATALOG } from "../roles/custom-roles.ts";
import type { Decision } from "./decision.ts";
import type { CustomRoleFacts, MemberFacts, TeamGrant, TeamRole } from "./member-facts.ts";

/** The permissions that belong to Rollcall itself (team administration), not to the product. */
export const ROLLCALL_PERMISSIONS = ["team:manage-members", "team:manage-settings", "team:manage-service-accounts"] as const;
export type RollcallPermission = (typeof ROLLCALL_PERMISSIONS)[number];

const ALL = CATALOG.permissions.map((p) => p.name);
const KNOWN = new Set(ALL);
const isRollcall = (p: string): boolean => (ROLLCALL_PERMISSIONS as readonly string[]).includes(p);
const VIEWER_SET = new Set(CATALOG.inherited.viewer);

export const isKnownPermission = (p: string): boolean => KNOWN.has(p);

export interface Grant {
  permission: string;
  because: string;
}

/** What the team grant alone gives (before seats), with why; null when it does not grant `permission`. */
function fromTeamRole(g: TeamGrant, permission: string): string | null {
  const where = `in team ${g.teamName}`;
  if (g.role === "admin") return `team role admin ${where}`;
  if (g.role === "custom" && g.customRole) {
    const r = g.customRole;
    if (r.adds.includes(permission)) return `custom role "${r.name}" ${where} (adds ${permission})`;
    if (!isRollcall(permission) && CATALOG.inherited[r.inheritedFrom].includes(permission)) return `custom role "${r.name}" ${where} (inherits ${r.inheritedFrom})`;
    return null;
  }
  if (isRollcall(permission)) return null;
  const list = g.role === "view-only" ? CATALOG.inherited.viewer : CATALOG.inherited.member;
  return list.includes(permission) ? `team role ${g.role} ${where}` : null;
}

/** The permissions a team role grants in its team (before seats): what a manager must hold to hand it out. */
export function teamRolePermissions(role: TeamRole, custom: CustomRoleFacts | null): string[] {
  if (role === "admin") return [...ALL];
  if (role === "custom" && custom) return [...new Set([...CATALOG.inherited[custom.inheritedFrom], ...custom.adds])];
  return [...(role === "view-only" ? CATALOG.inherited.viewer : CATALOG.inherited.member)];
}

/** Whether the member's team role (or org role admin) covers `permission` in the team, seats aside. */
export function holdsInTeam(facts: MemberFacts, permission: string, teamId: string): boolean {
  if (!facts.active) return false;
  if (facts.orgRole === "admin") return true;
  const g = facts.teams.get(teamId);
  return !!g && fromTeamRole(g, permission) !== null;
}

/** The seat part: product permissions need a Models seat (a viewer seat: read permissions only). */
function seatAllows(facts: MemberFacts, permission: string): Decision {
  if (isRollcall(permission)) return { allowed: true, because: "" };
  if (facts.modelsSeat === "full") return { allowed: true, because: "Models seat full" };
  if (facts.modelsSeat === "viewer" && VIEWER_SET.has(permission)) return { allowed: true, because: "Models seat viewer" };
  const need = VIEWER_SET.has(permission) ? "a viewer or full Models seat" : "a full Models seat";
  return { allowed: false, reason: `${permission} needs ${need}; ${facts.userName} has ${facts.modelsSeat === "none" ? "no" : `a ${facts.modelsSeat}`} Models seat (an org admin can change the seat)` };
}

const joined = (...parts: string[]) => parts.filter(Boolean).join("; ");

/** Whether the member holds `permission` (in `teamId`, or org-wide when null), and why or why not. */
export function checkPermission(facts: MemberFacts, permission: string, teamId: string | null = null): Decision {
  if (!KNOWN.has(permission)) return { allowed: false, reason: `${JSON.stringify(permission)} is not a permission of the catalog (GET /api/v1/permissions lists them)` };
  if (!facts.active) return { allowed: false, reason: `${facts.userName} is deactivated and holds no permissions` };
  if (facts.orgRole === "admin") {
    const seat = seatAllows(facts, permission);
    return seat.allowed ? { allowed: true, because: joined("org role admin (every permission in every team)", seat.because) } : seat;
  }
  if (isRollcall(permission) && facts.orgRole === "viewer")
    return { allowed: false, reason: `the Viewer org role manages nothing; ${permission} is granted by team role admin or a custom role that adds it, to an org Member or admin` };
  if (teamId === null)
    return { allowed: false, reason: `${facts.userName} holds ${permission} only through a team role; name the team (only org admins hold permissions in every team)` };
  const g = facts.teams.get(teamId);
  if (!g) return { allowed: false, reason: `${facts.userName} is not a member of this team; ${permission} comes from a team role there (or org role admin)` };
  const role = fromTeamRole(g, permission);
  if (!role) {
    const held = g.role === "custom" && g.customRole ? `custom role "${g.customRole.name}"` : `team role ${g.role}`;
    return { allowed: false, reason: `${permission} in team ${g.teamName} is granted by team role admin or a custom role that adds it${isRollcall(permission) ? "" : " (or inherits it)"}; ${facts.userName} holds ${held} there` };
  }
  const seat = seatAllows(facts, permission);
  return seat.allowed ? { allowed: true, because: joined(role, seat.because) } : seat;
}

/** Every permission the member holds (in `teamId`, or org-wide), in catalog order, each with why. */
export function effectivePermissions(facts: MemberFacts, teamId: string | null = null): Grant[] {
  const out: Grant[] = [];
  for (const permission of ALL) {
    const d = checkPermission(facts, permission, teamId);
    if (d.allowed) out.push({ permission, because: d.because });
  }
  return out;
}
