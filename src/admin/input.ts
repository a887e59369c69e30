/** Reading admin API request bodies and query strings: typed fields or a 400 that names the field. */
import type { Request } from "express";
import { badInput } from "./errors.ts";

export type Body = Record<string, unknown>;

/** The JSON object body; unknown fields are refused so that a typo is not silently ignored. */
export function body(req: Request, allowed: string[]): Body {
  const b = req.body as unknown;
  if (b === undefined) return {};
  if (b === null || typeof b !== "object" || Array.isArray(b)) throw badInput("the request body must be a JSON object");
  const unknown = Object.keys(b).filter((k) => !allowed.includes(k));
  if (unknown.length) throw badInput(`unknown field${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; allowed: ${allowed.join(", ")}`);
  return b as Body;
}

export function optString(b: Body, name: string): string | undefined {
  const v = b[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badInput(`"${name}" must be a string`);
  return v;
}

export function reqString(b: Body, name: string): string {
  const v = optString(b, name);
  if (v === undefined || !v.trim()) throw badInput(`"${name}" is required`);
  return v;
}

export function optNullableString(b: Body, name: string): string | null | undefined {
  if (b[name] === null) return null;
  return optString(b, name);
}

export function optBool(b: Body, name: string): boolean | undefined {
  const v = b[name];
  if (v === undefined) return undefined;
  if (typeof v !== "boolean") throw badInput(`"${name}" must be true or false`);
  return v;
}

export function optLimit(b: Body, name: string): number | null | undefined {
  const v = b[name];
  if (v === undefined || v === null) return v;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) throw badInput(`"${name}" must be a non-negative integer or null (no limit)`);
  return v;
}

export function optStringArray(b: Body, name: string): string[] | undefined {
  const v = b[name];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw badInput(`"${name}" must be an array of strings`);
  return v as string[];
}

export function queryString(req: Request, name: string): string | undefined {
  const v = req.query[name];
  if (v === undefined || v === "") return undefined;
  if (typeof v !== "string") throw badInput(`query parameter "${name}" must be given once`);
  return v;
}
