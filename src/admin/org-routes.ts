/** Admin API: the org's settings. Everyone in the org reads them; org admins change them. */
import { getOrgSettings, updateOrgSettings, type OrgSettingsChange, type Plan, type SeatOverflow } from "../org/settings.ts";
import { adminCtx, requireOrgAdmin } from "./context.ts";
import { body, optBool, optLimit, optNullableString, optString } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const FIELDS = ["name", "plan", "autoProvisioning", "defaultTeamId", "teamJoiningAtSignup", "syncGroupsToTeams", "fullModelsSeatLimit", "viewerModelsSeatLimit", "emailLinkSignIn", "seatOverflow"];

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/org", tag: "org", summary: "The organization's settings",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      res.json(await getOrgSettings(ctx.store.db, ctx.orgId));
    },
  });
  r.add({
    method: "patch", path: "/org", tag: "org", summary: "Change the organization's settings (org admins)",
    body: {
      type: "object",
      properties: {
        name: { type: "string" }, plan: { enum: ["standard", "enterprise"] }, autoProvisioning: { type: "boolean" },
        defaultTeamId: { type: ["string", "null"] }, teamJoiningAtSignup: { type: "boolean" }, syncGroupsToTeams: { type: "boolean" },
        fullModelsSeatLimit: { type: ["integer", "null"], minimum: 0 }, viewerModelsSeatLimit: { type: ["integer", "null"], minimum: 0 },
        emailLinkSignIn: { type: "boolean" }, seatOverflow: { enum: ["refuse", "no-seat"] },
      },
      additionalProperties: false,
    },
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      requireOrgAdmin(ctx);
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
        emailLinkSignIn: optBool(b, "emailLinkSignIn"),
        seatOverflow: optString(b, "seatOverflow") as SeatOverflow | undefined,
      };
      res.json(await updateOrgSettings(ctx.store.db, ctx.orgId, change, ctx.actor));
    },
  });
}
