/**
 * Which bound of BOUNDS (src/org/bounds.ts) holds for each SCIM attribute.
 * validate.ts enforces them on every body (POST, PUT, the result of a PATCH,
 * each Bulk operation) and schemas.ts publishes them in the attribute's
 * `description` on /Schemas, so a client can read what it will be held to.
 *
 * @example
 * boundOf({ name: "value", type: "string", multiValued: false, … }, "emails.value");
 * // → { maxChars: 254, name: "emailChars" }
 */
import { BOUNDS } from "../org/bounds.ts";
import type { AttributeDef } from "./schemas.ts";

export type BoundName = keyof typeof BOUNDS;

export interface AttributeBound {
  /** strings: at most this many characters (UTF-16 code units, as JSON counts them) */
  maxChars?: number;
  /** multi-valued attributes: at most this many values */
  maxItems?: number;
  /** the BOUNDS entry the numbers come from, named in error details */
  charsName?: BoundName;
  itemsName?: BoundName;
}

/** Attribute paths (lower-case, dotted, without the schema URN) stored in indexed columns. */
const IDENTIFIERS = new Set(["username", "externalid", "displayname", "members.value", "teamroles.teamname", "teamroles.rolename"]);
const EMAILS = new Set(["emails.value"]);

const STRING_TYPES = new Set(["string", "reference", "binary", "dateTime"]);

/** The bounds of `def` at `path` (e.g. "emails.value"; "name" is a Role's name: the User's is complex). */
export function boundOf(def: Pick<AttributeDef, "type" | "multiValued">, path: string): AttributeBound {
  const lower = path.toLowerCase();
  const out: AttributeBound = {};
  if (def.multiValued) {
    const members = lower === "members";
    out.maxItems = members ? BOUNDS.groupMembersPerRequest : BOUNDS.multiValuedItems;
    out.itemsName = members ? "groupMembersPerRequest" : "multiValuedItems";
  }
  if (STRING_TYPES.has(def.type)) {
    const name: BoundName = EMAILS.has(lower) ? "emailChars" : IDENTIFIERS.has(lower) ? "identifierChars" : lower === "name" ? "roleNameChars"
      : def.type === "binary" ? "binaryChars" : "textChars";
    out.maxChars = BOUNDS[name];
    out.charsName = name;
  }
  return out;
}

/** The sentence /Schemas appends to an attribute's description. */
export function describeBound(b: AttributeBound): string {
  const parts: string[] = [];
  if (b.maxItems !== undefined) parts.push(`at most ${b.maxItems} values`);
  if (b.maxChars !== undefined) parts.push(`${b.maxItems !== undefined ? "each " : ""}at most ${b.maxChars} characters`);
  if (!parts.length) return "";
  return `Limit: ${parts.join(", ")}.`;
}

/** The error detail for a value over its bound; names the attribute and the bound. */
export function overBound(path: string, what: "chars" | "items", actual: number, b: AttributeBound): string {
  return what === "chars"
    ? `"${path}" is ${actual} characters long; at most ${b.maxChars} are allowed (${b.charsName})`
    : `"${path}" has ${actual} values; at most ${b.maxItems} are allowed (${b.itemsName})`;
}
