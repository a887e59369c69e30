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

/**
 * The one translation of a vanished reference: the writes that lock what they
 * refer to never get here, but a row referred to without a lock (a team or a
 * role named in a member's team roles) can still be deleted under the write.
 */
export function vanishedReference(err: unknown, what: string): unknown {
  if (!isForeignKeyViolation(err)) return err;
  return new DomainError("conflict", `${what} refers to a row that was deleted meanwhile; read it again and retry`);
}
