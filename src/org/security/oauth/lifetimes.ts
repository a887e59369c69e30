/** How long Rollcall's access tokens live: per client, 5 minutes to 6 hours, 60 minutes unless set. */
import { invalidField } from "../../errors.ts";

export const MIN_TOKEN_LIFETIME_SECONDS = 5 * 60;
export const MAX_TOKEN_LIFETIME_SECONDS = 6 * 3600;
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 3600;

export function checkedLifetimeMinutes(minutes: number | undefined): number {
  if (minutes === undefined) return DEFAULT_TOKEN_LIFETIME_SECONDS;
  const s = minutes * 60;
  if (!Number.isInteger(minutes) || s < MIN_TOKEN_LIFETIME_SECONDS || s > MAX_TOKEN_LIFETIME_SECONDS)
    throw invalidField("tokenLifetimeMinutes", `must be a whole number from ${MIN_TOKEN_LIFETIME_SECONDS / 60} to ${MAX_TOKEN_LIFETIME_SECONDS / 60}, got ${minutes}`, `A token may live from ${MIN_TOKEN_LIFETIME_SECONDS / 60} to ${MAX_TOKEN_LIFETIME_SECONDS / 60} minutes.`);
  return s;
}
