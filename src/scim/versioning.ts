/**
 * Revisions as ETags (RFC 7644 §3.14): meta.version and the ETag header are
 * `W/"<revision>"`; If-Match gates PUT, PATCH and DELETE (412 on mismatch) and
 * If-None-Match turns an unchanged GET into a 304.
 */
import type { Request } from "express";
import { ScimError } from "./errors.ts";

export const etagOf = (revision: number): string => `W/"${revision}"`;

function parseTags(header: string): string[] {
  return header.split(",").map((t) => t.trim()).filter(Boolean).map((t) => t.replace(/^W\//i, ""));
}

/**
 * The revision If-Match demands, if any. A list or `*` is checked against
 * `current` right away; a single tag is returned so the write can compare-and-set.
 */
export function expectedRevision(req: Request, current?: number): number | undefined {
  return expectedRevisionOf(req.get("if-match"), current);
}

/** The same check over an If-Match value given as a string (a header, or a bulk operation's `version`). */
export function expectedRevisionOf(header: string | undefined, current?: number): number | undefined {
  if (!header) return undefined;
  const tags = parseTags(header);
  if (tags.includes("*")) return current;
  const revisions = tags.map((t) => /^"(\d+)"$/.exec(t)?.[1]).filter((x): x is string => x !== undefined).map(Number);
  if (current !== undefined && revisions.includes(current)) return current;
  if (revisions.length === 1 && current === undefined) return revisions[0];
  throw new ScimError(412, undefined, `If-Match ${header} does not match the current version${current !== undefined ? ` ${etagOf(current)}` : ""}`);
}

export function notModified(req: Request, revision: number): boolean {
  const header = req.get("if-none-match");
  if (!header) return false;
  const tags = parseTags(header);
  return tags.includes("*") || tags.includes(`"${revision}"`);
}
