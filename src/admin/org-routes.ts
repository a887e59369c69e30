/** Admin API: the org's settings. Everyone in the org reads them; org admins change them; the plan is the operator's (CLI: rollcall org set-plan). */
import { getOrgSettings, PLANS, updateOrgSettings, type OrgSettingsChange, type Plan } from "../org/settings.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { body, optBool, optLimit, optNullableString, optString } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const FIELDS = ["name", "plan", "autoProvisioning", "defaultTeamId", "teamJoiningAtSignup", "syncGroupsToTeams", "fullModelsSeatLimit", "viewerModelsSeatLimit"];

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
    body: {
      type: "object",
      properties: {
        name: { type: "string" }, plan: { enum: ["standard", "enterprise"] }, autoProvisioning: { type: "boolean" },
        defaultTeamId: { type: ["string", "null"] }, teamJoiningAtSignup: { type: "boolean" }, syncGroupsToTeams: { type: "boolean" },
        fullModelsSeatLimit: { type: ["integer", "null"], minimum: 0 }, viewerModelsSeatLimit: { type: ["integer", "null"], minimum: 0 },
      },
      additionalProperties: false,
    },
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "org:change-settings");
      const b = body(req, FIELDS);
      const change: OrgSettingsChange = {
        name: optString(b, "name"),
        plan: optString(b, "plan") as Plan | undefined,
        autoProvisioning: optBool(b, "autoProvisioning"),
        defaultTeamId: optNullableString(b, "defaultTeamId"),
        teamJoiningAtSignup: optBool(b, "teamJoiningAtSignup"),
        syncGroupsToTeams: optBool(b, "syncGroupsToTeams"),
        fullModelsSeatLimit: optLimit(b, "fullModelsSeatLimit"),
        viewerModelsSeatLimit: optLimit(b, "viewerModelsSeatLimit"),
      };
      // A known plan other than the current one is a plan change (an unknown one is a 400 from the settings rules).
      if (change.plan !== undefined && PLANS.includes(change.plan) && change.plan !== (await getOrgSettings(ctx.store.db, ctx.orgId)).plan)
        ensureCan(ctx.principal, "org:change-plan");
      res.json(await updateOrgSettings(ctx.store.db, ctx.orgId, change, ctx.actor));
    },
  });
}
