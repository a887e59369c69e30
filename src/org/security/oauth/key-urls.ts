/**
 * Where Rollcall may fetch someone's public keys from (a client's JWKS URL, a
 * federated issuer): https only, except http on a loopback host (local
 * development and tests), never credentials in the URL.
 */
import { invalid } from "../../errors.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

export function checkedKeyUrl(given: string, field: string): string {
  const raw = given.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`"${field}" must be an absolute URL, got "${raw}"`);
  }
  const loopback = LOOPBACK.has(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) throw invalid(`"${field}" must be an https:// URL (http:// only on a loopback host)`);
  if (url.username || url.password) throw invalid(`"${field}" must not carry a user name or password`);
  if (url.hash) throw invalid(`"${field}" must not have a #fragment`);
  // As given: an issuer is compared as a string with the tokens' `iss`.
  return raw;
}
