/**
 * May this principal send this invite? The org role and teams go through
 * `invite:create`; a team role above member is handed out only by someone who
 * may manage that team's members and holds what the role grants
 * (`team:manage-members` on the role's grants), as when adding a member.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { ensureCan } from "./can.ts";
import type { Principal } from "./principals.ts";
import { grantTarget, teamTargets } from "./targets.ts";

export interface InviteAsked {
  orgRole: string;
  teamIds: string[];
  teamRoles: { teamId: string; role: string }[];
}

export async function ensureCanInvite(db: Kysely<Database>, principal: Principal, orgId: string, asked: InviteAsked): Promise<void> {
  const teams = [...new Set([...asked.teamIds, ...asked.teamRoles.map((g) => g.teamId)])];
  ensureCan(principal, "invite:create", { orgRole: asked.orgRole, teams: await teamTargets(db, orgId, teams) });
  for (const g of asked.teamRoles) {
    if (g.role.trim().toLowerCase() !== "member") ensureCan(principal, "team:manage-members", await grantTarget(db, orgId, g.teamId, g.role));
  }
}
