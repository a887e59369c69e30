/** Admin API: seat usage (active members per product and seat type) with the org's limits. Limits are set in org settings. */
import { seatUsage } from "../org/members/member-roles.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import type { RouteRegistry } from "./openapi.ts";

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/seats", tag: "seats",
    summary: "Seat usage: active members per Models seat, Weave access and org role, with the Models seat limits (null: none)",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "seats:read");
      res.json(await seatUsage(ctx.store.db, ctx.orgId));
    },
  });
}
