/** Admin API: refused sign-ins (org admins), for the console's "Refused sign-ins" list. */
import { z } from "zod";
import { listRefusals } from "../org/arrival/refusals.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { queryInt } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const RefusalsQuery = z.strictObject({
  limit: queryInt(1, 200).optional().describe("default 50"),
  before: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe("the nextBefore of the previous page"),
});

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/sign-ins/refused", tag: "audit",
    summary: "Refused sign-ins, newest first: who, when, door, reason (?limit= 1-200, default 50; ?before= the nextBefore of the previous page)",
    query: RefusalsQuery,
    handler: async (_req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "audit:read");
      res.json(await listRefusals(ctx.store.db, ctx.orgId, query));
    },
  });
}
