/**
 * PATCH values: errors, case-insensitive attribute access, and checking, comparing and merging values.
 */
import type { PatchAttribute } from "./targets.ts";
import type { Json } from "../json.ts";

export type Obj = Json;

/** Internal to the patch engine: unwinds deep helpers; applyPatch turns it into a Result. */
export class PatchError extends Error {
  constructor(readonly scimType: string, detail: string) { super(detail); }
}
export const fail = (scimType: string, detail: string): never => { throw new PatchError(scimType, detail); };

export const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
export const lc = (s: string) => s.toLowerCase();
export const keyOf = (o: Obj, name: string) => Object.keys(o).find((k) => lc(k) === lc(name));
export const getAttr = (o: Obj, name: string) => { const k = keyOf(o, name); return k === undefined ? undefined : o[k]; };
/** The definition named `name` (case-insensitive) among `defs`. */
export const findDef = (defs: PatchAttribute[] | undefined, name: string) => defs?.find((d) => lc(d.name) === lc(name));
/** Writes under the schema's spelling, dropping the client's variants; undefined deletes. */
export function setAttr(o: Obj, name: string, v: unknown) {
  for (const k of Object.keys(o)) if (lc(k) === lc(name) && k !== name) delete o[k];
  if (v === undefined || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0)) delete o[name];
  else o[name] = v;
}
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (!isObj(a) || !isObj(b)) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], getAttr(b, k)));
}
/** `incoming` adds nothing to `existing` (RFC 7644 §3.5.2.1: no change if the value is already there). */
export const contains = (existing: unknown, incoming: unknown) =>
  deepEqual(existing, incoming) ||
  (isObj(existing) && isObj(incoming) && Object.keys(incoming).every((k) => deepEqual(getAttr(existing, k), incoming[k])));
const isPrimary = (v: unknown) => isObj(v) && v.primary === true;

/** Type-checks a value and canonicalises complex keys. null stays null (= unassign) so merges can delete. */
export function checkValue(def: PatchAttribute, v: unknown, parent?: PatchAttribute): unknown {
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
export const stripNulls = (v: unknown) => (isObj(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null)) : v);
export const mergeInto = (target: Obj, patch: Obj) => { for (const [k, x] of Object.entries(patch)) setAttr(target, k, x === null ? undefined : x); };
/** One multi-valued value with primary=true: a new primary demotes the others; two new ones are an error. */
export function settlePrimary(list: unknown[], written: unknown[], def: PatchAttribute) {
  const winners = written.filter(isPrimary);
  if (winners.length > 1) fail("invalidValue", `only one value of ${def.name} may be primary`);
  if (winners.length === 1) for (const e of list) if (e !== winners[0] && isPrimary(e)) (e as Obj).primary = false;
}
export const caseExactFor = (def: PatchAttribute) => (path: string) => findDef(def.subAttributes, path.split(/[.:]/).pop() ?? "")?.caseExact ?? false;
export const caseEq = (def: PatchAttribute, a: unknown, b: unknown) =>
  typeof a === "string" && typeof b === "string" && !findDef(def.subAttributes, "value")?.caseExact ? lc(a) === lc(b) : a === b;
