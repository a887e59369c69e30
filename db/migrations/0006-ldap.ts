/** Migration 0006-ldap (filled in by the work that needs it). */
import type { Kysely } from "kysely";
import type { DialectName } from "../connect.ts";

export async function up(_db: Kysely<any>, _dialect: DialectName): Promise<void> {}
