/** Admin API: the audit log (org admins). */
import { AUDIT_DOORS, MAX_AUDIT_PAGE, queryAudit } from "../org/audit/read.ts";
import { actionInWords, AUDIT_ACTIONS } from "../org/audit/words.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { z } from "zod";
import { BOUNDS } from "../org/bounds.ts";
import { id, queryInt, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const AuditQuery = z.strictObject({
  actor: text(BOUNDS.identifierChars).optional(), action: text(BOUNDS.identifierChars).optional().describe("an action, or a prefix such as team.*"),
  target: id().optional(), door: z.enum(AUDIT_DOORS).optional().describe("the door the change came through"),
  person: text(BOUNDS.identifierChars).optional().describe("the start of a member's name, e-mail or user name: what they did and what was done to them"), since: text(64).optional().describe("ISO-8601 time"), until: text(64).optional().describe("ISO-8601 time"),
  limit: queryInt(1, MAX_AUDIT_PAGE).optional(), cursor: text(BOUNDS.identifierChars).optional().describe("nextCursor of the previous page"),
});

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/audit", tag: "audit",
    summary: "Audit events, newest first, with names and changes in words: ?actor=&action= (or prefix.*)&target=&door=&person=&since=&until=&limit= (1-200, default 50)&cursor=",
    query: AuditQuery,
    handler: async (_req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "audit:read");
      res.json(await queryAudit(ctx.store.db, ctx.orgId, query));
    },
  });
  r.add({
    method: "get", path: "/audit/actions", tag: "audit", summary: "The actions the audit log records, each in words (for a filter)",
    handler: async (_req, res) => {
      ensureCan(adminCtx(res).principal, "audit:read");
      res.json({ actions: AUDIT_ACTIONS.map((action) => ({ action, words: actionInWords(action) })), doors: AUDIT_DOORS });
    },
  });
}
