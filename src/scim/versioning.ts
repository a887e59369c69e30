/**
 * Revisions as ETags (RFC 7644 §3.14): meta.version and the ETag header are
 * `W/"<revision>"`; If-Match gates PUT, PATCH and DELETE (412 on mismatch) and
 * If-None-Match turns an unchanged GET into a 304.
 */
import type { Request } from "express";
import type { ExpectedRevision } from "../org/revision.ts";

export const etagOf = (revision: number): string => `W/"${revision}"`;

function parseTags(header: string): string[] {
  return header.split(",").map((t) => t.trim()).filter(Boolean).map((t) => t.replace(/^W\//i, ""));
}

/**
 * What If-Match demands of the row, for the write to check under the row lock
 * (src/org/revision.ts): nothing for no header or `*` (the row must exist, which
 * the lock checks), else the revisions listed. A tag that is not one of our
 * versions can never match, so the write answers 412 (or 404 if the row is gone).
 */
export function expectedRevision(req: Request): ExpectedRevision | undefined {
  return expectedRevisionOf(req.get("if-match"));
}

/** The same over an If-Match value given as a string (a header, or a bulk operation's `version`). */
export function expectedRevisionOf(header: string | undefined): ExpectedRevision | undefined {
  if (!header) return undefined;
  const tags = parseTags(header);
  if (tags.includes("*")) return undefined;
  const revisions = tags.map((t) => /^"(\d+)"$/.exec(t)?.[1]).filter((x): x is string => x !== undefined).map(Number);
  return revisions.length === 1 ? revisions[0] : revisions;
}

export function notModified(req: Request, revision: number): boolean {
  const header = req.get("if-none-match");
  if (!header) return false;
  const tags = parseTags(header);
  return tags.includes("*") || tags.includes(`"${revision}"`);
}
