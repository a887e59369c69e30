/**
 * SCIM PATCH (RFC 7644 §3.5.2) applied in memory to one resource representation.
 * Atomic: every operation runs on a deep copy; the first error discards the copy.
 * Group `members` must be split off first (members.ts): they are applied in SQL.
 *
 * @example
 * const r = applyPatch(user, [{ op: "replace", path: "name.givenName", value: "Ann" }], USER_PATCH_SCHEMA);
 * if (r.ok) save(r.value); else reply400(r.error.scimType, r.error.detail);
 */
import type { Json } from "../json.ts";
import type { FilterNode, Result } from "../filter/ast.ts";
import { matches } from "../filter/evaluate.ts";
import { boxOf, COMMON, resolve, type Ctx, type PatchAttribute, type PatchSchema, type Target } from "./targets.ts";
import {
  caseEq, caseExactFor, checkValue, contains, deepEqual, fail, findDef, getAttr, isObj, keyOf, lc, mergeInto,
  PatchError, setAttr, settlePrimary, stripNulls, type Obj,
} from "./values.ts";

export { GROUP_PATCH_SCHEMA, USER_PATCH_SCHEMA, type PatchAttribute, type PatchSchema, type PatchSchemaPart } from "./targets.ts";

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
    if (lc(k) === "schemas") continue; // clients echo it (also inside an extension's value: scim2-client); the engine maintains it
    const t = resolve(within.core ? k : `${within.part.id}:${k}`, ctx);
    guarded(res, t, () => write(res, ctx, t, op, v));
  }
}

/** `byPath`: the operation's own path names this attribute (not a key of a path-less value). */
function write(res: Obj, ctx: Ctx, t: Target, op: string, value: unknown, byPath = false) {
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
  // The interop profile: `replace` with the complex attribute as its path replaces it whole.
  if (isObj(v) && def.type === "complex" && op === "replace" && byPath && !sub) return setAttr(box, def.name, stripNulls(v));
  // Otherwise a complex single value is merged (RFC 7644 §3.5.2.1, §3.5.2.3; path-less values, as Entra sends them).
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
  // A value filter must select something (RFC 7644 §3.5.2.2 noTarget): a silent no-op is never a success.
  const noMatch = () => fail("noTarget", `no value of ${def.name} matches the filter: nothing to remove`);
  if (!box || cur === undefined) return filter ? noMatch() : undefined; // already absent: remove is idempotent
  if (filter || (sub && def.multiValued)) {
    const list: Obj[] = Array.isArray(cur) ? cur : [];
    const hits = filter ? list.filter((e) => isObj(e) && matches(filter, e, caseExactFor(def))) : list;
    if (filter && hits.length === 0) return noMatch();
    if (sub) for (const e of hits) setAttr(e, sub.name, undefined);
    return setAttr(box, def.name, list.filter((e) => !(filter && !sub && hits.includes(e)) && Object.keys(e).length > 0));
  }
  if (sub) {
    if (isObj(cur)) setAttr(cur, sub.name, undefined);
    return setAttr(box, def.name, isObj(cur) ? cur : undefined);
  }
  if (def.multiValued && Array.isArray(value) && value.length > 0 && Array.isArray(cur)) {
    // Entra removes listed values (`remove members` with `value: [{value}]`): drop values matching by `value`.
    const drop = value.map((v) => stripNulls(checkValue(def, v)));
    const same = (e: unknown, d: unknown) => isObj(e) && isObj(d) && "value" in d ? caseEq(def, getAttr(e, "value"), d.value) : contains(e, d);
    return setAttr(box, def.name, cur.filter((e) => !drop.some((d) => same(e, d))));
  }
  setAttr(box, def.name, undefined);
}

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
  guarded(res, t, () => (op === "remove" ? remove(res, t, value) : write(res, ctx, t, op, value, true)));
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
export function applyPatch(resource: Json, operations: unknown, schema: PatchSchema): Result<Json> {
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
