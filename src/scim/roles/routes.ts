/**
 * /Roles: the org's custom roles. Filters compile to SQL over a small whitelist
 * (id, name, inheritedFrom, meta dates); PATCH adds and removes `permissions`
 * (or replaces name, description, inheritedFrom) on the locked row.
 */
import { Router, type Request, type Response } from "express";
import type { CustomRole } from "../../org/roles/custom-roles.ts";
import { createRole, deleteRole, getRole, updateRole } from "../../org/roles/custom-roles.ts";
import { ctxOf, sendJson } from "../context.ts";
import { unwrap } from "../errors.ts";
import type { AttributeMap } from "../filter/compile.ts";
import { parseListParams } from "../list-params.ts";
import { applyPatch, type PatchSchema } from "../patch/apply.ts";
import { readPatchOperations } from "../patch/request.ts";
import { project } from "../projection.ts";
import { ROLE_SHAPE, URN } from "../schemas.ts";
import { validateResource } from "../validate.ts";
import { etagOf, expectedRevision, notModified } from "../versioning.ts";
import { acceptWandbRoleSchema, toPatchable, toRoleInput, toScimRole } from "./resource.ts";
import { mountListRoutes, type ResourceList } from "../list-resources.ts";

/** The attributes a Role filter or sortBy may name. */
export const ROLE_ATTRIBUTES: AttributeMap = {
  table: "custom_roles",
  alias: "r",
  schema: URN.role,
  attributes: {
    id: { type: "string", column: "id", caseExact: true, nullable: false },
    externalid: { type: "string", column: "external_id", caseExact: true, nullable: true },
    name: { type: "string", column: "name", caseExact: true, nullable: false },
    inheritedfrom: { type: "string", column: "inherited_from", caseExact: false, nullable: false },
    "meta.created": { type: "dateTime", column: "created_at", caseExact: true, nullable: false },
    "meta.lastmodified": { type: "dateTime", column: "updated_at", caseExact: true, nullable: false },
  },
  children: {},
};

const ROLE_PATCH_SCHEMA: PatchSchema = { core: { id: ROLE_SHAPE.core.id, attributes: ROLE_SHAPE.core.attributes }, extensions: [] };

function readBody(body: unknown) {
  return toRoleInput(validateResource(acceptWandbRoleSchema(body), ROLE_SHAPE));
}

function send(req: Request, res: Response, status: number, role: CustomRole, baseUrl: string, extra: Record<string, string> = {}): void {
  const p = parseListParams(req.query as Record<string, unknown>, Infinity);
  sendJson(res, status, project(toScimRole(role, baseUrl), p.attributes, p.excludedAttributes, ROLE_SHAPE), { ETag: etagOf(role.revision), ...extra });
}

const ROLE_LIST: ResourceList<CustomRole> = {
  name: "Roles",
  attributes: ROLE_ATTRIBUTES,
  shape: ROLE_SHAPE,
  async render(ctx, rows) {
    return rows.map((r) => toScimRole(r, ctx.baseUrl));
  },
};

export function rolesRouter(): Router {
  const r = Router();

  mountListRoutes(r, ROLE_LIST);

  r.get("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const role = await getRole(ctx.store.db, ctx.orgId, req.params.id);
    if (notModified(req, role.revision)) { res.status(304).set("ETag", etagOf(role.revision)).end(); return; }
    send(req, res, 200, role, ctx.baseUrl);
  });

  r.post("/", async (req, res) => {
    const ctx = ctxOf(res);
    const role = await createRole(ctx.store.db, ctx.orgId, readBody(req.body), ctx.actor);
    send(req, res, 201, role, ctx.baseUrl, { Location: `${ctx.baseUrl}/Roles/${role.id}` });
  });

  r.put("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const input = readBody(req.body);
    const role = await updateRole(ctx.store.db, ctx.orgId, req.params.id, () => input, ctx.actor, expectedRevision(req));
    send(req, res, 200, role, ctx.baseUrl);
  });

  r.patch("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const operations = readPatchOperations(req.body, ctx.interopProfile);
    const role = await updateRole(ctx.store.db, ctx.orgId, req.params.id, (locked) => {
      const patched = unwrap(applyPatch(toPatchable(locked), operations, ROLE_PATCH_SCHEMA));
      return toRoleInput(validateResource(patched, ROLE_SHAPE));
    }, ctx.actor, expectedRevision(req));
    send(req, res, 200, role, ctx.baseUrl);
  });

  r.delete("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    await deleteRole(ctx.store.db, ctx.orgId, req.params.id, ctx.actor, expectedRevision(req));
    res.status(204).end();
  });

  return r;
}
