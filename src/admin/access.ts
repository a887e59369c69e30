/**
 * Who may do what beyond requireOrgAdmin: team admins manage their teams,
 * team-scoped service accounts act only inside their team.
 */
import { teamRoleOf } from "../org/team-admin.ts";
import { isOrgAdmin, type AdminContext } from "./context.ts";
import { ProblemError } from "./errors.ts";

export const forbid = (detail: string) => new ProblemError(403, "Forbidden", detail);

/** The team a team-scoped service account is bound to, or null for every other caller. */
export const scopedTeam = (ctx: AdminContext): string | null => (ctx.principal.kind === "service_account" ? ctx.principal.teamId : null);

/** Org admins, admins of the team, and the team's own service accounts. */
export async function canManageTeam(ctx: AdminContext, teamId: string): Promise<boolean> {
  if (isOrgAdmin(ctx)) return true;
  if (scopedTeam(ctx)) return scopedTeam(ctx) === teamId;
  if (!ctx.principal.memberId) return false;
  return (await teamRoleOf(ctx.store.db, teamId, ctx.principal.memberId)) === "admin";
}

export async function requireTeamManager(ctx: AdminContext, teamId: string): Promise<void> {
  if (!(await canManageTeam(ctx, teamId))) throw forbid("only org admins and admins of this team may do this");
}

/** A team-scoped service account sees only its own team. */
export function requireTeamVisible(ctx: AdminContext, teamId: string): void {
  const own = scopedTeam(ctx);
  if (own && own !== teamId) throw forbid("this service account acts only within its own team");
}
