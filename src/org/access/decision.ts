/** The answer of the access policy: allowed and why, or refused and what would allow it. */
import { forbidden } from "../errors.ts";

export type Decision = { allowed: true; because: string } | { allowed: false; reason: string };

export const allow = (because: string): Decision => ({ allowed: true, because });
export const refuse = (reason: string): Decision => ({ allowed: false, reason });

/** Throws the domain `forbidden` error (403 at every door) for a refusal; returns why it was allowed. */
export function enforce(d: Decision): string {
  if (!d.allowed) throw forbidden(d.reason);
  return d.because;
}
