/**
 * Evaluates a parsed filter against one JSON resource in memory — for PATCH
 * value filters such as `emails[type eq "work"]`, where the SQL compiler does
 * not apply. Semantics follow RFC 7644 §3.4.2.2:
 * - attribute names match case-insensitively; a schema URN prefix selects the
 *   extension object of that name when the resource has one, else the top level;
 * - a multi-valued attribute matches when any of its values matches; a complex
 *   value compared without a sub-attribute is compared by its `value`;
 * - strings compare case-insensitively unless `caseExact(path)` says otherwise,
 *   where `path` is lower-cased and dotted without the URN (`"emails.value"`,
 *   also inside `emails[...]`); dateTimes compare as strings;
 * - `ne` is "not eq" (true when absent); `eq null` is "not pr", `ne null` is "pr";
 * - `pr`: present and not null, "", [] or an object with nothing present.
 *
 * @example
 * const f = parseFilter('type eq "work"');
 * if (f.ok) matches(f.value, { type: "Work", value: "a@b" }, () => false); // true
 */
import type { AttrPath, CompareOp, FilterNode, Literal } from "./ast.ts";

type Json = Record<string, unknown>;

export function matches(node: FilterNode, resource: Record<string, unknown>, caseExact: (path: string) => boolean): boolean {
  return evaluate(node, resource, "", caseExact);
}

function evaluate(node: FilterNode, obj: Json, prefix: string, caseExact: (path: string) => boolean): boolean {
  switch (node.kind) {
    case "and":
      return evaluate(node.left, obj, prefix, caseExact) && evaluate(node.right, obj, prefix, caseExact);
    case "or":
      return evaluate(node.left, obj, prefix, caseExact) || evaluate(node.right, obj, prefix, caseExact);
    case "not":
      return !evaluate(node.expr, obj, prefix, caseExact);
    case "present":
      return valuesAt(obj, node.path).some(isPresent);
    case "compare": {
      const values = valuesAt(obj, node.path).map((v) => (isObject(v) && node.path.sub === undefined ? get(v, "value") : v));
      if (node.value === null) {
        const present = values.some(isPresent);
        return node.op === "eq" ? !present : node.op === "ne" ? present : false;
      }
      const exact = caseExact(prefix + pathKey(node.path));
      if (node.op === "ne") return !values.some((v) => compare(v, "eq", node.value, exact));
      return values.some((v) => compare(v, node.op, node.value, exact));
    }
    case "valuePath": {
      const inner = `${prefix}${pathKey(node.path)}.`;
      return valuesAt(obj, node.path).some((v) => isObject(v) && evaluate(node.filter, v, inner, caseExact));
    }
  }
}

function pathKey(path: AttrPath): string {
  return (path.sub === undefined ? path.attr : `${path.attr}.${path.sub}`).toLowerCase();
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Own property by case-insensitive name. */
function get(obj: Json, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(obj)) if (key.toLowerCase() === lower) return obj[key];
  return undefined;
}

function flatten(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** All values at `path`, multi-valued attributes spread out. */
function valuesAt(obj: Json, path: AttrPath): unknown[] {
  let base = obj;
  if (path.uri !== undefined) {
    const ext = get(obj, path.uri);
    if (isObject(ext)) base = ext;
  }
  const values = flatten(get(base, path.attr));
  if (path.sub === undefined) return values;
  const sub = path.sub;
  return values.flatMap((v) => (isObject(v) ? flatten(get(v, sub)) : []));
}

function isPresent(v: unknown): boolean {
  if (v === undefined || v === null || v === "") return false;
  if (Array.isArray(v)) return v.some(isPresent);
  if (isObject(v)) return Object.values(v).some(isPresent);
  return true;
}

function compare(v: unknown, op: CompareOp, lit: Literal, exact: boolean): boolean {
  if (typeof lit === "boolean") return typeof v === "boolean" && op === "eq" && v === lit;
  if (typeof lit === "number") {
    if (typeof v !== "number") return false;
    return ordered(v, lit, op);
  }
  if (typeof lit !== "string" || typeof v !== "string") return false;
  const a = exact ? v : v.toLowerCase();
  const b = exact ? lit : lit.toLowerCase();
  if (op === "co") return a.includes(b);
  if (op === "sw") return a.startsWith(b);
  if (op === "ew") return a.endsWith(b);
  return ordered(a, b, op);
}

function ordered<T extends string | number>(a: T, b: T, op: CompareOp): boolean {
  switch (op) {
    case "eq": return a === b;
    case "gt": return a > b;
    case "ge": return a >= b;
    case "lt": return a < b;
    case "le": return a <= b;
    default: return false;
  }
}
