/**
 * The optional end of life of a credential (API keys, OAuth client secrets,
 * federation trusts): one rule for what an expiry may be, when one has lapsed,
 * and which are about to lapse (the console warns before they do).
 */
import { invalidField } from "../errors.ts";

/** How long before it lapses a credential is reported as lapsing. */
export const EXPIRY_WARNING_DAYS = 14;
const MAX_YEARS = 5;

/** A checked expiry: an ISO time in the future, at most five years ahead; undefined/null → none. */
export function checkedExpiry(raw: string | null | undefined, at: number = Date.now()): string | null {
  if (raw === undefined || raw === null) return null;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) throw invalidField("expiresAt", `must be an ISO 8601 date and time, got "${raw}"`, "The expiry must be a date and time.");
  if (t <= at) throw invalidField("expiresAt", `must be in the future, got ${raw}`, "The expiry must be in the future.");
  if (t > at + MAX_YEARS * 366 * 86_400_000) throw invalidField("expiresAt", `may be at most ${MAX_YEARS} years ahead`, `The expiry may be at most ${MAX_YEARS} years ahead.`);
  return new Date(t).toISOString();
}

export const hasLapsed = (expiresAt: string | null, at: number = Date.now()): boolean => expiresAt !== null && Date.parse(expiresAt) <= at;

/** True while the credential is alive but lapses within EXPIRY_WARNING_DAYS. */
export const lapsesSoon = (expiresAt: string | null, at: number = Date.now()): boolean =>
  expiresAt !== null && !hasLapsed(expiresAt, at) && Date.parse(expiresAt) - at <= EXPIRY_WARNING_DAYS * 86_400_000;
