/** Admin API: the audit log (org admins). */
import { queryAudit } from "../org/audit-log.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { badInput } from "./errors.ts";
import { queryString } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/audit", tag: "audit",
    summary: "Audit events, newest first: ?actor=&action= (or prefix.*)&target=&since=&until=&limit= (1-200, default 50)&cursor=",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "audit:read");
      const rawLimit = queryString(req, "limit");
      if (rawLimit !== undefined && !/^\d+$/.test(rawLimit)) throw badInput('"limit" must be an integer from 1 to 200');
      res.json(await queryAudit(ctx.store.db, ctx.orgId, {
        actor: queryString(req, "actor"), action: queryString(req, "action"), target: queryString(req, "target"),
        since: queryString(req, "since"), until: queryString(req, "until"),
        limit: rawLimit === undefined ? undefined : Number(rawLimit), cursor: queryString(req, "cursor"),
      }));
    },
  });
}
