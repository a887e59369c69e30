/**
 * Admin API: members. Org admins change org role, seats, active and the billing
 * admin, and remove members; every member (and viewer) may read the list. The
 * rules (last active admin, seat limits, plans) live in src/org and apply here
 * exactly as through SCIM.
 */
import type { Request } from "express";
import { sql } from "kysely";
import type { Member } from "../../db/types.ts";
import { deleteMember, getMember, updateMemberAccess, type MemberAccessChange } from "../org/members.ts";
import { ORG_ROLES, SEAT_TYPES, setBillingAdmin } from "../org/member-roles.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { badInput } from "./errors.ts";
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
    ...(teams ? { teams } : {}),
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    version: m.revision,
  };
}

function query(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw badInput(`query parameter "${name}" must be given once`);
  return v;
}

function oneOf(req: Request, name: string, allowed: readonly string[]): string | undefined {
  const v = query(req, name)?.toLowerCase();
  if (v !== undefined && !allowed.includes(v)) throw badInput(`query parameter "${name}" must be one of ${allowed.join(", ")}`);
  return v;
}

function int(req: Request, name: string, dflt: number, max: number): number {
  const v = query(req, name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw badInput(`query parameter "${name}" must be a non-negative integer`);
  return Math.min(Number(v), max);
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

function readChange(body: unknown): MemberAccessChange {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) throw badInput("the request body must be a JSON object");
  const b = body as Record<string, unknown>;
  const allowed = ["orgRole", "modelsSeat", "weaveRole", "active"];
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length) throw badInput(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; allowed: ${allowed.join(", ")}`);
  for (const k of ["orgRole", "modelsSeat", "weaveRole"]) if (b[k] !== undefined && typeof b[k] !== "string") throw badInput(`"${k}" must be a string`);
  if (b.active !== undefined && typeof b.active !== "boolean") throw badInput('"active" must be true or false');
  return b as MemberAccessChange;
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/members", tag: TAG,
    summary: "List members (paged: offset, limit ≤ 500; filters: role, modelsSeat, weaveRole, active, team = team id, q = part of userName, display name or e-mail)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "members:read");
      const role = oneOf(req, "role", ORG_ROLES);
      const modelsSeat = oneOf(req, "modelsSeat", SEAT_TYPES);
      const weaveRole = oneOf(req, "weaveRole", SEAT_TYPES);
      const active = oneOf(req, "active", ["true", "false"]);
      const q = query(req, "q")?.toLowerCase();
      const team = query(req, "team");
      const limit = int(req, "limit", 50, 500);
      const offset = int(req, "offset", 0, Number.MAX_SAFE_INTEGER);
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
    body: {
      type: "object", additionalProperties: false,
      properties: { orgRole: { enum: [...ORG_ROLES] }, modelsSeat: { enum: [...SEAT_TYPES] }, weaveRole: { enum: [...SEAT_TYPES] }, active: { type: "boolean" } },
    },
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "member:change-access");
      const m = await updateMemberAccess(ctx.store.db, ctx.orgId, String(req.params.id), readChange(req.body), ctx.actor);
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
