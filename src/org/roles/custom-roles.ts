/**
 * Custom roles: org-level, named (unique per org, matched exactly), starting from
 * a predefined role (`member` or `viewer`) and adding permissions from the one
 * catalog in schemas/permissions.json. Assigned at team level (team_members.role
 * 'custom' + custom_role_id); members only, never service accounts. Enterprise
 * plan only for creating and changing them; reading and deleting stay possible
 * on any plan, so an org that moved to standard can clean up.
 *
 * @example
 * const role = await createRole(db, orgId, { name: "Run stopper", description: null, inheritedFrom: "viewer", permissions: ["run:stop"] }, actor);
 * permissionsOf(role); // [{ name: "artifact:read", isInherited: true }, …, { name: "run:stop", isInherited: false }]
 */
import crypto from "node:crypto";
import fs from "node:fs";
import type { Kysely, Selectable } from "kysely";
import type { CustomRolesTable, Database } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { isUniqueViolation, lostRace } from "../db-errors.ts";
import { conflict, invalid, notFound, invalidField } from "../errors.ts";
import { getOrg, ORG_ROLES, requireEnterprise, TEAM_ROLES } from "../members/member-roles.ts";
import { racePoint } from "../race-points.ts";
import { replaceCustomRole } from "../teams/membership.ts";
import { lockExisting, lockForUpdate, type ExpectedRevision } from "../revision.ts";

type Db = Kysely<Database>;
export type CustomRole = Selectable<CustomRolesTable>;

export interface PermissionDef {
  name: string;
  description: string;
}

interface Catalog {
  permissions: PermissionDef[];
  inherited: Record<"member" | "viewer", string[]>;
}

/** The permission catalog, loaded once from schemas/permissions.json. */
export const CATALOG: Catalog = JSON.parse(fs.readFileSync(new URL("../../../schemas/permissions.json", import.meta.url), "utf8")) as Catalog;
const KNOWN = new Set(CATALOG.permissions.map((p) => p.name));

export const INHERITABLE = ["member", "viewer"] as const;
export type Inheritable = (typeof INHERITABLE)[number];

/** The team role holders of a deleted custom role fall back to. */
export const FALLBACK_TEAM_ROLE: Record<Inheritable, string> = { member: "member", viewer: "view-only" };

export interface RoleInput {
  name: string;
  description: string | null;
  inheritedFrom: string;
  /** permission names; inherited ones may be listed and are not stored twice */
  permissions: string[];
  /** the directory's id (SCIM externalId); undefined: keep (null on create), null: clear */
  externalId?: string | null;
}

export interface RolePermission {
  name: string;
  isInherited: boolean;
}

/** Every permission of a role: the inherited ones first (catalog order), then the ones it adds. */
export function permissionsOf(role: Pick<CustomRole, "inherited_from" | "permissions">): RolePermission[] {
  const inherited = CATALOG.inherited[role.inherited_from as Inheritable] ?? [];
  const own = (JSON.parse(role.permissions) as string[]).filter((p) => !inherited.includes(p));
  const order = (names: string[]) => CATALOG.permissions.map((p) => p.name).filter((n) => names.includes(n));
  return [...order(inherited).map((name) => ({ name, isInherited: true })), ...order(own).map((name) => ({ name, isInherited: false }))];
}

function clean(input: RoleInput): { name: string; description: string | null; inherited_from: Inheritable; permissions: string; external_id?: string | null } {
  if (typeof input.name !== "string" || !input.name.trim()) throw invalid('"name" must not be empty');
  if (input.name.length > 128) throw invalid('"name" must be at most 128 characters');
  const reserved = [...TEAM_ROLES, ...ORG_ROLES] as readonly string[];
  if (reserved.includes(input.name.trim().toLowerCase()))
    throw invalid(`"name" cannot be a predefined role name (${[...new Set(reserved)].join(", ")})`);
  if (input.description !== null && typeof input.description !== "string") throw invalid('"description" must be a string');
  const from = typeof input.inheritedFrom === "string" ? input.inheritedFrom.trim().toLowerCase() : "";
  if (!(INHERITABLE as readonly string[]).includes(from))
    throw invalidField("inheritedFrom", `must be one of ${INHERITABLE.join(", ")}; got ${JSON.stringify(input.inheritedFrom)}`, `Choose the role it builds on: ${INHERITABLE.join(" or ")}.`);
  if (!Array.isArray(input.permissions)) throw invalid('"permissions" must be an array');
  const unknown = input.permissions.filter((p) => typeof p !== "string" || !KNOWN.has(p));
  if (unknown.length)
    throw invalid(`unknown permission${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => JSON.stringify(u)).join(", ")}; known permissions: ${[...KNOWN].join(", ")}`);
  const inherited = CATALOG.inherited[from as Inheritable];
  const own = [...new Set(input.permissions)].filter((p) => !inherited.includes(p));
  if (input.externalId !== undefined && input.externalId !== null && typeof input.externalId !== "string") throw invalid('"externalId" must be a string');
  return {
    name: input.name, description: input.description ?? null, inherited_from: from as Inheritable, permissions: JSON.stringify(own),
    ...(input.externalId !== undefined ? { external_id: input.externalId } : {}),
  };
}

const nameTaken = (name: string) => conflict(`a role named ${JSON.stringify(name)} already exists in this organization`);

async function assertNameFree(trx: Db, orgId: string, name: string, exceptId?: string): Promise<void> {
  let q = trx.selectFrom("custom_roles").select("id").where("org_id", "=", orgId).where("name", "=", name);
  if (exceptId) q = q.where("id", "<>", exceptId);
  if (await q.executeTakeFirst()) throw nameTaken(name);
}

export async function findRole(db: Db, orgId: string, id: string): Promise<CustomRole | undefined> {
  return db.selectFrom("custom_roles").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
}

export async function getRole(db: Db, orgId: string, id: string): Promise<CustomRole> {
  const r = await findRole(db, orgId, id);
  if (!r) throw notFound("This role does not exist (it may have been deleted).");
  return r;
}

export async function listRoles(db: Db, orgId: string): Promise<CustomRole[]> {
  return db.selectFrom("custom_roles").selectAll().where("org_id", "=", orgId).orderBy("name").orderBy("id").execute();
}

/** How many team memberships hold each role. */
export async function holderCounts(db: Db, orgId: string): Promise<Map<string, number>> {
  const rows = await db.selectFrom("team_members").select(["custom_role_id", (eb) => eb.fn.countAll().as("n")])
    .where("org_id", "=", orgId).where("custom_role_id", "is not", null).groupBy("custom_role_id").execute();
  return new Map(rows.map((r) => [r.custom_role_id!, Number(r.n)]));
}

export async function createRole(db: Db, orgId: string, input: RoleInput, actor: Actor): Promise<CustomRole> {
  const fields = clean(input);
  try {
    return await db.transaction().execute(async (trx) => {
      requireEnterprise(await getOrg(trx, orgId), "custom roles");
      await assertNameFree(trx, orgId, fields.name);
      const t = now();
      const role: CustomRole = { id: crypto.randomUUID(), org_id: orgId, external_id: null, ...fields, revision: 1, created_at: t, updated_at: t };
      await trx.insertInto("custom_roles").values(role).execute();
      await recordAudit(trx, { orgId, actor, action: "role.create", targetType: "role", targetId: role.id, detail: { after: { name: role.name, inheritedFrom: role.inherited_from, permissions: JSON.parse(role.permissions) } } });
      return role;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(fields.name);
    throw err;
  }
}

/** Updates a role in one transaction; `build` sees the locked current row (PATCH is read-modify-write). */
export async function updateRole(
  db: Db, orgId: string, id: string, build: (current: CustomRole) => RoleInput, actor: Actor, expectedRevision?: ExpectedRevision,
): Promise<CustomRole> {
  let name = "";
  try {
    return await db.transaction().execute(async (trx) => {
      requireEnterprise(await getOrg(trx, orgId), "custom roles");
      const current = await lockForUpdate(trx, "custom_roles", orgId, id, now(), expectedRevision);
      await racePoint("role.update.locked");
      const fields = clean(build(current));
      name = fields.name;
      await assertNameFree(trx, orgId, fields.name, id);
      await trx.updateTable("custom_roles").set(fields).where("id", "=", id).execute();
      const after = await trx.selectFrom("custom_roles").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
      const view = (r: CustomRole) => ({ name: r.name, description: r.description, inheritedFrom: r.inherited_from, permissions: JSON.parse(r.permissions), externalId: r.external_id });
      await recordAudit(trx, { orgId, actor, action: "role.update", targetType: "role", targetId: id, detail: { before: view(current), after: view(after) } });
      return after;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw nameTaken(name);
    throw lostRace(err, "the Role");
  }
}

/**
 * Deletes a role. Its holders drop back to the inherited role (member → team role
 * "member", viewer → "view-only"), in the same transaction; their revisions move
 * because their teamRoles changed.
 */
export async function deleteRole(db: Db, orgId: string, id: string, actor: Actor, expectedRevision?: ExpectedRevision): Promise<{ holders: number }> {
  return db.transaction().execute(async (trx) => {
    const current = await lockForUpdate(trx, "custom_roles", orgId, id, now(), expectedRevision);
    await racePoint("role.delete.locked");
    const fallback = FALLBACK_TEAM_ROLE[current.inherited_from as Inheritable] ?? "member";
    // The holders' member rows are locked before their memberships change, the order every writer uses.
    const holders = await trx.selectFrom("team_members").select("member_id").where("org_id", "=", orgId).where("custom_role_id", "=", id).execute();
    await lockExisting(trx, "members", orgId, holders.map((h) => h.member_id));
    const held = await replaceCustomRole(trx, orgId, id, fallback);
    await trx.deleteFrom("custom_roles").where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "role.delete", targetType: "role", targetId: id, detail: { name: current.name, holders: held.length, fallback } });
    return { holders: held.length };
  }).catch((err: unknown) => { throw lostRace(err, "the Role"); });
}
