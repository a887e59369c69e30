/**
 * The SCIM filter compiler (compileFilter, sortExpression and their helpers).
 * The attribute maps live in attributes.ts and are re-exported from here.
 *
 * Compiles a parsed SCIM filter into a kysely `where` expression over a
 * whitelist of attributes (an AttributeMap). Anything not in the whitelist, an
 * operator that does not fit the attribute's type, or a literal of the wrong
 * type is an `invalidFilter` error — never a silent empty result.
 *
 * SQL rules, the same on SQLite and PostgreSQL:
 * - every value is a bound parameter; column names come only from the map;
 * - every comparison is two-valued (a NULL column gives FALSE, never NULL),
 *   so `not (…)` is the exact complement; `ne` is `not eq` (true when absent);
 * - case-insensitive attributes compare a lower-cased key column with the
 *   value lower-cased in JS, or `lower(col)` with `lower(?)` where there is no
 *   key column (both sides folded by the same database function);
 * - co/sw/ew are `LIKE … ESCAPE '\'` with `%`, `_` and `\` escaped (LIKE is
 *   case-sensitive on both databases: SQLite runs with case_sensitive_like);
 * - booleans are 0/1, dateTimes ISO-8601 text normalised by `toISOString()`;
 * - a multi-valued attribute backed by a child table (`emails.value`,
 *   `emails[type eq "work" and value sw "a"]`, `members[value eq "…"]`) becomes
 *   `exists (select 1 from child where child.fk = parent.id and …)`, with all
 *   conditions of one value path on the same child row.
 *
 * @example
 * const f = parseFilter('emails[type eq "work" and value ew "@example.com"]');
 * const c = f.ok ? compileFilter(f.value, USER_ATTRIBUTES) : f;
 * if (c.ok) await db.selectFrom("members as m").select("m.id").where("m.org_id", "=", org).where(c.value).execute();
 */
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from "kysely";
import type { AttrPath, CompareOp, FilterNode, Literal, Result } from "./ast.ts";
import { parseAttrPath } from "./parse.ts";
import type { AttributeMap, AttributeSpec } from "./attributes.ts";

export type { AttributeType, AttributeSpec, ChildTable, AttributeMap } from "./attributes.ts";
export { USER_ATTRIBUTES, GROUP_ATTRIBUTES } from "./attributes.ts";

/** Pass to `.where(…)` of a query over the map's tables (typed or not). */
export type CompiledFilter = <DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>) => Expression<SqlBool>;
/** The tables and columns a filter names come from an AttributeMap at run time, not from the schema type. */
export type DynamicDb = Record<string, Record<string, unknown>>;
type EB = ExpressionBuilder<DynamicDb, string>;
/** A compiled condition over the map's tables, whose names come from the map at run time. */
type Cond = (eb: EB) => Expression<SqlBool>;

class CompileError extends Error {}

/**
 * `orgId`, when given, scopes child-table lookups to the org's own rows, so
 * `emails.value eq …` is an index lookup (org_id, value_key) instead of a probe
 * per member of the org.
 */
export function compileFilter(node: FilterNode, map: AttributeMap, orgId?: string): Result<CompiledFilter> {
  try {
    const cond = compileNode(node, orgId === undefined ? map : { ...map, orgId }, null);
    return { ok: true, value: (eb) => cond(eb as unknown as EB) };
  } catch (e) {
    if (e instanceof CompileError) return { ok: false, error: { scimType: "invalidFilter", detail: e.message } };
    throw e;
  }
}

/**
 * An ORDER BY expression for `sortBy`. Case-insensitive attributes sort by their
 * key column (or `lower(col)`); nullable columns by `coalesce(col, '')` so keyset
 * paging can compare them; `emails.value` by the primary (else first) address.
 * The caller adds the id as a tie-breaker. Errors are `invalidValue`.
 */
export function sortExpression(path: string, map: AttributeMap): Result<RawBuilder<unknown>> {
  const parsed = parseAttrPath(path);
  if (!parsed.ok) return { ok: false, error: { scimType: "invalidValue", detail: parsed.error.detail } };
  let spec: AttributeSpec;
  try {
    spec = resolve(parsed.value, map, null);
  } catch (e) {
    if (e instanceof CompileError) return { ok: false, error: { scimType: "invalidValue", detail: `cannot sort: ${e.message}` } };
    throw e;
  }
  const child = spec.child === undefined ? undefined : map.children[spec.child];
  const alias = child ? child.alias : map.alias;
  const col = sql.ref(`${alias}.${spec.column}`);
  const value = spec.caseExact || spec.lowered ? col : sql`lower(${col})`;
  if (child) {
    if (!child.sortOrder) {
      return { ok: false, error: { scimType: "invalidValue", detail: `cannot sort by the multi-valued attribute "${path}"` } };
    }
    const order = sql.join(child.sortOrder.map((o) => sql`${sql.ref(`${child.alias}.${o.column}`)} ${sql.raw(o.desc ? "desc" : "asc")}`));
    return {
      ok: true,
      value: sql`coalesce((select ${value} from ${sql.table(child.table)} as ${sql.id(child.alias)} where ${sql.ref(`${child.alias}.${child.parentKey}`)} = ${sql.ref(`${map.alias}.id`)} order by ${order} limit 1), '')`,
    };
  }
  return { ok: true, value: spec.nullable ? sql`coalesce(${value}, '')` : value };
}

/** Inside `attr[…]`: paths are relative to `prefix`; `child` is set when the rows are a child table's. */
interface Scope {
  prefix: string;
  child?: string;
}

function compileNode(node: FilterNode, map: AttributeMap, scope: Scope | null): Cond {
  switch (node.kind) {
    case "and": {
      const [l, r] = [compileNode(node.left, map, scope), compileNode(node.right, map, scope)];
      return (eb) => eb.and([l(eb), r(eb)]);
    }
    case "or": {
      const [l, r] = [compileNode(node.left, map, scope), compileNode(node.right, map, scope)];
      return (eb) => eb.or([l(eb), r(eb)]);
    }
    case "not": {
      const e = compileNode(node.expr, map, scope);
      return (eb) => eb.not(e(eb));
    }
    case "valuePath":
      return compileValuePath(node.path, node.filter, map, scope);
    case "present":
    case "compare":
      return compileCondition(node, map, scope);
  }
}

function compileValuePath(path: AttrPath, filter: FilterNode, map: AttributeMap, scope: Scope | null): Cond {
  if (scope) throw new CompileError(`value filters cannot nest ("${display(path)}[…]")`);
  if (path.sub !== undefined) throw new CompileError(`"[" must follow an attribute without a sub-attribute ("${display(path)}")`);
  checkUri(path, map);
  const key = path.attr.toLowerCase();
  if (Object.hasOwn(map.children, key)) {
    const inner = compileNode(filter, map, { prefix: key, child: key });
    return exists(map, key, inner);
  }
  // A single-valued complex attribute (`name[givenName eq "x"]`): same row.
  if (Object.keys(map.attributes).some((k) => k.startsWith(`${key}.`))) return compileNode(filter, map, { prefix: key });
  throw new CompileError(`unknown attribute "${display(path)}"`);
}

function compileCondition(node: FilterNode & { kind: "present" | "compare" }, map: AttributeMap, scope: Scope | null): Cond {
  if (node.kind === "present" && scope === null && node.path.sub === undefined && !hasAttribute(node.path, map)) {
    const complex = complexPresent(node.path, map);
    if (complex) return complex;
  }
  const spec = resolve(node.path, map, scope);
  // Inside a child value path the row is already the child's; elsewhere wrap in EXISTS.
  const wrap = (cond: Cond): Cond => (spec.child !== undefined && scope === null ? exists(map, spec.child, cond) : cond);
  const alias = spec.child !== undefined ? map.children[spec.child].alias : map.alias;
  if (node.kind === "present") return wrap(present(spec, alias));
  const { op, value } = node;
  if (value === null) {
    if (op === "eq") return negate(wrap(present(spec, alias)));
    if (op === "ne") return wrap(present(spec, alias));
    throw new CompileError(`"${display(node.path)} ${op} null": null only compares with eq or ne`);
  }
  if (op === "ne") return negate(wrap(comparison(spec, alias, "eq", value, node.path)));
  return wrap(comparison(spec, alias, op, value, node.path));
}

/** `name pr` for a complex single-valued attribute: any of its sub-attributes present. */
function complexPresent(path: AttrPath, map: AttributeMap): Cond | null {
  const prefix = `${path.attr.toLowerCase()}.`;
  const subs = Object.entries(map.attributes).filter(([k, s]) => k.startsWith(prefix) && s.child === undefined);
  if (subs.length === 0) return null;
  checkUri(path, map);
  const conds = subs.map(([, s]) => present(s, map.alias));
  return (eb) => eb.or(conds.map((c) => c(eb)));
}

function negate(cond: Cond): Cond {
  return (eb) => eb.not(cond(eb));
}

function exists(map: AttributeMap, childKey: string, cond: Cond): Cond {
  const c = map.children[childKey];
  const orgId = map.orgId;
  // `id in (…)` with the org bound lets both databases start from the child's (org_id, …) index.
  // Still two-valued: the child's parent key is NOT NULL, so `not (…)` stays an exact complement.
  if (orgId !== undefined)
    return (eb) =>
      eb(`${map.alias}.id`, "in",
        eb.selectFrom(`${c.table} as ${c.alias}`)
          .select(`${c.alias}.${c.parentKey}`)
          .where(`${c.alias}.org_id`, "=", orgId)
          .where(cond(eb)));
  return (eb) =>
    eb.exists(
      eb.selectFrom(`${c.table} as ${c.alias}`)
        .select(sql.lit(1).as("one"))
        .whereRef(`${c.alias}.${c.parentKey}`, "=", `${map.alias}.id`)
        .where(cond(eb)),
    );
}

function checkUri(path: AttrPath, map: AttributeMap): void {
  if (path.uri !== undefined && path.uri.toLowerCase() !== map.schema.toLowerCase()) {
    throw new CompileError(`unknown attribute "${display(path)}"`);
  }
}

function hasAttribute(path: AttrPath, map: AttributeMap): boolean {
  return Object.hasOwn(map.attributes, path.attr.toLowerCase());
}

function resolve(path: AttrPath, map: AttributeMap, scope: Scope | null): AttributeSpec {
  checkUri(path, map);
  if (scope && path.uri !== undefined) throw new CompileError(`"${display(path)}" inside "[…]" must be relative to "${scope.prefix}"`);
  const rel = path.sub === undefined ? path.attr : `${path.attr}.${path.sub}`;
  const key = (scope ? `${scope.prefix}.${rel}` : rel).toLowerCase();
  const spec = Object.hasOwn(map.attributes, key) ? map.attributes[key] : undefined;
  if (!spec || (scope && spec.child !== scope.child)) {
    throw new CompileError(`unknown attribute "${scope ? `${scope.prefix}.${rel}` : display(path)}"`);
  }
  return spec;
}

function display(path: AttrPath): string {
  const rel = path.sub === undefined ? path.attr : `${path.attr}.${path.sub}`;
  return path.uri === undefined ? rel : `${path.uri}:${rel}`;
}

/** Guards a nullable column so the comparison is FALSE, not NULL, when it is absent. */
function guarded(spec: AttributeSpec, alias: string, cond: Cond): Cond {
  if (!spec.nullable) return cond;
  const col = `${alias}.${spec.column}`;
  return (eb) => eb.and([eb(col, "is not", null), cond(eb)]);
}

function present(spec: AttributeSpec, alias: string): Cond {
  const col = `${alias}.${spec.column}`;
  if (spec.type === "boolean") return spec.nullable ? (eb) => eb(col, "is not", null) : () => sql<SqlBool>`1 = 1`;
  return guarded(spec, alias, (eb) => eb(col, "<>", ""));
}

const SQL_OPS = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" } as const;

function comparison(spec: AttributeSpec, alias: string, op: Exclude<CompareOp, "ne">, value: Exclude<Literal, null>, path: AttrPath): Cond {
  const name = display(path);
  const col = sql.ref(`${alias}.${spec.column}`);
  if (spec.type === "boolean") {
    if (op !== "eq") throw new CompileError(`operator "${op}" is not supported for the boolean attribute "${name}"`);
    if (typeof value !== "boolean") throw new CompileError(`"${name}" is a boolean; compare it with true or false, not ${JSON.stringify(value)}`);
    return guarded(spec, alias, (eb) => eb(col, "=", value ? 1 : 0));
  }
  if (typeof value !== "string") throw new CompileError(`"${name}" is a ${spec.type}; compare it with a "string", not ${JSON.stringify(value)}`);
  if (spec.type === "dateTime") {
    if (op === "co" || op === "sw" || op === "ew") throw new CompileError(`operator "${op}" is not supported for the dateTime attribute "${name}"`);
    const iso = toIso(value);
    if (iso === null) throw new CompileError(`"${value}" is not a dateTime (e.g. "2024-05-01T12:00:00Z") for "${name}"`);
    return guarded(spec, alias, (eb) => eb(col, SQL_OPS[op], iso));
  }
  // Strings: fold case on both sides unless caseExact.
  const fold = spec.caseExact ? "none" : spec.lowered ? "js" : "sql";
  const lhs = fold === "sql" ? sql`lower(${col})` : col;
  const rhs = (v: string) => (fold === "sql" ? sql`lower(${v})` : sql`${fold === "js" ? v.toLowerCase() : v}`);
  if (op === "co" || op === "sw" || op === "ew") {
    const escaped = value.replace(/[\\%_]/g, "\\$&");
    const pattern = (op === "sw" ? "" : "%") + escaped + (op === "ew" ? "" : "%");
    return guarded(spec, alias, () => sql<SqlBool>`${lhs} like ${rhs(pattern)} escape '\\'`);
  }
  return guarded(spec, alias, (eb) => eb(lhs, SQL_OPS[op], rhs(value)));
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?<zone>[Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** ISO-8601 text as stored (`toISOString`), or null. A time without a zone is UTC. */
function toIso(text: string): string | null {
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const t = text.replace(" ", "T");
  const withZone = t.length > 10 && !m.groups?.zone ? `${t}Z` : t;
  const d = new Date(withZone);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
