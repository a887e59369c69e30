/**
 * Sign-in rate limits stored in the database, so every instance counts the same
 * attempts. Fixed windows aligned to the epoch (a window of 300 s starts at
 * every multiple of 300 s); one row per key, bumped by one atomic upsert
 * (`insert … on conflict (key) do update … returning`), which SQLite and
 * PostgreSQL both run without a read-then-write race.
 *
 * @example
 * const r = await hit(db, `signin:ip:${req.ip}`, limits.perAddress, limits.windowSeconds);
 * if (!r.ok) throw tooMany(r.retryAfterSeconds); // the door answers 429 with Retry-After
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";

export type RateResult = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface SignInLimits {
  /** attempts per client address per window (SIGNIN_LIMIT_PER_ADDRESS, default 20) */
  perAddress: number;
  /** attempts per account (user name / e-mail, case-insensitive) per window (SIGNIN_LIMIT_PER_ACCOUNT, default 10) */
  perAccount: number;
  /** window length in seconds (SIGNIN_LIMIT_WINDOW_SECONDS, default 300) */
  windowSeconds: number;
}

/** A positive integer setting from the environment, or `fallback` when unset (a bad value stops the start). */
export function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}

/** The sign-in limits from the environment (defaults: 20 per address and 10 per account per 5 minutes). */
export function signInLimits(env: NodeJS.ProcessEnv = process.env): SignInLimits {
  return {
    perAddress: intEnv(env, "SIGNIN_LIMIT_PER_ADDRESS", 20),
    perAccount: intEnv(env, "SIGNIN_LIMIT_PER_ACCOUNT", 10),
    windowSeconds: intEnv(env, "SIGNIN_LIMIT_WINDOW_SECONDS", 300),
  };
}

export const DEFAULT_SIGNIN_LIMITS: Readonly<SignInLimits> = Object.freeze({ perAddress: 20, perAccount: 10, windowSeconds: 300 });

const PRUNE_EVERY_MS = 10 * 60_000;
let lastPrune = 0;

/** Counts one attempt under `key` (e.g. `signin:ip:1.2.3.4`); refuses past `limit` in `windowSeconds`. */
export async function hit(db: Kysely<Database>, key: string, limit: number, windowSeconds: number, at: number = Date.now()): Promise<RateResult> {
  const windowMs = windowSeconds * 1000;
  const startMs = Math.floor(at / windowMs) * windowMs;
  const start = new Date(startMs).toISOString();
  const row = await db.insertInto("rate_limits")
    .values({ key, window_start: start, count: 1 })
    .onConflict((oc) => oc.column("key").doUpdateSet({
      // Both SET expressions read the row as it was: same window → +1, a newer window → start over at 1.
      count: sql<number>`case when rate_limits.window_start = excluded.window_start then rate_limits.count + 1 else 1 end`,
      window_start: sql<string>`case when rate_limits.window_start > excluded.window_start then rate_limits.window_start else excluded.window_start end`,
    }))
    .returning(["count", "window_start"])
    .executeTakeFirstOrThrow();
  if (at - lastPrune > PRUNE_EVERY_MS) {
    lastPrune = at;
    // Rows of windows long gone (a day is longer than any sign-in window).
    await db.deleteFrom("rate_limits").where("window_start", "<", new Date(at - 86_400_000).toISOString()).execute();
  }
  if (Number(row.count) <= limit) return { ok: true };
  const endMs = Date.parse(row.window_start) + windowMs;
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((endMs - at) / 1000)) };
}
