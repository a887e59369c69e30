/**
 * Reads an API key from a request: `Authorization: Bearer KEY`, or Basic with
 * an empty user name and the key as the password (what W&B's SCIM clients send).
 */
import type { Request } from "express";

export function readApiKey(req: Request): string | null {
  const header = req.get("authorization");
  if (!header) return null;
  const [scheme, ...rest] = header.trim().split(/\s+/);
  const value = rest.join(" ");
  if (!scheme || !value) return null;
  if (scheme.toLowerCase() === "bearer") return value;
  if (scheme.toLowerCase() === "basic") {
    const decoded = Buffer.from(value, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    // The key is the password; a user name, if a client sends one, is ignored.
    return decoded.slice(colon + 1) || null;
  }
  return null;
}
