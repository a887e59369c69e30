/** The HTTP side of sign-in rate limits: over the limit → 429 with Retry-After (seconds). */
import type { Request, Response } from "express";
import type { Kysely } from "kysely";
import type { Database } from "../../db/types.ts";
import { checkSignIn, type RateResult, type SignInLimits } from "../org/rate-limits.ts";

/** Answers 429 (problem+json, Retry-After) when `result` refuses; returns true when it did. */
export function rejectIfLimited(res: Response, result: RateResult): boolean {
  if (result.ok) return false;
  res.status(429).set("Retry-After", String(result.retryAfterSeconds)).type("application/problem+json").send(JSON.stringify({
    type: "about:blank", title: "Too Many Requests", status: 429,
    detail: `too many sign-in attempts; try again in ${result.retryAfterSeconds} seconds`,
  }));
  return true;
}

/**
 * For a door's route: counts the attempt (address = req.ip, honouring TRUST_PROXY;
 * account as typed) and answers 429 when over a limit. Returns true when it answered.
 *
 * @example
 * if (await limitSignIn(store.db, req, res, req.body.username)) return;
 */
export async function limitSignIn(db: Kysely<Database>, req: Request, res: Response, accountKey: string | null | undefined, limits?: SignInLimits): Promise<boolean> {
  return rejectIfLimited(res, await checkSignIn(db, req.ip, accountKey, limits));
}
