/**
 * Admin API: members. Org admins change org role, seats, active and the billing
 * admin, and remove members; every member (and viewer) may read the list. The
 * rules (last active admin, seat limits, plans) live in src/org and apply here
 * exactly as through SCIM.
 */
import { sql } from "kysely";
import { z } from "zod";
import type { Member } from "../../db/types.ts";
import { deleteMember, getMember, updateMemberAccess } from "../org/members/members.ts";
import { ORG_ROLES, SEAT_TYPES, setBillingAdmin } from "../org/members/member-roles.ts";
import { ensureCan } from "../org/access/can.ts";
import { memberPage } from "../org/members/member-page.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { bool, choice, id, queryInt, text } from "./input.ts";
import { BOUNDS } from "../org/bounds.ts";
import type { RouteRegistry } from "./openapi.ts";

const TAG = "members";

interface TeamRef { id: string; name: string; role: string }

export function memberView(m: Member & { email?: string | null }, teams?: TeamRef[]) {
  return {
    id: m.id,
    userName: m.user_name,
    displayName: m.display_name,
    email: m.email ?? null,
    externalId: m.external_id,
    active: m.active === 1,
    orgRole: m.org_role,
    modelsSeat: m.models_seat,
    weaveRole: m.weave_role,
    billingAdmin: m.billing_admin === 1,
    lastSignInAt: m.last_sign_in_at ?? null,
    ...(teams ? { teams } : {}),
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    version: m.revision,
  };
}

async function primaryEmail(ctx: AdminContext, memberId: string): Promise<string | null> {
  const e = await ctx.store.db.selectFrom("member_emails").select("value").where("member_id", "=", memberId)
    .orderBy("is_primary", "desc").orderBy("position").limit(1).executeTakeFirst();
  return e?.value ?? null;
}

async function teamsOf(ctx: AdminContext, memberId: string): Promise<TeamRef[]> {
  const rows = await ctx.store.db.selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id")
    .leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
    .select(["t.id", "t.display_name", "tm.role", "r.name as custom_role"])
    .where("tm.member_id", "=", memberId).orderBy("t.name_key").execute();
  return rows.map((r) => ({ id: r.id, name: r.display_name, role: r.custom_role ?? r.role }));
}

async function fullView(ctx: AdminContext, m: Member) {
  return memberView({ ...m, email: await primaryEmail(ctx, m.id) }, await teamsOf(ctx, m.id));
}

/** PATCH /members/{id}: the access fields only. */
const AccessChange = z.strictObject({
  orgRole: choice(ORG_ROLES).optional(), modelsSeat: choice(SEAT_TYPES).optional(), weaveRole: choice(SEAT_TYPES).optional(), active: bool().optional(),
});

export const MEMBER_SORTS = ["userName", "displayName", "email", "orgRole", "createdAt"] as const;

/** GET /members: filters, sort and paging. */
export const MemberQuery = z.strictObject({
  role: choice(ORG_ROLES).optional(), modelsSeat: choice(SEAT_TYPES).optional(), weaveRole: choice(SEAT_TYPES).optional(),
  active: choice(["true", "false"]).optional(),
  billingAdmin: choice(["true", "false"]).optional(),
  team: id().optional().describe("a team id"),
  q: text(BOUNDS.identifierChars).optional().describe("part of userName, display name or e-mail (case-insensitive)"),
  sort: z.enum(MEMBER_SORTS).default("userName"),
  order: choice(["asc", "desc"]).default("asc"),
  limit: queryInt(1, 500).default(50),
  offset: queryInt(0, Number.MAX_SAFE_INTEGER).default(0),
});
export type MemberListQuery = z.output<typeof MemberQuery>;

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** One page of members by the query's filters and sort (the CSV export pages through the same). */
export async function listMembers(ctx: AdminContext, query: MemberListQuery) {
  const { role, modelsSeat, weaveRole, active, team, limit, offset } = query;
  const q = query.q?.toLowerCase();
  let base = ctx.store.db.selectFrom("members as m").where("m.org_id", "=", ctx.orgId);
  if (role) base = base.where("m.org_role", "=", role);
  if (modelsSeat) base = base.where("m.models_seat", "=", modelsSeat);
  if (weaveRole) base = base.where("m.weave_role", "=", weaveRole);
  if (active) base = base.where("m.active", "=", active === "true" ? 1 : 0);
  if (query.billingAdmin) base = base.where("m.billing_admin", "=", query.billingAdmin === "true" ? 1 : 0);
  if (team) base = base.where((eb) => eb.exists(eb.selectFrom("team_members as tm").select("tm.member_id").whereRef("tm.member_id", "=", "m.id").where("tm.team_id", "=", team)));
  if (q) {
    const pattern = `%${likeEscape(q)}%`;
    base = base.where((eb) => eb.or([
      sql<boolean>`${eb.ref("m.user_name_key")} like ${pattern} escape '\\'`,
      sql<boolean>`coalesce(${eb.ref("m.display_name_key")}, '') like ${pattern} escape '\\'`,
      // One scan of the org's e-mail index, not one lookup per member.
      eb("m.id", "in", eb.selectFrom("member_emails as e").select("e.member_id").where("e.org_id", "=", ctx.orgId)
        .where(sql<boolean>`${sql.ref("e.value_key")} like ${pattern} escape '\\'`)),
    ]));
  }
  const rows = await base.selectAll("m")
    .select((eb) => eb.selectFrom("member_emails as e").select("e.value").whereRef("e.member_id", "=", "m.id")
      .orderBy("e.is_primary", "desc").orderBy("e.position").limit(1).as("email"))
    // The nullable sorts put nulls first ascending on both databases (SQLite's own order, so its index serves
    // it); NOT NULL columns get no modifier, so PostgreSQL's indexes serve them too.
    .orderBy(sortColumn(query.sort), (ob) => (!NULLABLE_SORTS.has(query.sort) ? (query.order === "asc" ? ob.asc() : ob.desc())
      : query.order === "asc" ? ob.asc().nullsFirst() : ob.desc().nullsLast()))
    .orderBy("m.id", query.order).limit(limit).offset(offset).execute();
  // A short page past its start is the end of the list: its total needs no second scan (a narrow search).
  const total = rows.length > 0 && rows.length < limit ? offset + rows.length
    : Number((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  return { items: rows.map((m) => memberView(m)), total, offset, limit };
}

const NULLABLE_SORTS = new Set<MemberListQuery["sort"]>(["displayName", "email"]);

/** The column each sort names; e-mail sorts by the primary address, as the list shows it. */
function sortColumn(sort: MemberListQuery["sort"]) {
  switch (sort) {
    case "displayName": return sql.ref("m.display_name_key");
    case "email": return sql.ref("email");
    case "orgRole": return sql.ref("m.org_role");
    case "createdAt": return sql.ref("m.created_at");
    default: return sql.ref("m.user_name_key");
  }
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/members", tag: TAG,
    summary: "List members (paged: offset, limit ≤ 500; sort = userName|displayName|email|orgRole|createdAt, order = asc|desc; filters: role, modelsSeat, weaveRole, active, billingAdmin, team = team id, q = part of userName, display name or e-mail)",
    query: MemberQuery,
    handler: async (_req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "members:read");
      res.json(await listMembers(ctx, query));
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
      res.json({ ...page, member: memberView(page.member, page.teams) });
    },
  });

  r.add({
    method: "patch", path: "/members/:id", tag: TAG,
    summary: "Change org role, Models seat, Weave access or active (org admins). The last active admin cannot be demoted or deactivated; seat limits apply.",
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
    summary: "Remove a member from the org (the global user and what they created stay); the last active admin cannot be removed",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "member:remove");
      await deleteMember(ctx.store.db, ctx.orgId, String(req.params.id), ctx.actor);
      res.status(204).end();
    },
  });
}
