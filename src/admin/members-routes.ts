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
import { adminCtx, type AdminContext } from "./context.ts";
import { bool, choice, id, queryInt, text } from "./input.ts";
import { BOUNDS } from "../org/bounds.ts";
import type { RouteRegistry } from "./openapi.ts";
import { accessSourcesOf } from "../org/provenance/access-sources.ts";
import { membershipSourcesOf, type SourceView } from "../org/provenance/sources.ts";

const TAG = "members";

interface TeamRef { id: string; name: string; role: string; sources: SourceView[] }

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
  const sources = await membershipSourcesOf(ctx.store.db, { memberId });
  return rows.map((r) => ({ id: r.id, name: r.display_name, role: r.custom_role ?? r.role, sources: sources.get(`${r.id} ${memberId}`) ?? [] }));
}

/** One member with their teams, and who granted each membership, the org role and the seats. */
async function fullView(ctx: AdminContext, m: Member) {
  return { ...memberView({ ...m, email: await primaryEmail(ctx, m.id) }, await teamsOf(ctx, m.id)), sources: await accessSourcesOf(ctx.store.db, m.id) };
}

/** PATCH /members/{id}: the access fields only. */
const AccessChange = z.strictObject({
  orgRole: choice(ORG_ROLES).optional(), modelsSeat: choice(SEAT_TYPES).optional(), weaveRole: choice(SEAT_TYPES).optional(), active: bool().optional(),
});

/** GET /members: filters and paging. */
const MemberQuery = z.strictObject({
  role: choice(ORG_ROLES).optional(), modelsSeat: choice(SEAT_TYPES).optional(), weaveRole: choice(SEAT_TYPES).optional(),
  active: choice(["true", "false"]).optional(),
  team: id().optional().describe("a team id"),
  q: text(BOUNDS.identifierChars).optional().describe("part of userName, display name or e-mail (case-insensitive)"),
  limit: queryInt(1, 500).default(50),
  offset: queryInt(0, Number.MAX_SAFE_INTEGER).default(0),
});

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/members", tag: TAG,
    summary: "List members (paged: offset, limit ≤ 500; filters: role, modelsSeat, weaveRole, active, team = team id, q = part of userName, display name or e-mail)",
    query: MemberQuery,
    handler: async (_req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "members:read");
      const { role, modelsSeat, weaveRole, active, team, limit, offset } = query;
      const q = query.q?.toLowerCase();
      let base = ctx.store.db.selectFrom("members as m").where("m.org_id", "=", ctx.orgId);
      if (role) base = base.where("m.org_role", "=", role);
      if (modelsSeat) base = base.where("m.models_seat", "=", modelsSeat);
      if (weaveRole) base = base.where("m.weave_role", "=", weaveRole);
      if (active) base = base.where("m.active", "=", active === "true" ? 1 : 0);
      if (team) base = base.where((eb) => eb.exists(eb.selectFrom("team_members as tm").select("tm.member_id").whereRef("tm.member_id", "=", "m.id").where("tm.team_id", "=", team)));
      if (q) {
        const pattern = `%${likeEscape(q)}%`;
        base = base.where((eb) => eb.or([
          sql<boolean>`${eb.ref("m.user_name_key")} like ${pattern} escape '\\'`,
          sql<boolean>`coalesce(${eb.ref("m.display_name_key")}, '') like ${pattern} escape '\\'`,
          eb.exists(eb.selectFrom("member_emails as e").select("e.member_id").whereRef("e.member_id", "=", "m.id")
            .where(sql<boolean>`${sql.ref("e.value_key")} like ${pattern} escape '\\'`)),
        ]));
      }
      const total = Number((await base.select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
      const rows = await base.selectAll("m")
        .select((eb) => eb.selectFrom("member_emails as e").select("e.value").whereRef("e.member_id", "=", "m.id")
          .orderBy("e.is_primary", "desc").orderBy("e.position").limit(1).as("email"))
        .orderBy("m.user_name_key").orderBy("m.id").limit(limit).offset(offset).execute();
      res.json({ items: rows.map((m) => memberView(m)), total, offset, limit });
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
