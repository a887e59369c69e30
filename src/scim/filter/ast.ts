/** The parsed form of a SCIM filter (RFC 7644 §3.4.2.2), shared by the SQL
 * compiler (lists, searches) and the in-memory evaluator (PATCH value filters). */

export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type Literal = string | number | boolean | null;

/** An attribute path as written: optional schema URN, attribute, optional sub-attribute.
 * `attr` and `sub` keep the client's spelling; match them case-insensitively. */
export interface AttrPath {
  uri?: string;
  attr: string;
  sub?: string;
}

export type FilterNode =
  | { kind: "compare"; path: AttrPath; op: CompareOp; value: Literal }
  | { kind: "present"; path: AttrPath }
  | { kind: "and"; left: FilterNode; right: FilterNode }
  | { kind: "or"; left: FilterNode; right: FilterNode }
  | { kind: "not"; expr: FilterNode }
  /** attr[filter]: some value of multi-valued `attr` matches `filter` (paths inside are relative to attr) */
  | { kind: "valuePath"; path: AttrPath; filter: FilterNode };

/** Typed result at the boundary; translated to a SCIM error once, by the caller. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: { scimType: string; detail: string } };
