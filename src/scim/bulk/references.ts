/**
 * `bulkId:` references (RFC 7644 §3.7.2): a whole string value `bulkId:<id>` — in an
 * operation's path (`/Users/bulkId:u1`) or anywhere in its data (a group member's
 * `value`, a manager's `value`) — stands for the id of the resource that the POST with
 * that bulkId created earlier in the same request.
 *
 * @example
 * referencesOf({ members: [{ value: "bulkId:u1" }] }); // → Set { "u1" }
 * substitute({ members: [{ value: "bulkId:u1" }] }, new Map([["u1", "2819c223"]]));
 * // → { members: [{ value: "2819c223" }] }
 */
const PREFIX = "bulkId:";

export const bulkIdOf = (value: string): string | undefined =>
  value.startsWith(PREFIX) && value.length > PREFIX.length ? value.slice(PREFIX.length) : undefined;

/** The bulkIds that string values of `value` reference, at any depth. */
export function referencesOf(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") {
    const id = bulkIdOf(value);
    if (id !== undefined) out.add(id);
  } else if (Array.isArray(value)) {
    for (const v of value) referencesOf(v, out);
  } else if (typeof value === "object" && value !== null) {
    for (const v of Object.values(value)) referencesOf(v, out);
  }
  return out;
}

/** A copy of `value` with every reference replaced by its id; the caller has checked that all resolve. */
export function substitute(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === "string") {
    const id = bulkIdOf(value);
    return id !== undefined && ids.has(id) ? ids.get(id) : value;
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, ids)]));
  return value;
}
