/**
 * Database errors a race can cause, recognised on either database, so a race
 * between two writers ends as a 409, not a 500.
 */
import { DomainError } from "./errors.ts";

const codeOf = (err: unknown): string | undefined => (err as { code?: unknown } | null)?.code as string | undefined;

/** A unique constraint: another writer took the name first. */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

/** A foreign key: a row the write refers to was deleted by another writer meanwhile. */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  return code === "23503" || code === "SQLITE_CONSTRAINT_FOREIGNKEY";
}

/** PostgreSQL gave up on one of two writers that waited for each other. */
export function isDeadlock(err: unknown): boolean {
  const code = codeOf(err);
  return code === "40P01" || code === "40001";
}

/**
 * The one translation of a lost race into a domain error (409): a row the write
 * refers to was deleted under it (the writes that lock what they refer to never
 * get here, but a team or role named in a member's team roles is referred to
 * without a lock), or the database broke a deadlock by aborting this writer.
 * Anything else is returned unchanged.
 */
export function lostRace(err: unknown, what: string): unknown {
  if (isForeignKeyViolation(err)) return new DomainError("conflict", `${what} refers to a row that was deleted meanwhile; read it again and retry`);
  if (isDeadlock(err)) return new DomainError("conflict", `${what} was changed by a concurrent request at the same time; retry`);
  return err;
}
