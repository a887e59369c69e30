/**
 * Admin API: members. Org admins change org role, seats, active and the billing
 * admin, and remove members; every member (and viewer) may read the list. The
 * rules (last active admin, seat limits, plans) live in src/org and apply here
 * exactly as through SCIM.
 */
import { z } from "zod";
import type { Member } from "../../db/types.ts";
import { deleteMember, getMember, updateMemberAccess } from "../org/members/members.ts";
import { ORG_ROLES, SEAT_TYPES, setBillingAdmin } from "../org/members/member-roles.ts";
import { ensureCan } from "../org/access/can.ts";
import { memberPage } from "../org/members/member-page.ts";
import { listMembers, MEMBER_SORTS, SORT_ORDERS } from "../org/members/directory.ts";
import { memberViewOf, toMemberView } from "../org/members/member-view.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { bool, choice, id, queryInt, text } from "./input.ts";
import { BOUNDS } from "../org/bounds.ts";
import type { RouteRegistry } from "./openapi.ts";
import { accessSourcesOf } from "../org/provenance/access-sources.ts";
import { membershipSourcesOf } from "../org/provenance/sources.ts";
import { managedByOne, memberUnavailable } from "../org/provenance/managed.ts";

const TAG = "members";

/** One member with their teams, and who granted each membership, the org role and the seats. */
async function fullView(ctx: AdminContext, m: Member) {
  const view = await memberViewOf(ctx.store.db, m);
  const sources = await membershipSourcesOf(ctx.store.db, { memberId: m.id });
  return {
    ...view,
    teams: (view.teams ?? []).map((t) => ({ ...t, sources: sources.get(`${t.id} ${m.id}`) ?? [] })),
    sources: await accessSourcesOf(ctx.store.db, m.id),
    // what a manual change may not do to a member the directory manages, in the refusal's words (before submit)
    unavailable: memberUnavailable(m, view.managedBy),
  };
}

/** PATCH /members/{id}: the access fields only. */
const AccessChange = z.strictObject({
  orgRole: choice(ORG_ROLES).optional(), modelsSeat: choice(SEAT_TYPES).optional(), weaveRole: choice(SEAT_TYPES).optional(), active: bool().optional(),
});


/** GET /members: filters, sort and paging. */
export const MemberQuery = z.strictObject({
  role: choice(ORG_ROLES).optional(), modelsSeat: choice(SEAT_TYPES).optional(), weaveRole: choice(SEAT_TYPES).optional(),
  active: choice(["true", "false"]).optional(),
  billingAdmin: choice(["true", "false"]).optional(),
  team: id().optional().describe("a team id"),
  q: text(BOUNDS.identifierChars).optional().describe("part of userName, display name or e-mail (case-insensitive)"),
  sort: choice(MEMBER_SORTS).default("userName").describe("the column to sort by (ties by userName, then id)"),
  order: choice(SORT_ORDERS).default("asc"),
  limit: queryInt(1, 500).default(50),
  offset: queryInt(0, Number.MAX_SAFE_INTEGER).default(0),
});
export type MemberListQuery = z.output<typeof MemberQuery>;

/** The query's words as the directory reads them ("true"/"false" → booleans). */
export function directoryQuery<Q extends Partial<MemberListQuery>>(query: Q) {
  const { active, billingAdmin, ...rest } = query;
  return { ...rest, ...(active ? { active: active === "true" } : {}), ...(billingAdmin ? { billingAdmin: billingAdmin === "true" } : {}) };
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/members", tag: TAG,
    summary: "List members (paged: offset, limit ≤ 500; sort = userName|displayName|email|orgRole|createdAt, order = asc|desc; filters: role, modelsSeat, weaveRole, active, billingAdmin, team = team id, q = part of userName, display name or e-mail)",
    query: MemberQuery,
    handler: async (_req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "members:read");
      res.json(await listMembers(ctx.store.db, ctx.orgId, directoryQuery(query)));
    },
  });

  r.add({
    method: "get", path: "/members/:id", tag: TAG, summary: "One member, with their teams and team roles",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "members:read");
      res.json(await fullView(ctx, await getMember(ctx.store.db, ctx.orgId, String(req.params.id))));
    },
  });

  r.add({
    method: "get", path: "/members/:id/overview", tag: TAG,
    summary: "The member page: the member, their teams and team roles, open sessions, last sign-in, their own API keys (never a secret) and the newest audit events about or by them",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "members:read");
      ensureCan(ctx.principal, "audit:read");
      const page = await memberPage(ctx.store.db, ctx.orgId, String(req.params.id));
      const sources = await membershipSourcesOf(ctx.store.db, { memberId: page.member.id });
      const managedBy = await managedByOne(ctx.store.db, ctx.orgId, page.member.managed_by);
      res.json({
        ...page,
        teams: page.teams.map((t) => ({ ...t, sources: sources.get(`${t.id} ${page.member.id}`) ?? [] })),
        member: {
          ...toMemberView(page.member, page.member.email, managedBy, page.teams.map((t) => ({ ...t, customRoleName: null }))),
          sources: await accessSourcesOf(ctx.store.db, page.member.id), unavailable: memberUnavailable(page.member, managedBy),
        },
      });
    },
  });

  r.add({
    method: "patch", path: "/members/:id", tag: TAG,
    summary: "Change org role, Models seat, Weave access or active (org admins). The last active admin cannot be demoted or deactivated; seat limits apply; `active` of a member a directory connection manages is changed there (409, type urn:rollcall:problem:managed-by-directory).",
    body: AccessChange,
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "member:change-access");
      const m = await updateMemberAccess(ctx.store.db, ctx.orgId, String(req.params.id), body, ctx.actor);
      res.json(await fullView(ctx, m));
    },
  });

  r.add({
    method: "put", path: "/members/:id/billing-admin", tag: TAG,
    summary: "Make this member the org's billing admin (at most one: the previous one loses it; must be active)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "member:set-billing-admin");
      await setBillingAdmin(ctx.store.db, ctx.orgId, String(req.params.id), ctx.actor);
      res.json(await fullView(ctx, await getMember(ctx.store.db, ctx.orgId, String(req.params.id))));
    },
  });

  r.add({
    method: "delete", path: "/members/:id/billing-admin", tag: TAG, status: 204,
    summary: "Take the billing admin role from this member (the org then has none)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "member:set-billing-admin");
      const m = await getMember(ctx.store.db, ctx.orgId, String(req.params.id));
      if (m.billing_admin === 1) await setBillingAdmin(ctx.store.db, ctx.orgId, null, ctx.actor);
      res.status(204).end();
    },
  });

  r.add({
    method: "delete", path: "/members/:id", tag: TAG, status: 204,
    summary: "Remove a member from the org (the global user and what they created stay); the last active admin cannot be removed, nor a member a directory connection manages (409)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "member:remove");
      await deleteMember(ctx.store.db, ctx.orgId, String(req.params.id), ctx.actor);
      res.status(204).end();
    },
  });
}
