/**
 * Admin API: the authorization API for the product behind Rollcall. The product
 * asks whether a member holds a permission (`run:delete`, …), optionally in a
 * team, and gets allowed or not and why (org role, Models seat, team role or
 * custom role); it can also list a member's effective permissions. The answer
 * comes from the same function the access policy uses (src/org/access/permissions.ts).
 * Who may ask: org admins, org-scoped service accounts, the operator, a
 * team-scoped service account about its own team, and a member about themself.
 */
import { z } from "zod";
import { ensureCan } from "../org/access/can.ts";
import { loadMemberFacts, loadMemberFactsByName, type MemberFacts } from "../org/access/member-facts.ts";
import { checkPermission, effectivePermissions } from "../org/access/permissions.ts";
import { findTeamRef } from "../org/access/targets.ts";
import { BOUNDS } from "../org/bounds.ts";
import { notFound } from "../org/errors.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { badInput } from "./errors.ts";
import type { RouteRegistry } from "./openapi.ts";

const MAX_CHECKS = 100;
const id = z.string().min(1).max(BOUNDS.identifierChars);
const Check = z.strictObject({
  memberId: id.optional().describe("the member's id (or give userName)"),
  userName: id.optional().describe("the member's user name, case-insensitive (or give memberId)"),
  permission: id.describe("a permission of the catalog (GET /api/v1/permissions), e.g. run:delete"),
  team: id.optional().describe("the team's id or name; without it, only org-wide grants (org role admin) count"),
});
/** One check at the top level, or a batch in `checks` (one object, so the document stays a strict object). */
const Body = Check.partial().extend({ checks: z.array(Check).min(1).max(MAX_CHECKS).optional().describe(`a batch of up to ${MAX_CHECKS} checks, instead of one`) });
type CheckInput = z.infer<typeof Check>;

function parse(body: z.infer<typeof Body>): { checks: CheckInput[]; batch: boolean } {
  const { checks: batch, ...single } = body;
  const given = Object.keys(single).length > 0;
  if (batch ? given : !given) throw badInput(`the body must be one check {memberId | userName, permission, team?} or {checks: [...]} (1 to ${MAX_CHECKS}), not both`);
  const checks: CheckInput[] = batch ?? [{ ...single, permission: single.permission ?? "" }];
  checks.forEach((c, i) => {
    if (!c.permission) throw badInput(`check ${i}: "permission" is required`);
    if (!c.memberId === !c.userName) throw badInput(`check ${i}: give exactly one of "memberId" and "userName"`);
  });
  return { checks, batch: batch !== undefined };
}

async function teamOf(ctx: AdminContext, ref: string | undefined): Promise<{ id: string; name: string } | null> {
  if (ref === undefined) return null;
  const team = await findTeamRef(ctx.store.db, ctx.orgId, ref);
  if (!team) throw notFound(`no team with id or name ${JSON.stringify(ref)} in this organization`);
  return team;
}

async function memberOf(ctx: AdminContext, c: { memberId?: string; userName?: string }): Promise<MemberFacts> {
  const facts = c.memberId ? await loadMemberFacts(ctx.store.db, ctx.orgId, c.memberId) : await loadMemberFactsByName(ctx.store.db, ctx.orgId, c.userName ?? "");
  if (!facts) throw notFound(c.memberId ? "This member is not in the organization (they may have been removed)." : `no member named ${JSON.stringify(c.userName)} in this organization`);
  return facts;
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "post", path: "/authorize", tag: "authorize", body: Body,
    summary: `Does a member hold a permission (in a team)? One check, or {checks: [...]} (up to ${MAX_CHECKS}); answers allowed with because, or not with reason`,
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      const { checks, batch } = parse(body);
      const members = new Map<string, MemberFacts>();
      const results = [];
      for (const c of checks) {
        const key = c.memberId ? `id:${c.memberId}` : `name:${(c.userName ?? "").toLowerCase()}`;
        const facts = members.get(key) ?? await memberOf(ctx, c);
        members.set(key, facts);
        const team = await teamOf(ctx, c.team);
        ensureCan(ctx.principal, "member:read-permissions", { memberId: facts.memberId, teamId: team?.id ?? null });
        const d = checkPermission(facts, c.permission, team?.id ?? null);
        results.push({
          memberId: facts.memberId, userName: facts.userName, permission: c.permission, teamId: team?.id ?? null,
          ...(d.allowed ? { allowed: true, because: d.because } : { allowed: false, reason: d.reason }),
        });
      }
      res.json(batch ? { results } : results[0]);
    },
  });
  r.add({
    method: "get", path: "/members/:id/permissions", tag: "authorize",
    summary: "A member's effective permissions (?team= id or name; without it, the org-wide ones), each with what grants it",
    query: z.strictObject({ team: id.optional().describe("a team's id or name") }),
    handler: async (req, res, { query }) => {
      const ctx = adminCtx(res);
      const facts = await memberOf(ctx, { memberId: String(req.params.id) });
      const team = await teamOf(ctx, query.team);
      ensureCan(ctx.principal, "member:read-permissions", { memberId: facts.memberId, teamId: team?.id ?? null });
      res.json({
        memberId: facts.memberId, userName: facts.userName, orgRole: facts.orgRole, modelsSeat: facts.modelsSeat, active: facts.active,
        team: team ? { id: team.id, name: team.name, role: facts.teams.get(team.id)?.customRole?.name ?? facts.teams.get(team.id)?.role ?? null } : null,
        permissions: effectivePermissions(facts, team?.id ?? null),
      });
    },
  });
}
