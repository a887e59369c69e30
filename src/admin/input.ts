/**
 * Admin API input: the field types route schemas are built from (bounded by
 * src/org/bounds.ts), and the wording of a 400 when a body or query does not
 * fit its schema. The wording is read from the route's JSON Schema (the one the
 * OpenAPI document shows), so the message and the document say the same thing,
 * in the field names the client sent.
 */
import { z } from "zod";
import { BOUNDS } from "../org/bounds.ts";
import type { InvalidParam } from "../org/errors.ts";
import { wordsOfName, wordsOfPath } from "./field-words.ts";

export type JsonSchema = Record<string, unknown>;

/** Free text (titles, labels): at most BOUNDS.textChars. */
export const text = (max: number = BOUNDS.textChars) => z.string().max(max);
/** A name or identifier that must not be blank (trimmed); at most BOUNDS.identifierChars. */
export const name = (max: number = BOUNDS.identifierChars) => z.string().trim().min(1).max(max);
/** An id (team, member, …) or another indexed identifier. */
export const id = () => z.string().max(BOUNDS.identifierChars);
export const email = () => z.string().max(BOUNDS.emailChars);
export const bool = () => z.boolean();
/** A counter an admin sets (seat limits): 0 … BOUNDS.maxCount, or null for no limit. */
export const limit = () => z.int().min(0).max(BOUNDS.maxCount).nullable();
/** A list of items, at most BOUNDS.multiValuedItems long. */
export const list = <T extends z.ZodType>(item: T, max: number = BOUNDS.multiValuedItems) => z.array(item).max(max);
/** An object of string values (mappings such as claimsMapping). */
export const stringMap = () => z.record(z.string().max(BOUNDS.identifierChars), z.string().max(BOUNDS.identifierChars));
/** One of fixed words, matched case-insensitively (the handler gets the word as listed: "email", "createdAt"). */
export const choice = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.preprocess((v) => (typeof v === "string" ? (values.find((x) => x.toLowerCase() === v.toLowerCase()) ?? v) : v), z.enum(values));
/** A query parameter that is an integer in [min, max]. */
export const queryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
/** A field that may not be sent to this route; `why` is the whole 400 detail. */
export const refused = (why: string) => z.never({ error: why }).optional();

type Issue = z.core.$ZodIssue;
type Where = "body" | "query";

const label = (path: PropertyKey[], where: Where): string => {
  const p = path.map((k, i) => (typeof k === "number" ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join("");
  return where === "query" ? `query parameter "${p}"` : `"${p}"`;
};

const asSchema = (v: unknown): JsonSchema | undefined => (v && typeof v === "object" && !Array.isArray(v) ? (v as JsonSchema) : undefined);

/** The sub-schema at `path` (following properties, items, additionalProperties and anyOf branches). */
function schemaAt(root: JsonSchema, path: PropertyKey[]): { schema?: JsonSchema; parent?: JsonSchema } {
  let cur: JsonSchema | undefined = root;
  let parent: JsonSchema | undefined;
  for (const key of path) {
    if (!cur) return {};
    const options: JsonSchema[] = Array.isArray(cur.anyOf) ? (cur.anyOf as JsonSchema[]) : [cur];
    let next: JsonSchema | undefined;
    for (const o of options) {
      if (typeof key === "number") next = asSchema(o.items);
      else next = asSchema(asSchema(o.properties)?.[String(key)]) ?? asSchema(o.additionalProperties);
      if (next) { parent = o; break; }
    }
    cur = next;
  }
  return { schema: cur, parent };
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let cur = value;
  for (const k of path) cur = cur !== null && typeof cur === "object" ? (cur as Record<PropertyKey, unknown>)[k] : undefined;
  return cur;
}

const alternatives = (xs: string[]): string => (xs.length <= 2 ? xs.join(" or ") : `${xs.slice(0, -1).join(", ")} or ${xs.at(-1)}`);

function range(s: JsonSchema, what: string): string {
  const min = s.minimum as number | undefined;
  const max = s.maximum as number | undefined;
  if (min === 0 && max !== undefined) return `a non-negative ${what} (at most ${max})`;
  if (min !== undefined && max !== undefined) return `${what === "integer" ? "an" : "a"} ${what} from ${min} to ${max}`;
  if (min === 0) return `a non-negative ${what}`;
  return `${what === "integer" ? "an" : "a"} ${what}`;
}

/** What a value must be, in words, from its JSON Schema: "a string of at most 256 characters or null". */
export function describe(s: JsonSchema): string {
  if (Array.isArray(s.anyOf)) return alternatives((s.anyOf as JsonSchema[]).map(describe));
  if (Array.isArray(s.type)) return alternatives((s.type as string[]).map((type) => describe({ ...s, type })));
  if (Array.isArray(s.enum)) return `one of ${(s.enum as unknown[]).map(String).join(", ")}`;
  switch (s.type) {
    case "string": {
      if (s.pattern) return typeof s.description === "string" ? s.description : `a string matching ${String(s.pattern)}`;
      const min = (s.minLength as number | undefined) ?? 0;
      const max = s.maxLength as number | undefined;
      if (max === undefined) return min ? "a non-empty string" : "a string";
      return min ? `a string of ${min} to ${max} characters` : `a string of at most ${max} characters`;
    }
    case "integer": return range(s, "integer");
    case "number": return range(s, "number");
    case "boolean": return "true or false";
    case "null": return "null";
    case "array": {
      const item = asSchema(s.items);
      const most = s.maxItems !== undefined ? `at most ${String(s.maxItems)} items` : "";
      if (item?.type === "string" && !item.enum && !item.pattern) {
        const chars = item.maxLength !== undefined ? `each of at most ${String(item.maxLength)} characters` : "";
        const notes = [most, chars].filter(Boolean).join(", ");
        return `an array of strings${notes ? ` (${notes})` : ""}`;
      }
      const notes = [most, item ? `each ${describe(item)}` : ""].filter(Boolean).join(", ");
      return `an array${notes ? ` (${notes})` : ""}`;
    }
    case "object": {
      const values = asSchema(s.additionalProperties);
      return values ? `a JSON object whose values are each ${describe(values)}` : "a JSON object";
    }
    default: return "valid";
  }
}

const cap = (t: string): string => t.charAt(0).toUpperCase() + t.slice(1);

/** describe() for a person: text, whole numbers, lists. */
const plainly = (t: string): string => t.replace(/\ban integer\b/g, "a whole number").replace(/\binteger\b/g, "whole number").replace(/\bintegers\b/g, "whole numbers")
  .replace(/\ban array of strings\b/g, "a list of texts").replace(/\ban array\b/g, "a list").replace(/\ba (non-empty )?string\b/g, (_m, ne: string | undefined) => (ne ? "non-empty text" : "text"))
  .replace(/\bor null\b/g, "or empty (null)");

/** One problem: in plain words for `detail`, and as a field and reason for `invalid-params`. */
interface Explained { plain: string; params: InvalidParam[] }

function explainOne(issue: Issue, root: JsonSchema, value: unknown, where: Where): Explained {
  const at = label(issue.path, where);
  const name = at.replace(/^query parameter /, "").replace(/^"|"$/g, "");
  const words = wordsOfPath(issue.path);
  const one = (plain: string, reason: string): Explained => ({ plain, params: [{ name, reason }] });
  if (issue.code === "unrecognized_keys") {
    const { schema } = issue.path.length ? schemaAt(root, issue.path) : { schema: root };
    const allowed = Object.keys(asSchema(schema?.properties) ?? {});
    const noun = where === "query" ? "query parameter" : "field";
    const inside = issue.path.length ? ` of ${words}` : "";
    const names = issue.keys.map((k) => `“${wordsOfName(k)}”`).join(", ");
    return {
      plain: `This request does not take ${names}${inside}; leave ${issue.keys.length > 1 ? "them" : "it"} out${where === "query" ? " of the address" : ""}.`,
      params: issue.keys.map((k) => ({ name: issue.path.length ? `${name}.${k}` : k, reason: `unknown ${noun}; allowed: ${allowed.length ? allowed.join(", ") : "none"}` })),
    };
  }
  if (!issue.path.length) {
    return where === "body"
      ? { plain: "Send the request's details as a JSON object.", params: [{ name: "(body)", reason: "the request body must be a JSON object" }] }
      : { plain: "The address of this request is not valid.", params: [{ name: "(query)", reason: "the query string is not valid" }] };
  }
  if (issue.code === "invalid_type" && issue.expected === "never") return one(issue.message, "may not be sent to this route");
  const { schema, parent } = schemaAt(root, issue.path);
  const required = ((parent?.required as string[] | undefined) ?? []).includes(String(issue.path.at(-1)));
  const got = valueAt(value, issue.path);
  if (got === undefined) return one(`Give ${words}.`, "is required");
  if (issue.code === "too_small" && issue.origin === "string" && issue.minimum === 1) {
    const bound = schema?.maxLength !== undefined ? ` (1 to ${String(schema.maxLength)} characters)` : "";
    return one(`${cap(words)} must not be empty${bound}.`, `${required ? "is required and " : ""}must not be empty${bound}`);
  }
  if (!schema) return one(`${cap(words)} is not valid.`, issue.message);
  // a string or list over its bound: say how long it was (numbers speak for themselves)
  const length = issue.code === "too_big" && (issue.origin === "string" || issue.origin === "array") && (typeof got === "string" || Array.isArray(got)) ? ` (got ${got.length})` : "";
  const must = describe(schema);
  if (Array.isArray(schema.enum)) return one(`Choose ${words}: ${alternatives((schema.enum as unknown[]).map((v) => (/[a-z][A-Z]/.test(String(v)) ? wordsOfName(String(v)) : String(v))))}.`, `must be ${must}`);
  return one(`${cap(words)} must be ${plainly(must)}${length}.`, `must be ${must}${length}`);
}

/** Plain sentences for `detail` (at most five), and every field with its reason for `invalid-params`. */
export function explainIssues(issues: readonly Issue[], root: JsonSchema, value: unknown, where: Where): { detail: string; params: InvalidParam[] } {
  const ordered = [...issues].sort((a, b) => Number(b.code === "unrecognized_keys") - Number(a.code === "unrecognized_keys"));
  const all = ordered.map((i) => explainOne(i, root, value, where));
  const lines = [...new Set(all.map((e) => e.plain))];
  const params = all.flatMap((e) => e.params).filter((p, i, xs) => xs.findIndex((q) => q.name === p.name && q.reason === p.reason) === i);
  return { detail: lines.slice(0, 5).join(" ") + (lines.length > 5 ? ` And ${lines.length - 5} more.` : ""), params };
}
