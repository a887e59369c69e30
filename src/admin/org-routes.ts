/** Admin API: the org's settings. Everyone in the org reads them; org admins change them; the plan is the operator's (CLI: rollcall org set-plan). */
import { getOrgSettings, PLANS, updateOrgSettings, type OrgSettingsChange, type Plan, SEAT_OVERFLOWS, type SeatOverflow } from "../org/orgs/settings.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { z } from "zod";
import { bool, choice, id, limit, name } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const OrgChange = z.strictObject({
  name: name(200).optional(),
  plan: choice(PLANS as [Plan, ...Plan[]]).optional(),
  autoProvisioning: bool().optional(),
  defaultTeamId: id().nullable().optional(),
  teamJoiningAtSignup: bool().optional(),
  syncGroupsToTeams: bool().optional(),
  fullModelsSeatLimit: limit().optional().describe("null: no limit"),
  viewerModelsSeatLimit: limit().optional().describe("null: no limit"),
  emailLinkSignIn: bool().optional().describe("people may sign in by a one-time link mailed to their address"),
  seatOverflow: choice(SEAT_OVERFLOWS as [SeatOverflow, ...SeatOverflow[]]).optional().describe("when full Models seats are used up: refuse new people, or let them join with no Models seat"),
});

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/org", tag: "org", summary: "The organization's settings",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "org:read-settings");
      res.json(await getOrgSettings(ctx.store.db, ctx.orgId));
    },
  });
  r.add({
    method: "patch", path: "/org", tag: "org", summary: "Change the organization's settings (org admins). The plan is the operator's: a plan other than the current one is refused (403) for everyone else",
    body: OrgChange,
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "org:change-settings");
      const change: OrgSettingsChange = body;
      if (change.plan !== undefined && change.plan !== (await getOrgSettings(ctx.store.db, ctx.orgId)).plan)
        ensureCan(ctx.principal, "org:change-plan");
      res.json(await updateOrgSettings(ctx.store.db, ctx.orgId, change, ctx.actor));
    },
  });
}
