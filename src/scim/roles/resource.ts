/** Translates between SCIM Role bodies and custom roles. */
import type { CustomRole, RoleInput } from "../../org/roles/custom-roles.ts";
import { permissionsOf } from "../../org/roles/custom-roles.ts";
import type { Json } from "../json.ts";
import { badRequest } from "../errors.ts";
import { URN } from "../schemas.ts";
import { etagOf } from "../versioning.ts";


/** W&B's clients send their Role bodies with this core schema URN; it means our Role schema. */
const WANDB_ROLE_URN = "urn:ietf:params:scim:schemas:core:2.0:Role";

export function acceptWandbRoleSchema(body: unknown): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const b = body as Json;
  if (!Array.isArray(b.schemas)) return body;
  return { ...b, schemas: b.schemas.map((s: unknown) => (typeof s === "string" && s.toLowerCase() === WANDB_ROLE_URN.toLowerCase() ? URN.role : s)) };
}

export function toRoleInput(body: Json): RoleInput {
  const permissions = ((body.permissions as Json[] | undefined) ?? []).map((p, i) => {
    if (typeof p?.name !== "string" || !p.name) throw badRequest("invalidValue", `"permissions[${i}].name" is required`);
    return p.name as string;
  });
  // A SCIM body is the whole role: no externalId means none (PUT clears it).
  return { name: body.name, description: body.description ?? null, inheritedFrom: body.inheritedFrom, permissions, externalId: body.externalId ?? null };
}

export function toScimRole(r: CustomRole, baseUrl: string): Json {
  return {
    schemas: [URN.role],
    id: r.id,
    ...(r.external_id !== null ? { externalId: r.external_id } : {}),
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    inheritedFrom: r.inherited_from,
    permissions: permissionsOf(r),
    meta: { resourceType: "Role", created: r.created_at, lastModified: r.updated_at, location: `${baseUrl}/Roles/${r.id}`, version: etagOf(r.revision) },
  };
}

/** The JSON a PATCH starts from. */
export function toPatchable(r: CustomRole): Json {
  return {
    ...(r.external_id !== null ? { externalId: r.external_id } : {}),
    name: r.name,
    ...(r.description !== null ? { description: r.description } : {}),
    inheritedFrom: r.inherited_from,
    permissions: permissionsOf(r),
  };
}
