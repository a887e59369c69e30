/**
 * SCIM PATCH (RFC 7644 §3.5.2) applied in memory to one resource representation.
 * Atomic: every operation runs on a deep copy; the first error discards the copy.
 * Group `members` must be split off first (members.ts): they are applied in SQL.
 *
 * @example
 * const r = applyPatch(user, [{ op: "replace", path: "name.givenName", value: "Ann" }], USER_PATCH_SCHEMA);
 * if (r.ok) save(r.value); else reply400(r.error.scimType, r.error.detail);
 */
import type { FilterNode, Result } from "../filter/ast.ts";
import { parsePatchPath } from "../filter/parse.ts";
import { matches } from "../filter/evaluate.ts";
import { GROUP_SHAPE, USER_SHAPE, type ResourceShape } from "../schemas.ts";

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

const COMMON: PatchAttribute[] = [
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

type Obj = Record<string, any>;
type Target =
  | { kind: "schema"; part: PatchSchemaPart; core: boolean }
  | { kind: "attr"; part: PatchSchemaPart; core: boolean; def: PatchAttribute; filter?: FilterNode; sub?: PatchAttribute };
interface Ctx { schema: PatchSchema; coreAttrs: PatchAttribute[] }

/** Internal only: unwinds deep helpers; applyPatch turns it into a Result. */
class PatchError extends Error {
  constructor(readonly scimType: string, detail: string) { super(detail); }
}
const fail = (scimType: string, detail: string): never => { throw new PatchError(scimType, detail); };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const lc = (s: string) => s.toLowerCase();
const keyOf = (o: Obj, name: string) => Object.keys(o).find((k) => lc(k) === lc(name));
const getAttr = (o: Obj, name: string) => { const k = keyOf(o, name); return k === undefined ? undefined : o[k]; };
const findDef = (defs: PatchAttribute[] | undefined, name: string) => defs?.find((d) => lc(d.name) === lc(name));
/** Writes under the schema's spelling, dropping the client's variants; undefined deletes. */
function setAttr(o: Obj, name: string, v: unknown) {
  for (const k of Object.keys(o)) if (lc(k) === lc(name) && k !== name) delete o[k];
  if (v === undefined || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0)) delete o[name];
  else o[name] = v;
}
function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (!isObj(a) || !isObj(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], getAttr(b, k)));
}
/** `incoming` adds nothing to `existing` (RFC 7644 §3.5.2.1: no change if the value is already there). */
const contains = (existing: unknown, incoming: unknown) =>
  deepEqual(existing, incoming) ||
  (isObj(existing) && isObj(incoming) && Object.keys(incoming).every((k) => deepEqual(getAttr(existing, k), incoming[k])));
const isPrimary = (v: unknown) => isObj(v) && v.primary === true;

/** Type-checks a value and canonicalises complex keys. null stays null (= unassign) so merges can delete. */
function checkValue(def: PatchAttribute, v: unknown, parent?: PatchAttribute): unknown {
  if (v === null) return null;
  const where = parent ? `${parent.name}.${def.name}` : def.name;
  const want = (ok: boolean, what: string) => ok || fail("invalidValue", `${where} must be ${what}, got ${JSON.stringify(v)}`);
  switch (def.type) {
    case "boolean": want(typeof v === "boolean", "a boolean"); return v;
    case "integer": want(Number.isInteger(v), "an integer"); return v;
    case "decimal": want(typeof v === "number", "a number"); return v;
    case "complex": {
      want(isObj(v), "an object");
      const out: Obj = {};
      for (const [k, x] of Object.entries(v as Obj)) {
        const sd = findDef(def.subAttributes, k) ?? fail("invalidValue", `${def.name} has no sub-attribute "${k}"`);
        // Server-managed sub-attributes (manager.displayName) are ignored, as in PUT.
        if (sd.mutability === "readOnly" && def.mutability !== "readOnly") continue;
        out[sd.name] = checkValue(sd, x, def);
      }
      return out;
    }
    default: want(typeof v === "string", "a string"); return v;
  }
}
const stripNulls = (v: unknown) => (isObj(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null)) : v);
const mergeInto = (target: Obj, patch: Obj) => { for (const [k, x] of Object.entries(patch)) setAttr(target, k, x === null ? undefined : x); };
/** One multi-valued value with primary=true: a new primary demotes the others; two new ones are an error. */
function settlePrimary(list: unknown[], written: unknown[], def: PatchAttribute) {
  const winners = written.filter(isPrimary);
  if (winners.length > 1) fail("invalidValue", `only one value of ${def.name} may be primary`);
  if (winners.length === 1) for (const e of list) if (e !== winners[0] && isPrimary(e)) (e as Obj).primary = false;
}
const caseExactFor = (def: PatchAttribute) => (path: string) => findDef(def.subAttributes, path.split(/[.:]/).pop() ?? "")?.caseExact ?? false;

function resolve(path: string, ctx: Ctx): Target {
  const parts = [{ part: { ...ctx.schema.core, attributes: ctx.coreAttrs }, core: true }, ...ctx.schema.extensions.map((part) => ({ part, core: false }))]
    .sort((a, b) => b.part.id.length - a.part.id.length);
  let rest = path;
  let at = parts.find((p) => lc(p.part.id) === lc(path));
  if (at) return { kind: "schema", ...at };
  at = parts.find((p) => lc(path).startsWith(lc(p.part.id) + ":"));
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
function boxOf(res: Obj, t: Target, create: boolean): Obj | undefined {
  if (t.core) return res;
  const ext = getAttr(res, t.part.id);
  if (isObj(ext)) { setAttr(res, t.part.id, ext); return ext; }
  if (!create) return undefined;
  res[t.part.id] = {};
  return res[t.part.id];
}

/** Mutability (RFC 7643 §2.2): readOnly may only be "set" to what it is; immutable only when unassigned. */
function guarded(res: Obj, t: Target, run: () => void) {
  if (t.kind !== "attr") return run();
  const mut = t.def.mutability === "readOnly" || t.sub?.mutability === "readOnly" ? "readOnly" : t.def.mutability;
  if (mut !== "readOnly" && mut !== "immutable") return run();
  const read = () => { const box = boxOf(res, t, false); return box && structuredClone(getAttr(box, t.def.name)); };
  const before = read();
  run();
  if ((mut === "readOnly" || before !== undefined) && !deepEqual(before, read())) fail("mutability", `${t.def.name} is ${mut}`);
}

/** add/replace of an object of attributes: path-less, or a path naming a whole schema. */
function writeObject(res: Obj, ctx: Ctx, op: string, value: Obj, within: Target & { kind: "schema" }) {
  for (const [k, v] of Object.entries(value)) {
    if (within.core && lc(k) === "schemas") continue; // clients echo it; the engine maintains it
    const t = resolve(within.core ? k : `${within.part.id}:${k}`, ctx);
    guarded(res, t, () => write(res, ctx, t, op, v));
  }
}

function write(res: Obj, ctx: Ctx, t: Target, op: string, value: unknown) {
  if (t.kind === "schema") {
    if (value === null && !t.core && op === "replace") return void setAttr(res, t.part.id, undefined);
    return writeObject(res, ctx, op, isObj(value) ? value : fail("invalidValue", `${t.part.id} takes an object value`), t);
  }
  const { def, sub, filter } = t;
  const box = boxOf(res, t, true)!;
  const cur = getAttr(box, def.name);
  if (filter) return writeFiltered(box, t, op, value);
  if (sub) {
    const v = checkValue(sub, value, def);
    if (!def.multiValued) { const o = isObj(cur) ? cur : {}; setAttr(o, sub.name, v ?? undefined); return setAttr(box, def.name, o); }
    const list: Obj[] = Array.isArray(cur) ? cur : [];
    if (list.length === 0 && v !== null) list.push({ [sub.name]: v });
    else for (const e of list) setAttr(e, sub.name, v ?? undefined);
    if (sub.name === "primary") settlePrimary(list, list, def);
    return setAttr(box, def.name, list.filter((e) => Object.keys(e).length > 0));
  }
  if (value === null) return op === "add" ? fail("invalidValue", `add needs a value for ${def.name}`) : setAttr(box, def.name, undefined);
  if (def.multiValued) {
    const incoming = (Array.isArray(value) ? value : [value]).map((v) => stripNulls(checkValue(def, v))).filter((v) => v !== null && !(isObj(v) && Object.keys(v).length === 0));
    if (op === "replace") { settlePrimary(incoming, incoming, def); return setAttr(box, def.name, incoming); }
    const list: unknown[] = Array.isArray(cur) ? cur : cur === undefined ? [] : [cur];
    const added = incoming.filter((v) => !list.some((e) => contains(e, v)));
    list.push(...added);
    settlePrimary(list, added, def);
    return setAttr(box, def.name, list);
  }
  const v = checkValue(def, value);
  // A complex single value is merged for add and replace alike (RFC 7644 §3.5.2.1, §3.5.2.3).
  if (isObj(v) && def.type === "complex") { const target = isObj(cur) ? cur : {}; mergeInto(target, v); return setAttr(box, def.name, target); }
  setAttr(box, def.name, v);
}

function writeFiltered(box: Obj, t: Target & { kind: "attr" }, op: string, value: unknown) {
  const { def, sub, filter } = t;
  const list: Obj[] = Array.isArray(getAttr(box, def.name)) ? getAttr(box, def.name) : [];
  const hits = list.filter((e) => isObj(e) && matches(filter!, e, caseExactFor(def)));
  const patch = sub ? checkValue(sub, value, def) : checkValue(def, value);
  if (patch === null && !sub) fail("invalidValue", `use remove to delete values of ${def.name}`);
  if (hits.length === 0) {
    // RFC 7644 §3.5.2.3: a filtered replace that matches nothing is noTarget. An add creates the value
    // the filter describes (Entra sends `add emails[type eq "work"].value` for a new work e-mail).
    const seed = op === "add" ? seedOf(filter!, def) : undefined;
    if (!seed) fail("noTarget", `no value of ${def.name} matches the filter`);
    const item = stripNulls(sub ? { ...seed, [sub.name]: patch } : { ...seed, ...(patch as Obj) }) as Obj;
    list.push(item);
    settlePrimary(list, [item], def);
    return setAttr(box, def.name, list);
  }
  const written: Obj[] = [];
  for (const e of hits) {
    const at = list.indexOf(e);
    if (sub) setAttr(e, sub.name, patch ?? undefined);
    else if (op === "replace") list[at] = stripNulls(patch) as Obj; // matching records are replaced (§3.5.2.3)
    else mergeInto(e, patch as Obj);
    written.push(list[at]);
  }
  settlePrimary(list, written, def);
  setAttr(box, def.name, list.filter((e) => Object.keys(e).length > 0));
}

/** The value an equality filter describes: `type eq "work" and primary eq true` → {type:"work", primary:true}. */
function seedOf(f: FilterNode, def: PatchAttribute): Obj | undefined {
  if (f.kind === "and") { const l = seedOf(f.left, def), r = seedOf(f.right, def); return l && r ? { ...l, ...r } : undefined; }
  if (f.kind !== "compare" || f.op !== "eq" || f.path.sub || f.path.uri) return undefined;
  const sd = findDef(def.subAttributes, f.path.attr);
  if (!sd || sd.mutability === "readOnly") return undefined;
  try { return { [sd.name]: checkValue(sd, f.value, def) }; } catch { return undefined; }
}

function remove(res: Obj, t: Target, value: unknown) {
  if (t.kind === "schema") return t.core ? fail("noTarget", "remove needs an attribute path") : setAttr(res, t.part.id, undefined);
  const { def, sub, filter } = t;
  const box = boxOf(res, t, false);
  const cur = box && getAttr(box, def.name);
  if (!box || cur === undefined) return; // already absent: remove is idempotent
  if (filter || (sub && def.multiValued)) {
    const list: Obj[] = Array.isArray(cur) ? cur : [];
    const hits = filter ? list.filter((e) => isObj(e) && matches(filter, e, caseExactFor(def))) : list;
    if (sub) for (const e of hits) setAttr(e, sub.name, undefined);
    return setAttr(box, def.name, list.filter((e) => !(filter && !sub && hits.includes(e)) && Object.keys(e).length > 0));
  }
  if (sub) return setAttr(box, def.name, isObj(cur) ? (setAttr(cur, sub.name, undefined), cur) : undefined);
  if (def.multiValued && Array.isArray(value) && value.length > 0 && Array.isArray(cur)) {
    // Entra removes listed values (`remove members` with `value: [{value}]`): drop values matching by `value`.
    const drop = value.map((v) => stripNulls(checkValue(def, v)));
    const same = (e: unknown, d: unknown) => isObj(e) && isObj(d) && "value" in d ? caseEq(def, getAttr(e, "value"), d.value) : contains(e, d);
    return setAttr(box, def.name, cur.filter((e) => !drop.some((d) => same(e, d))));
  }
  setAttr(box, def.name, undefined);
}
const caseEq = (def: PatchAttribute, a: unknown, b: unknown) =>
  typeof a === "string" && typeof b === "string" && !findDef(def.subAttributes, "value")?.caseExact ? lc(a) === lc(b) : a === b;

function applyOne(res: Obj, raw: unknown, ctx: Ctx) {
  if (!isObj(raw)) return fail("invalidSyntax", "an operation must be an object");
  const opRaw = getAttr(raw, "op");
  const op = typeof opRaw === "string" ? lc(opRaw) : undefined; // "Replace" (Entra) is tolerated here too
  if (op !== "add" && op !== "remove" && op !== "replace") return fail("invalidSyntax", `op must be add, remove or replace, got ${JSON.stringify(opRaw)}`);
  const path = getAttr(raw, "path");
  const hasValue = keyOf(raw, "value") !== undefined;
  const value = getAttr(raw, "value");
  if (path === undefined || path === null || path === "") {
    if (op === "remove") return fail("noTarget", "remove needs a path");
    if (!isObj(value)) return fail("invalidValue", `${op} without a path needs an object of attributes as value`);
    return writeObject(res, ctx, op, value, { kind: "schema", part: ctx.schema.core, core: true });
  }
  if (typeof path !== "string") return fail("invalidPath", "path must be a string");
  const t = resolve(path, ctx);
  if (op !== "remove" && !hasValue) return fail("invalidValue", `${op} needs a value`);
  guarded(res, t, () => (op === "remove" ? remove(res, t, value) : write(res, ctx, t, op, value)));
}

/** Keeps `schemas` in step with the extension objects present; drops emptied extensions. */
function syncExtensions(res: Obj, schema: PatchSchema) {
  for (const { id } of schema.extensions) {
    const ext = getAttr(res, id);
    const present = isObj(ext) && Object.keys(ext).length > 0;
    if (!present) setAttr(res, id, undefined);
    if (!Array.isArray(res.schemas)) continue;
    const listed = res.schemas.some((s: unknown) => typeof s === "string" && lc(s) === lc(id));
    if (present && !listed) res.schemas.push(id);
    if (!present && listed) res.schemas = res.schemas.filter((s: unknown) => !(typeof s === "string" && lc(s) === lc(id)));
  }
}

/**
 * Applies RFC 7644 PATCH `operations` (the request's `Operations` array) to a copy of `resource`.
 * All or nothing: on error the input is untouched and nothing is returned but the error.
 */
export function applyPatch(resource: Record<string, any>, operations: unknown, schema: PatchSchema): Result<Record<string, any>> {
  if (!Array.isArray(operations) || operations.length === 0)
    return { ok: false, error: { scimType: "invalidSyntax", detail: "Operations must be a non-empty array" } };
  const coreAttrs = [...COMMON.filter((c) => !findDef(schema.core.attributes, c.name)), ...schema.core.attributes];
  const ctx: Ctx = { schema, coreAttrs };
  const out = structuredClone(resource);
  let i = 0;
  try {
    for (; i < operations.length; i++) applyOne(out, operations[i], ctx);
    syncExtensions(out, schema);
    for (const def of coreAttrs.filter((d) => d.required)) {
      const gone = (v: unknown) => v === undefined || v === "";
      if (!gone(getAttr(resource, def.name)) && gone(getAttr(out, def.name)))
        fail("invalidValue", `${def.name} is required and cannot be removed`);
    }
  } catch (e) {
    if (!(e instanceof PatchError)) throw e;
    const where = i < operations.length ? `Operations[${i}]: ` : "";
    return { ok: false, error: { scimType: e.scimType, detail: where + e.message } };
  }
  return { ok: true, value: out };
}
