/**
 * Admin API: custom roles (enterprise plan for creating and changing them) and
 * the permission catalog. Org admins write; members may read.
 */
import { CATALOG, createRole, deleteRole, getRole, holderCounts, INHERITABLE, listRoles, permissionsOf, updateRole, type CustomRole, type RoleInput } from "../org/custom-roles.ts";
import { ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { badInput } from "./errors.ts";
import type { RouteRegistry } from "./openapi.ts";

const TAG = "roles";

function roleView(r: CustomRole, holders: number) {
  return {
    id: r.id, name: r.name, description: r.description, inheritedFrom: r.inherited_from,
    permissions: permissionsOf(r), holders, createdAt: r.created_at, updatedAt: r.updated_at, version: r.revision,
  };
}

type Body = Record<string, unknown>;

function readBody(body: unknown, allowed: string[]): Body {
  if (body === undefined || body === null || typeof body !== "object" || Array.isArray(body)) throw badInput("the request body must be a JSON object");
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length) throw badInput(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; allowed: ${allowed.join(", ")}`);
  const b = body as Body;
  for (const k of ["name", "inheritedFrom"]) if (b[k] !== undefined && typeof b[k] !== "string") throw badInput(`"${k}" must be a string`);
  if (b.description !== undefined && b.description !== null && typeof b.description !== "string") throw badInput('"description" must be a string or null');
  for (const k of ["permissions", "addPermissions", "removePermissions"]) {
    const v = b[k];
    if (v !== undefined && (!Array.isArray(v) || v.some((x) => typeof x !== "string"))) throw badInput(`"${k}" must be an array of permission names`);
  }
  return b;
}

const ownPermissions = (r: CustomRole) => permissionsOf(r).filter((p) => !p.isInherited).map((p) => p.name);

const ROLE_SCHEMA = {
  type: "object", additionalProperties: false,
  properties: {
    name: { type: "string" }, description: { type: ["string", "null"] }, inheritedFrom: { enum: [...INHERITABLE] },
    permissions: { type: "array", items: { type: "string" } },
  },
};

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
    method: "post", path: "/roles", tag: TAG, status: 201, body: { ...ROLE_SCHEMA, required: ["name", "inheritedFrom"] },
    summary: "Create a custom role (enterprise plan; name unique per org; permissions from the catalog)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "roles:manage");
      const b = readBody(req.body, ["name", "description", "inheritedFrom", "permissions"]);
      const input: RoleInput = { name: b.name as string, description: (b.description as string | null | undefined) ?? null, inheritedFrom: b.inheritedFrom as string, permissions: (b.permissions as string[] | undefined) ?? [] };
      const role = await createRole(ctx.store.db, ctx.orgId, input, ctx.actor);
      res.status(201).json(roleView(role, 0));
    },
  });

  r.add({
    method: "patch", path: "/roles/:id", tag: TAG,
    body: { ...ROLE_SCHEMA, properties: { ...ROLE_SCHEMA.properties, addPermissions: { type: "array", items: { type: "string" } }, removePermissions: { type: "array", items: { type: "string" } } } },
    summary: "Change a custom role: name, description, inheritedFrom, permissions (replace) or addPermissions / removePermissions",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "roles:manage");
      const b = readBody(req.body, ["name", "description", "inheritedFrom", "permissions", "addPermissions", "removePermissions"]);
      const role = await updateRole(ctx.store.db, ctx.orgId, String(req.params.id), (cur) => {
        let perms = (b.permissions as string[] | undefined) ?? ownPermissions(cur);
        perms = [...perms, ...((b.addPermissions as string[] | undefined) ?? [])];
        const drop = new Set((b.removePermissions as string[] | undefined) ?? []);
        return {
          name: (b.name as string | undefined) ?? cur.name,
          description: b.description !== undefined ? (b.description as string | null) : cur.description,
          inheritedFrom: (b.inheritedFrom as string | undefined) ?? cur.inherited_from,
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
