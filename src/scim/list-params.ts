/**
 * List and search parameters (RFC 7644 §3.4.2, §3.4.3 and RFC 9865 cursors),
 * read the same way from a query string or a POST /.search body.
 */
import { badRequest } from "./errors.ts";

export interface ListParams {
  filter?: string;
  sortBy?: string;
  descending: boolean;
  /** 1-based; undefined in cursor mode */
  startIndex: number;
  count: number;
  /** set (possibly "") when the client pages by cursor */
  cursor?: string;
  attributes?: string[];
  excludedAttributes?: string[];
}

export const DEFAULT_PAGE_SIZE = 100;

function pick(src: Record<string, unknown>, name: string): unknown {
  const key = Object.keys(src).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : src[key];
}

function toInt(v: unknown, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  if (Array.isArray(v)) throw badRequest("invalidValue", `"${name}" was given more than once`);
  const n = typeof v === "number" ? v : typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw badRequest("invalidValue", `"${name}" must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

function toStr(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badRequest("invalidValue", `"${name}" must be a string`);
  return v;
}

function toList(v: unknown, name: string): string[] | undefined {
  if (v === undefined || v === "") return undefined;
  const parts = Array.isArray(v) ? v : typeof v === "string" ? v.split(",") : null;
  if (!parts?.every((p) => typeof p === "string")) throw badRequest("invalidValue", `"${name}" must be a comma-separated list of attribute names`);
  const out = (parts as string[]).map((p) => p.trim()).filter(Boolean);
  if (out.length > 100) throw badRequest("invalidValue", `"${name}" lists too many attributes`);
  return out.length ? out : undefined;
}

export function parseListParams(src: Record<string, unknown>, maxPageSize: number): ListParams {
  const filter = toStr(pick(src, "filter"), "filter");
  const sortBy = toStr(pick(src, "sortBy"), "sortBy") || undefined;
  const order = toStr(pick(src, "sortOrder"), "sortOrder");
  if (order !== undefined && order !== "" && !/^(ascending|descending)$/i.test(order))
    throw badRequest("invalidValue", `"sortOrder" must be "ascending" or "descending"`);
  const rawStart = toInt(pick(src, "startIndex"), "startIndex");
  const rawCount = toInt(pick(src, "count"), "count");
  const cursorRaw = pick(src, "cursor");
  const cursor = cursorRaw === undefined ? undefined : toStr(cursorRaw, "cursor") ?? "";
  if (cursor !== undefined && rawStart !== undefined)
    throw badRequest("invalidValue", `"cursor" and "startIndex" cannot be used together`);
  const attributes = toList(pick(src, "attributes"), "attributes");
  const excludedAttributes = toList(pick(src, "excludedAttributes"), "excludedAttributes");
  if (attributes && excludedAttributes)
    throw badRequest("invalidValue", `"attributes" and "excludedAttributes" cannot be used together`);
  return {
    filter: filter === "" ? undefined : filter,
    sortBy,
    descending: /^descending$/i.test(order ?? ""),
    // RFC 7644 §3.4.2.4: a startIndex below 1 is read as 1; a negative count as 0; above the maximum, the maximum.
    startIndex: Math.max(1, rawStart ?? 1),
    count: Math.min(Math.max(0, rawCount ?? DEFAULT_PAGE_SIZE), maxPageSize),
    cursor,
    attributes,
    excludedAttributes,
  };
}
