/**
 * PATCH targets: the attribute definitions a PATCH may name (schema types, COMMON attributes,
 * the User/Group views) and resolution of a path to its definition and the object holding it.
 */
import type { FilterNode } from "../filter/ast.ts";
import { parsePatchPath } from "../filter/parse.ts";
import { GROUP_SHAPE, USER_SHAPE, type ResourceShape } from "../schemas.ts";
import { fail, findDef, getAttr, isObj, lc, setAttr, type Obj } from "./values.ts";

/** The subset of an RFC 7643 §7 attribute definition that PATCH needs, so /Schemas definitions fit as they are. */
export interface PatchAttribute {
  name: string;
  /** "string" | "boolean" | "complex" | "reference" | "dateTime" | "integer" | "decimal" | "binary" */
  type: string;
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  /** "readWrite" (default) | "readOnly" | "immutable" | "writeOnly" */
  mutability?: string;
  subAttributes?: PatchAttribute[];
}
export interface PatchSchemaPart { id: string; attributes: PatchAttribute[] }
/** A resource type: core schema plus extensions. The common attributes (id, externalId, meta, schemas) are implied. */
export interface PatchSchema { core: PatchSchemaPart; extensions: PatchSchemaPart[] }

// Compact builders: the definitions below read like the RFC tables.
const str = (name: string, x: Partial<PatchAttribute> = {}): PatchAttribute => ({ name, type: "string", ...x });
const cx = (name: string, subAttributes: PatchAttribute[], x: Partial<PatchAttribute> = {}): PatchAttribute =>
  ({ name, type: "complex", subAttributes, ...x });
const ro = (a: PatchAttribute): PatchAttribute => ({ ...a, mutability: "readOnly" });

export const COMMON: PatchAttribute[] = [
  str("id", { mutability: "readOnly", caseExact: true }),
  str("externalId", { caseExact: true }),
  cx("meta", ["resourceType", "created", "lastModified", "location", "version"].map((n) => ro(str(n))), { mutability: "readOnly" }),
  // Not patchable; clients that echo it in a path-less value are tolerated (see writeObject).
  str("schemas", { multiValued: true, mutability: "readOnly", caseExact: true }),
];

/** The PATCH view of a resource type, from the same definitions that /Schemas serves (one source). */
const fromShape = (shape: ResourceShape): PatchSchema => ({
  core: { id: shape.core.id, attributes: shape.core.attributes as PatchAttribute[] },
  extensions: shape.extensions.map((e) => ({ id: e.id, attributes: e.attributes as PatchAttribute[] })),
});

export const USER_PATCH_SCHEMA: PatchSchema = fromShape(USER_SHAPE);
export const GROUP_PATCH_SCHEMA: PatchSchema = fromShape(GROUP_SHAPE);

export type Target =
  | { kind: "schema"; part: PatchSchemaPart; core: boolean }
  | { kind: "attr"; part: PatchSchemaPart; core: boolean; def: PatchAttribute; filter?: FilterNode; sub?: PatchAttribute };
export interface Ctx { schema: PatchSchema; coreAttrs: PatchAttribute[] }

/** Resolves a PATCH path (schema URN, attribute, filter, sub-attribute) against the resource's definitions. */
export function resolve(path: string, ctx: Ctx): Target {
  const parts = [{ part: { ...ctx.schema.core, attributes: ctx.coreAttrs }, core: true }, ...ctx.schema.extensions.map((part) => ({ part, core: false }))]
    .sort((a, b) => b.part.id.length - a.part.id.length);
  let rest = path;
  let at = parts.find((p) => lc(p.part.id) === lc(path));
  if (at) return { kind: "schema", ...at };
  at = parts.find((p) => lc(path).startsWith(`${lc(p.part.id)}:`));
  if (at) rest = path.slice(at.part.id.length + 1);
  else if (lc(path).startsWith("urn:")) fail("invalidPath", `"${path}" does not name a schema of this resource`);
  const { part, core } = at ?? parts.find((p) => p.core)!;
  const parsed = parsePatchPath(rest);
  if (!parsed.ok) return fail("invalidPath", parsed.error.detail);
  const { path: ap, filter } = parsed.value;
  const subName = parsed.value.sub ?? ap.sub;
  if (ap.uri) fail("invalidPath", `"${path}" does not name a schema of this resource`);
  const def = findDef(part.attributes, ap.attr) ?? fail("invalidPath", `unknown attribute "${ap.attr}" in "${path}"`);
  if (filter && !(def.multiValued && def.type === "complex")) fail("invalidPath", `"${def.name}" is not multi-valued; it takes no filter`);
  let sub: PatchAttribute | undefined;
  if (subName !== undefined) {
    if (def.type !== "complex") fail("invalidPath", `"${def.name}" has no sub-attributes`);
    sub = findDef(def.subAttributes, subName) ?? fail("invalidPath", `unknown sub-attribute "${def.name}.${subName}"`);
  }
  return { kind: "attr", part, core, def, filter, sub };
}

/** The object holding the target's attributes: the resource, or its extension object (created on write). */
export function boxOf(res: Obj, t: Target, create: boolean): Obj | undefined {
  if (t.core) return res;
  const ext = getAttr(res, t.part.id);
  if (isObj(ext)) { setAttr(res, t.part.id, ext); return ext; }
  if (!create) return undefined;
  res[t.part.id] = {};
  return res[t.part.id];
}
