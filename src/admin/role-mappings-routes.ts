/**
 * Admin API: role mapping rules (src/org/mappings). Org admins list, dry-run,
 * create and delete them; creating and deleting answer what changed for whom.
 */
import { z } from "zod";
import { ensureCan } from "../org/access/can.ts";
import { createRule, deleteRule, dryRunRule, getRule, listRules, MATCH_KINDS, type RuleInput } from "../org/mappings/mappings.ts";
import { ORG_ROLES, SEAT_TYPES } from "../org/members/member-roles.ts";
import { BOUNDS } from "../org/bounds.ts";
import { adminCtx } from "./context.ts";
import { choice, id, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const TAG = "role-mappings";

const NewRule = z.strictObject({
  priority: z.number().int().describe("higher wins; unique per org (a tie is refused)"),
  match: z.strictObject({ kind: choice(MATCH_KINDS), value: text(BOUNDS.identifierChars) }),
  orgRole: choice(ORG_ROLES).nullable().optional(),
  modelsSeat: choice(SEAT_TYPES).nullable().optional(),
  weaveRole: choice(SEAT_TYPES).nullable().optional(),
  team: z.strictObject({ id: id(), role: text(128).describe("admin, member, view-only or a custom role's name") }).nullable().optional(),
});

const input = (b: z.infer<typeof NewRule>): RuleInput => ({ ...b, match: { kind: b.match.kind, value: b.match.value } });

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/role-mappings", tag: TAG, summary: "The org's role mapping rules, highest priority first",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "role-mappings:read");
      res.json({ items: await listRules(ctx.store.db, ctx.orgId) });
    },
  });
  r.add({
    method: "get", path: "/role-mappings/:id", tag: TAG, summary: "One role mapping rule",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "role-mappings:read");
      res.json(await getRule(ctx.store.db, ctx.orgId, String(req.params.id)));
    },
  });
  r.add({
    method: "post", path: "/role-mappings/dry-run", tag: TAG, body: NewRule,
    summary: "What saving this rule would change for whom (nothing is saved): the same answer POST /role-mappings then gives",
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "role-mappings:manage");
      res.json(await dryRunRule(ctx.store.db, ctx.orgId, input(body), ctx.actor));
    },
  });
  r.add({
    method: "post", path: "/role-mappings", tag: TAG, status: 201, body: NewRule,
    summary: "Save a rule and apply the rules to every member; answers the rule and what changed for whom (refusals by the member rules included)",
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "role-mappings:manage");
      res.status(201).json(await createRule(ctx.store.db, ctx.orgId, input(body), ctx.actor));
    },
  });
  r.add({
    method: "delete", path: "/role-mappings/:id", tag: TAG,
    summary: "Delete a rule; what it alone granted is taken away. Answers what changed for whom",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "role-mappings:manage");
      res.json({ report: await deleteRule(ctx.store.db, ctx.orgId, String(req.params.id), ctx.actor) });
    },
  });
}
