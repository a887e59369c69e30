/** Admin API: refused sign-ins (org admins), for the console's "Refused sign-ins" list. */
import { listRefusals } from "../org/arrival/refusals.ts";
import { adminCtx, requireOrgAdmin } from "./context.ts";
import { badInput } from "./errors.ts";
import { queryString } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const int = (raw: string | undefined, name: string): number | undefined => {
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw)) throw badInput(`"${name}" must be a positive integer`);
  return Number(raw);
};

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/sign-ins/refused", tag: "audit",
    summary: "Refused sign-ins, newest first: who, when, door, reason (?limit= 1-200, default 50; ?before= the nextBefore of the previous page)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      requireOrgAdmin(ctx);
      res.json(await listRefusals(ctx.store.db, ctx.orgId, { limit: int(queryString(req, "limit"), "limit"), before: int(queryString(req, "before"), "before") }));
    },
  });
}
