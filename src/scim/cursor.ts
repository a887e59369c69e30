/**
 * RFC 9865 cursors. A cursor names a position in a keyset order (sort value,
 * id), so it stays correct while rows are inserted or deleted between pages.
 * It is bound to the query it came from; a cursor from another filter or sort
 * is `invalidCursor`, an old one `expiredCursor`. A cursor is not a secret: it
 * can only move within the org's own, filtered result set.
 */
import crypto from "node:crypto";
import { badRequest } from "./errors.ts";

export interface CursorPosition {
  /** sort value of the row at the edge of the page ("" when ordering by id only) */
  key: string | number;
  id: string;
  /** "after" this row (next page) or "before" it (previous page) */
  dir: "after" | "before";
}

interface Token extends CursorPosition {
  scope: string;
  issuedAt: number;
}

export const scopeOf = (parts: unknown[]): string => crypto.createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16);

export function encodeCursor(pos: CursorPosition, scope: string): string {
  const t: Token = { ...pos, scope, issuedAt: Math.floor(Date.now() / 1000) };
  return Buffer.from(JSON.stringify([t.key, t.id, t.dir === "after" ? 1 : 0, t.scope, t.issuedAt])).toString("base64url");
}

export function decodeCursor(raw: string, scope: string, ttlSeconds: number): CursorPosition {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
  } catch {
    throw badRequest("invalidCursor", "the cursor is not one this server issued");
  }
  if (!Array.isArray(parts) || parts.length !== 5) throw badRequest("invalidCursor", "the cursor is not one this server issued");
  const [key, id, dir, s, issuedAt] = parts;
  if ((typeof key !== "string" && typeof key !== "number") || typeof id !== "string" || (dir !== 0 && dir !== 1) || typeof s !== "string" || typeof issuedAt !== "number")
    throw badRequest("invalidCursor", "the cursor is not one this server issued");
  if (s !== scope) throw badRequest("invalidCursor", "the cursor belongs to a different filter or sort order");
  if (issuedAt + ttlSeconds < Date.now() / 1000) throw badRequest("expiredCursor", `the cursor has expired (cursors live ${ttlSeconds} s); start again without one`);
  return { key, id, dir: dir === 1 ? "after" : "before" };
}
