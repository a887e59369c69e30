/**
 * Admin API: SCIM connections (src/org/connections/scim-connections.ts). Org
 * admins list them (with last request, counts and what each granted), create
 * one (its key is shown once) and remove one, keeping or removing its grants.
 */
import { z } from "zod";
import { ensureCan } from "../org/access/can.ts";
import { createScimConnection, deleteScimConnection, listScimConnections, updateScimConnection } from "../org/connections/scim-connections.ts";
import { adminCtx } from "./context.ts";
import { choice, name } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const TAG = "scim-connections";
const NewConnection = z.strictObject({
  name: name(100),
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).default(600).describe("requests per minute through this connection's keys"),
  interopProfile: z.boolean().default(false).describe("follow draft-zollner-scim-interop-profile strictly: a PATCH operation without a path is refused (leave off for Entra and W&B, which send path-less PATCH)"),
});
const ConnectionChange = z.strictObject({
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).optional().describe("requests per minute through this connection's keys"),
  interopProfile: z.boolean().optional().describe("follow draft-zollner-scim-interop-profile strictly: a PATCH operation without a path is refused"),
});
const Removal = z.strictObject({ grants: choice(["keep", "remove"]).describe("keep or remove the memberships and roles this connection granted") });

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/scim-connections", tag: TAG, summary: "The org's SCIM connections: rate limit, last request, request and error counts, what each granted",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "scim-connections:manage");
      res.json({ items: await listScimConnections(ctx.store.db, ctx.orgId) });
    },
  });
  r.add({
    method: "post", path: "/scim-connections", tag: TAG, status: 201, body: NewConnection,
    summary: "Create a SCIM connection (an org-scoped service account marked as one); its first key is shown once",
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "scim-connections:manage");
      const { connection, key } = await createScimConnection(ctx.store.db, ctx.orgId, body, ctx.actor);
      res.status(201).json({ ...connection, key: key.key, keyId: key.id });
    },
  });
  r.add({
    method: "patch", path: "/scim-connections/:id", tag: TAG, body: ConnectionChange,
    summary: "Change a SCIM connection's rate limit, or whether it follows the SCIM interop profile strictly",
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "scim-connections:manage");
      res.json(await updateScimConnection(ctx.store.db, ctx.orgId, String(req.params.id), body, ctx.actor));
    },
  });
  r.add({
    method: "post", path: "/scim-connections/:id/remove", tag: TAG, body: Removal,
    summary: "Remove a SCIM connection and its keys, keeping or removing what it granted (a membership another source grants stays)",
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "scim-connections:manage");
      res.json(await deleteScimConnection(ctx.store.db, ctx.orgId, String(req.params.id), body.grants, ctx.actor));
    },
  });
}
