/**
 * Admin API: service accounts and their keys. Org-scoped accounts are managed
 * by org admins, team-scoped ones by their team's admins as well. Keys are shown
 * once, at creation.
 */
import type { Request } from "express";
import { isOrgAdmin, adminCtx, requireOrgAdmin, type AdminContext } from "./context.ts";
import {
  createServiceAccount, createServiceAccountKey, deleteServiceAccount, getServiceAccount, keyHolder,
  listServiceAccountKeys, listServiceAccounts, revokeOrgKey, type ServiceAccountView,
} from "../org/service-accounts.ts";
import { canManageTeam, forbid, requireTeamManager, scopedTeam } from "./access.ts";
import { BOUNDS } from "../org/bounds.ts";
import { ProblemError } from "./errors.ts";
import { z } from "zod";
import { id as idField, name, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const id = (req: Request, name: string): string => String(req.params[name]);

async function requireManager(ctx: AdminContext, sa: ServiceAccountView): Promise<void> {
  if (sa.teamId) {
    if (!(await canManageTeam(ctx, sa.teamId))) throw forbid("only org admins and admins of its team may manage this service account");
  } else if (!isOrgAdmin(ctx)) throw forbid("only org admins may manage an org-scoped service account");
}

/** The teams whose service accounts the caller may see (undefined: all). */
async function visibleTeams(ctx: AdminContext): Promise<string[] | undefined> {
  if (isOrgAdmin(ctx)) return undefined;
  const own = scopedTeam(ctx);
  if (own) return [own];
  if (!ctx.principal.memberId) return [];
  const rows = await ctx.store.db.selectFrom("team_members").select("team_id")
    .where("member_id", "=", ctx.principal.memberId).where("role", "=", "admin").execute();
  return rows.map((r) => r.team_id);
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "post", path: "/service-accounts", tag: "service accounts", status: 201,
    summary: "Create a service account and its first key (org-scoped: org admins, needs a default team; team-scoped: team admins)",
    body: z.strictObject({ name: name(), teamId: idField().nullable().optional().describe("a team id for a team-scoped account; absent or null: org-scoped"), keyLabel: text(BOUNDS.identifierChars).optional() }),
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      const teamId = body.teamId ?? null;
      if (teamId) await requireTeamManager(ctx, teamId);
      else if (scopedTeam(ctx)) throw forbid("a team-scoped service account may only create service accounts of its own team");
      else requireOrgAdmin(ctx);
      const { serviceAccount, key } = await createServiceAccount(ctx.store.db, ctx.orgId, { name: body.name, teamId, keyLabel: body.keyLabel }, ctx.actor);
      res.status(201).json({ ...serviceAccount, key: { id: key.id, prefix: key.prefix, key: key.key } });
    },
  });
  r.add({
    method: "get", path: "/service-accounts", tag: "service accounts", summary: "The service accounts the caller may manage",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      res.json({ serviceAccounts: await listServiceAccounts(ctx.store.db, ctx.orgId, await visibleTeams(ctx)) });
    },
  });
  r.add({
    method: "delete", path: "/service-accounts/:serviceAccountId", tag: "service accounts", status: 204, summary: "Delete a service account and its keys",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const sa = await getServiceAccount(ctx.store.db, ctx.orgId, id(req, "serviceAccountId"));
      await requireManager(ctx, sa);
      if (ctx.principal.serviceAccountId === sa.id)
        throw new ProblemError(409, "Conflict", "this request is made with a key of this service account; delete it with another key");
      await deleteServiceAccount(ctx.store.db, ctx.orgId, sa.id, ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "post", path: "/service-accounts/:serviceAccountId/keys", tag: "service accounts", status: 201, summary: "Create a key (the key is shown once)",
    body: z.strictObject({ label: text(BOUNDS.identifierChars).optional() }),
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      const sa = await getServiceAccount(ctx.store.db, ctx.orgId, id(req, "serviceAccountId"));
      await requireManager(ctx, sa);
      const key = await createServiceAccountKey(ctx.store.db, ctx.orgId, sa.id, body.label, ctx.actor);
      res.status(201).json({ id: key.id, prefix: key.prefix, key: key.key });
    },
  });
  r.add({
    method: "get", path: "/service-accounts/:serviceAccountId/keys", tag: "service accounts", summary: "A service account's keys (prefix, created, last used, revoked; never the secret)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const sa = await getServiceAccount(ctx.store.db, ctx.orgId, id(req, "serviceAccountId"));
      await requireManager(ctx, sa);
      res.json({ keys: await listServiceAccountKeys(ctx.store.db, ctx.orgId, sa.id) });
    },
  });
  r.add({
    method: "delete", path: "/keys/:keyId", tag: "service accounts", status: 204, summary: "Revoke an API key (a service account's, or a member's own)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const keyId = id(req, "keyId");
      const holder = await keyHolder(ctx.store.db, ctx.orgId, keyId);
      if (!holder) throw new ProblemError(404, "Not Found", `no API key with id ${keyId} in this organization`);
      if (holder.serviceAccountId) await requireManager(ctx, await getServiceAccount(ctx.store.db, ctx.orgId, holder.serviceAccountId));
      else if (!isOrgAdmin(ctx) && ctx.principal.memberId !== holder.memberId) throw forbid("only org admins and the key's own member may revoke a member's key");
      await revokeOrgKey(ctx.store.db, ctx.orgId, keyId, ctx.actor);
      res.status(204).end();
    },
  });
}
