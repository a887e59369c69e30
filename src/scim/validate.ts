/**
 * Checks a client's resource body against its schemas and returns it in
 * canonical form: attribute names spelled as the schema spells them (clients
 * may use any case), extension data under its URN, null treated as absent,
 * readOnly attributes dropped (RFC 7644 §3.3: the server ignores what it does not keep).
 * An attribute or schema URN that no schema of the resource defines is a 400
 * invalidSyntax (the interop profile: never drop what a client sent, so nothing is
 * silently lost). Wrong types are a 400 invalidValue, never coerced.
 * Canonical values are advisory (RFC 7643 §2.3.1 lets clients send others).
 * Strings may not contain U+0000: PostgreSQL text cannot store it (found by test/fuzz).
 * Every string and multi-valued attribute is held to its bound (attribute-bounds.ts),
 * the same on SQLite and PostgreSQL: a 400 invalidValue naming the attribute and the bound.
 */
import { boundOf, overBound } from "./attribute-bounds.ts";
import { badRequest } from "./errors.ts";
import type { AttributeDef, ResourceShape, SchemaDef } from "./schemas.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function validateResource(body: unknown, shape: ResourceShape): Json {
  if (!isObject(body)) throw badRequest("invalidSyntax", "the request body must be a JSON object");
  const out: Json = {};
  const schemas = body.schemas ?? body.Schemas;
  if (schemas !== undefined) {
    if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === "string"))
      throw badRequest("invalidSyntax", '"schemas" must be an array of schema URNs');
    if (!schemas.some((s) => s.toLowerCase() === shape.core.id.toLowerCase()))
      throw badRequest("invalidSyntax", `"schemas" must include ${shape.core.id}`);
    const known = [shape.core, ...shape.extensions].map((s) => s.id.toLowerCase());
    const unknown = schemas.find((s) => !known.includes(s.toLowerCase()));
    if (unknown !== undefined) throw badRequest("invalidSyntax", `"schemas" names ${JSON.stringify(unknown.slice(0, 200))}, which this request cannot carry (see /ResourceTypes and /Schemas)`);
  }
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (lower === "schemas" || lower === "id" || lower === "meta" || value === null) continue;
    if (lower === "externalid") {
      if (typeof value !== "string") throw badRequest("invalidValue", '"externalId" must be a string');
      out.externalId = withinChars(noNul(value, "externalId"), "externalId", "externalId", { type: "string", multiValued: false });
      continue;
    }
    const ext = shape.extensions.find((e) => e.id.toLowerCase() === lower);
    if (ext) {
      if (!isObject(value)) throw badRequest("invalidValue", `"${ext.id}" must be an object`);
      const inner = validateAttributes(value, ext, ext.id);
      if (Object.keys(inner).length) out[ext.id] = { ...((out[ext.id] as Json) ?? {}), ...inner };
      continue;
    }
    // URN-prefixed attribute name, e.g. "urn:…:enterprise:2.0:User:department"
    const prefixed = [shape.core, ...shape.extensions].find((s) => lower.startsWith(`${s.id.toLowerCase()}:`));
    if (prefixed) {
      const name = key.slice(prefixed.id.length + 1);
      const inner = validateAttributes({ [name]: value }, prefixed, prefixed.id);
      if (prefixed === shape.core) Object.assign(out, inner);
      else if (Object.keys(inner).length) out[prefixed.id] = { ...((out[prefixed.id] as Json) ?? {}), ...inner };
      continue;
    }
    Object.assign(out, validateAttributes({ [key]: value }, shape.core, ""));
  }
  for (const attr of shape.core.attributes) {
    if (attr.required && attr.mutability !== "readOnly" && isAbsent(out[attr.name]))
      throw badRequest("invalidValue", `required attribute "${attr.name}" is missing`);
  }
  return out;
}

/** U+0000 cannot be stored in a PostgreSQL text column; refuse it everywhere, on every database. */
function noNul(value: string, path: string): string {
  if (value.includes("\u0000")) throw badRequest("invalidValue", `"${path}" must not contain the NUL character (U+0000)`);
  return value;
}

function isAbsent(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === "string" && v.trim() === "") || (Array.isArray(v) && v.length === 0);
}

function findAttr(defs: AttributeDef[], name: string): AttributeDef | undefined {
  const lower = name.toLowerCase();
  return defs.find((a) => a.name.toLowerCase() === lower);
}

/** `where` names the value in errors ("emails[2]"); `shapePath` is its place in the schema ("emails"), which decides its bound. */
function validateAttributes(obj: Json, schema: SchemaDef | { attributes: AttributeDef[] }, where: string, shapePath = ""): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(obj)) {
    if (value === null || value === undefined) continue;
    const def = findAttr(schema.attributes, key);
    if (!def) throw badRequest("invalidSyntax", `"${where ? `${where}${shapePath ? "." : ":"}` : ""}${key.slice(0, 200)}" is not an attribute of this resource (see /Schemas)`);
    if (def.mutability === "readOnly") continue;
    if (def.returned === "never") continue; // write-only secrets (password) are not kept
    const sep = shapePath ? "." : ":";
    out[def.name] = checkValue(value, def, where ? `${where}${sep}${def.name}` : def.name, shapePath ? `${shapePath}.${def.name}` : def.name);
  }
  return out;
}

function checkValue(value: unknown, def: AttributeDef, path: string, shapePath: string): unknown {
  if (def.multiValued) {
    if (!Array.isArray(value)) throw badRequest("invalidValue", `"${path}" must be an array`);
    const values = value.filter((v) => v !== null);
    const bound = boundOf(def, shapePath);
    if (bound.maxItems !== undefined && values.length > bound.maxItems) throw badRequest("invalidValue", overBound(path, "items", values.length, bound));
    return values.map((v, i) => checkSingle(v, def, `${path}[${i}]`, shapePath));
  }
  if (Array.isArray(value)) throw badRequest("invalidValue", `"${path}" must be a single value, not an array`);
  return checkSingle(value, def, path, shapePath);
}

/** A string within its bound (the same on every database: PostgreSQL's btree refuses index entries over 2,704 bytes). */
function withinChars(value: string, path: string, shapePath: string, def: Pick<AttributeDef, "type" | "multiValued">): string {
  const bound = boundOf(def, shapePath);
  if (bound.maxChars !== undefined && value.length > bound.maxChars) throw badRequest("invalidValue", overBound(path, "chars", value.length, bound));
  return value;
}

function checkSingle(value: unknown, def: AttributeDef, path: string, shapePath: string): unknown {
  const fail = (expected: string): never => {
    throw badRequest("invalidValue", `"${path}" must be ${expected}, got ${JSON.stringify(value)?.slice(0, 80)}`);
  };
  switch (def.type) {
    case "string":
    case "reference":
    case "binary":
      return typeof value === "string" ? withinChars(noNul(value, path), path, shapePath, def) : fail("a string");
    case "boolean":
      return typeof value === "boolean" ? value : fail("true or false");
    case "integer":
      // beyond 2^53 a JSON number is already rounded: what was sent cannot be stored
      return typeof value === "number" && Number.isSafeInteger(value) ? value : fail(`an integer from ${Number.MIN_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`);
    case "decimal":
      return typeof value === "number" && Number.isFinite(value) ? value : fail("a number");
    case "dateTime":
      return typeof value === "string" && !Number.isNaN(Date.parse(value)) ? withinChars(noNul(value, path), path, shapePath, def) : fail("an xsd:dateTime string");
    case "complex": {
      if (!isObject(value)) return fail("an object");
      return validateAttributes(value, { attributes: def.subAttributes ?? [] }, path, shapePath);
    }
    default:
      return value;
  }
}
