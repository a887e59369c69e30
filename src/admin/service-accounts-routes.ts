/**
 * Admin API: service accounts and their keys. Org-scoped accounts are managed
 * by org admins, team-scoped ones also by those holding
 * team:manage-service-accounts in their team (the access policy decides).
 * Keys are shown once, at creation.
 */
import type { Request } from "express";
import { can, ensureCan } from "../org/access/can.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import {
  createServiceAccount, createServiceAccountKey, deleteServiceAccount, getServiceAccount, keyHolder,
  listServiceAccountKeys, listServiceAccounts, revokeOrgKey, type ServiceAccountView,
} from "../org/security/service-accounts.ts";
import { BOUNDS } from "../org/bounds.ts";
import { ProblemError } from "./errors.ts";
import { z } from "zod";
import { id as idField, name, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const id = (req: Request, name: string): string => String(req.params[name]);

const requireManager = (ctx: AdminContext, sa: ServiceAccountView): void => { ensureCan(ctx.principal, "service-accounts:manage", { teamId: sa.teamId }); };

export function register(r: RouteRegistry): void {
  r.add({
    method: "post", path: "/service-accounts", tag: "service accounts", status: 201,
    summary: "Create a service account and its first key (org-scoped: org admins, needs a default team; team-scoped: team admins)",
    body: z.strictObject({ name: name(), teamId: idField().nullable().optional().describe("a team id for a team-scoped account; absent or null: org-scoped"), keyLabel: text(BOUNDS.identifierChars).optional() }),
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      const teamId = body.teamId ?? null;
      ensureCan(ctx.principal, "service-accounts:manage", { teamId });
      const { serviceAccount, key } = await createServiceAccount(ctx.store.db, ctx.orgId, { name: body.name, teamId, keyLabel: body.keyLabel }, ctx.actor);
      res.status(201).json({ ...serviceAccount, key: { id: key.id, prefix: key.prefix, key: key.key } });
    },
  });
  r.add({
    method: "get", path: "/service-accounts", tag: "service accounts", summary: "The service accounts the caller may manage",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "service-accounts:list");
      const all = await listServiceAccounts(ctx.store.db, ctx.orgId);
      res.json({ serviceAccounts: all.filter((sa) => can(ctx.principal, "service-accounts:manage", { teamId: sa.teamId }).allowed) });
    },
  });
  r.add({
    method: "delete", path: "/service-accounts/:serviceAccountId", tag: "service accounts", status: 204, summary: "Delete a service account and its keys",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const sa = await getServiceAccount(ctx.store.db, ctx.orgId, id(req, "serviceAccountId"));
      requireManager(ctx, sa);
      if (ctx.principal.serviceAccountId === sa.id)
        throw new ProblemError(409, "Conflict", "this request is made with a key of this service account; delete it with another key");
      await deleteServiceAccount(ctx.store.db, ctx.orgId, sa.id, ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "post", path: "/service-accounts/:serviceAccountId/keys", tag: "service accounts", status: 201, summary: "Create a key (the key is shown once)",
    body: z.strictObject({ label: text(BOUNDS.identifierChars).optional(), expiresAt: z.iso.datetime({ offset: true }).nullable().optional().describe("when the key stops working (ISO 8601); absent or null: never") }),
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      const sa = await getServiceAccount(ctx.store.db, ctx.orgId, id(req, "serviceAccountId"));
      requireManager(ctx, sa);
      const key = await createServiceAccountKey(ctx.store.db, ctx.orgId, sa.id, body.label, ctx.actor, body.expiresAt);
      res.status(201).json({ id: key.id, prefix: key.prefix, key: key.key, expiresAt: body.expiresAt ? new Date(body.expiresAt).toISOString() : null });
    },
  });
  r.add({
    method: "get", path: "/service-accounts/:serviceAccountId/keys", tag: "service accounts", summary: "A service account's keys (prefix, created, last used, revoked; never the secret)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const sa = await getServiceAccount(ctx.store.db, ctx.orgId, id(req, "serviceAccountId"));
      requireManager(ctx, sa);
      res.json({ keys: await listServiceAccountKeys(ctx.store.db, ctx.orgId, sa.id) });
    },
  });
  r.add({
    method: "delete", path: "/keys/:keyId", tag: "service accounts", status: 204, summary: "Revoke an API key (a service account's, or a member's own)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const keyId = id(req, "keyId");
      const holder = await keyHolder(ctx.store.db, ctx.orgId, keyId);
      if (!holder) throw new ProblemError(404, "Not Found", "This API key does not exist in the organization (it may have been deleted).");
      if (holder.serviceAccountId) requireManager(ctx, await getServiceAccount(ctx.store.db, ctx.orgId, holder.serviceAccountId));
      else ensureCan(ctx.principal, "member-keys:manage", { memberId: holder.memberId! });
      await revokeOrgKey(ctx.store.db, ctx.orgId, keyId, ctx.actor);
      res.status(204).end();
    },
  });
}
