/**
 * RFC 9865 cursors. A cursor names a position in a keyset order (sort value,
 * id), so it stays correct while rows are inserted or deleted between pages.
 * It is bound to the query it came from; a cursor from another filter or sort
 * is `invalidCursor`, an old one `expiredCursor`.
 *
 * A cursor is signed (HMAC-SHA-256 with `ROLLCALL_CURSOR_SECRET`, or a random
 * per-process secret when unset), so a client can neither forge a position
 * (whose sort value would reach SQL with the wrong type) nor extend its life.
 *
 * @example
 * const c = encodeCursor({ key: "alice", id: "u1", dir: "after" }, scope, secret);
 * decodeCursor(c, scope, 3600, secret); // { key: "alice", id: "u1", dir: "after" }
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

/** Used when no secret is configured: cursors then die with the process. */
const PROCESS_SECRET = crypto.randomBytes(32).toString("base64url");

export const scopeOf = (parts: unknown[]): string => crypto.createHash("sha256").update(JSON.stringify(parts)).digest("base64url").slice(0, 16);

const tagOf = (payload: string, secret: string | undefined): Buffer =>
  crypto.createHmac("sha256", secret || PROCESS_SECRET).update(payload).digest().subarray(0, 16);

export function encodeCursor(pos: CursorPosition, scope: string, secret?: string): string {
  const payload = Buffer.from(JSON.stringify([pos.key, pos.id, pos.dir === "after" ? 1 : 0, scope, Math.floor(Date.now() / 1000)])).toString("base64url");
  return `${payload}.${tagOf(payload, secret).toString("base64url")}`;
}

const notOurs = () => badRequest("invalidCursor", "the cursor is not one this server issued");

export function decodeCursor(raw: string, scope: string, ttlSeconds: number, secret?: string): CursorPosition {
  if (raw.length > 2048) throw notOurs();
  const [payload, tag, ...extra] = raw.split(".");
  if (!payload || !tag || extra.length) throw notOurs();
  const given = Buffer.from(tag, "base64url");
  const expected = tagOf(payload, secret);
  if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) throw notOurs();
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    throw notOurs();
  }
  if (!Array.isArray(parts) || parts.length !== 5) throw notOurs();
  const [key, id, dir, s, issuedAt] = parts;
  if ((typeof key !== "string" && typeof key !== "number") || typeof id !== "string" || (dir !== 0 && dir !== 1) || typeof s !== "string" || typeof issuedAt !== "number")
    throw notOurs();
  if (s !== scope) throw badRequest("invalidCursor", "the cursor belongs to a different filter or sort order");
  if (issuedAt + ttlSeconds < Date.now() / 1000) throw badRequest("expiredCursor", `the cursor has expired (cursors live ${ttlSeconds} s); start again without one`);
  return { key, id, dir: dir === 1 ? "after" : "before" };
}
