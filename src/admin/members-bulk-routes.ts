/**
 * Admin API: what the members table does to many members at once — a bulk
 * change of org role or seats, a bulk removal (one transaction; the access
 * policy and the member rules answer per member: src/org/members/bulk.ts) —
 * and the CSV export of the filtered, sorted list. Registered before
 * members-routes.ts, so "/members/bulk" and "/members/export.csv" are not
 * read as member ids.
 */
import { z } from "zod";
import { ensureCan } from "../org/access/can.ts";
import { bulkChangeMembers } from "../org/members/bulk.ts";
import { ORG_ROLES, SEAT_TYPES } from "../org/members/member-roles.ts";
import { adminCtx } from "./context.ts";
import { badInput } from "./errors.ts";
import { choice, id, list } from "./input.ts";
import { listMembers } from "../org/members/directory.ts";
import { directoryQuery, MemberQuery } from "./members-routes.ts";
import type { RouteRegistry } from "./openapi.ts";

export const MAX_BULK = 500;

const Bulk = z.strictObject({
  ids: list(id(), MAX_BULK).min(1).describe(`the members' ids (1 to ${MAX_BULK})`),
  orgRole: choice(ORG_ROLES).optional(), modelsSeat: choice(SEAT_TYPES).optional(), weaveRole: choice(SEAT_TYPES).optional(),
  remove: z.literal(true).optional().describe("remove these members from the organization (instead of a change)"),
});

const ExportQuery = MemberQuery.omit({ limit: true, offset: true });

const COLUMNS = ["userName", "displayName", "email", "orgRole", "modelsSeat", "weaveRole", "active", "billingAdmin", "createdAt", "lastSignInAt"] as const;
const CHUNK = 1000;

/** One CSV cell: quoted when needed, and never a formula a spreadsheet would run. */
function cell(v: unknown): string {
  let s = v === null || v === undefined ? "" : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n']/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "post", path: "/members/bulk", tag: "members",
    summary: `Change the org role or seats of up to ${MAX_BULK} members, or remove them, in one transaction; each member is answered on its own (changed, or refused with the reason: the access policy, the last active admin, seat limits)`,
    body: Bulk,
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      const change = { orgRole: body.orgRole, modelsSeat: body.modelsSeat, weaveRole: body.weaveRole };
      const changes = Object.values(change).some((v) => v !== undefined);
      if (changes === (body.remove === true)) throw badInput("Say what to change for these people (org role, Models seat or Weave access), or remove them — one of the two.", [{ name: "remove", reason: "say either what to change (orgRole, modelsSeat, weaveRole) or remove: true" }]);
      ensureCan(ctx.principal, "members:read");
      res.json(await bulkChangeMembers(ctx.store.db, ctx.principal, ctx.orgId, body.ids, body.remove ? { kind: "remove" } : { kind: "access", change }, ctx.actor));
    },
  });

  r.add({
    method: "get", path: "/members/export.csv", tag: "members",
    summary: "The members list as CSV (text/csv), with the same filters and sort as GET /members, every matching member",
    query: ExportQuery,
    handler: async (_req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "members:read");
      res.status(200).set({ "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": 'attachment; filename="members.csv"' });
      res.write(`${COLUMNS.join(",")}\r\n`);
      for (let offset = 0; ; offset += CHUNK) {
        const page = await listMembers(ctx.store.db, ctx.orgId, { ...directoryQuery(query), limit: CHUNK, offset });
        if (page.items.length) res.write(page.items.map((m) => `${COLUMNS.map((c) => cell(m[c])).join(",")}\r\n`).join(""));
        if (offset + CHUNK >= page.total || !page.items.length) break;
      }
      res.end();
    },
  });
}
