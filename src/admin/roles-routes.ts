/**
 * Admin API: custom roles (enterprise plan for creating and changing them) and
 * the permission catalog. Org admins write; members may read.
 */
import { CATALOG, createRole, deleteRole, getRole, holderCounts, INHERITABLE, listRoles, permissionsOf, updateRole, type CustomRole, type RoleInput } from "../org/roles/custom-roles.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { z } from "zod";
import { choice, id, list, name, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const TAG = "roles";

function roleView(r: CustomRole, holders: number) {
  return {
    id: r.id, name: r.name, description: r.description, inheritedFrom: r.inherited_from,
    permissions: permissionsOf(r), holders, createdAt: r.created_at, updatedAt: r.updated_at, version: r.revision,
  };
}

const ownPermissions = (r: CustomRole) => permissionsOf(r).filter((p) => !p.isInherited).map((p) => p.name);

const permissionList = () => list(id()).describe("permission names from GET /permissions");
const NewRole = z.strictObject({
  name: name(128), description: text().nullable().optional(), inheritedFrom: choice(INHERITABLE), permissions: permissionList().default([]),
});
const RoleChange = z.strictObject({
  name: name(128).optional(), description: text().nullable().optional(), inheritedFrom: choice(INHERITABLE).optional(),
  permissions: permissionList().optional().describe("replaces the role's own permissions"),
  addPermissions: permissionList().optional(), removePermissions: permissionList().optional(),
});

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/permissions", tag: TAG, summary: "The permission catalog, and what member and viewer inherit",
    handler: (_req, res) => { ensureCan(adminCtx(res).principal, "roles:read"); res.json(CATALOG); },
  });

  r.add({
    method: "get", path: "/roles", tag: TAG, summary: "Custom roles of the org, with how many team memberships hold each",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "roles:read");
      const [roles, holders] = await Promise.all([listRoles(ctx.store.db, ctx.orgId), holderCounts(ctx.store.db, ctx.orgId)]);
      res.json({ items: roles.map((x) => roleView(x, holders.get(x.id) ?? 0)) });
    },
  });

  r.add({
    method: "get", path: "/roles/:id", tag: TAG, summary: "One custom role",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "roles:read");
      const role = await getRole(ctx.store.db, ctx.orgId, String(req.params.id));
      res.json(roleView(role, (await holderCounts(ctx.store.db, ctx.orgId)).get(role.id) ?? 0));
    },
  });

  r.add({
    method: "post", path: "/roles", tag: TAG, status: 201, body: NewRole,
    summary: "Create a custom role (enterprise plan; name unique per org; permissions from the catalog)",
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "roles:manage");
      const input: RoleInput = { ...body, description: body.description ?? null };
      const role = await createRole(ctx.store.db, ctx.orgId, input, ctx.actor);
      res.status(201).json(roleView(role, 0));
    },
  });

  r.add({
    method: "patch", path: "/roles/:id", tag: TAG,
    body: RoleChange,
    summary: "Change a custom role: name, description, inheritedFrom, permissions (replace) or addPermissions / removePermissions",
    handler: async (req, res, { body: b }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "roles:manage");
      const role = await updateRole(ctx.store.db, ctx.orgId, String(req.params.id), (cur) => {
        const perms = [...(b.permissions ?? ownPermissions(cur)), ...(b.addPermissions ?? [])];
        const drop = new Set(b.removePermissions ?? []);
        return {
          name: b.name ?? cur.name,
          description: b.description !== undefined ? b.description : cur.description,
          inheritedFrom: b.inheritedFrom ?? cur.inherited_from,
          permissions: perms.filter((p) => !drop.has(p)),
        };
      }, ctx.actor);
      res.json(roleView(role, (await holderCounts(ctx.store.db, ctx.orgId)).get(role.id) ?? 0));
    },
  });

  r.add({
    method: "delete", path: "/roles/:id", tag: TAG,
    summary: "Delete a custom role; its holders drop back to the inherited role (member → member, viewer → view-only). Answers how many were moved.",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "roles:manage");
      res.json(await deleteRole(ctx.store.db, ctx.orgId, String(req.params.id), ctx.actor));
    },
  });
}
