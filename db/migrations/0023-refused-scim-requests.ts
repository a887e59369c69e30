/**
 * Refused SCIM requests in the connection set-up's "last requests" (issue 12):
 * - scim_requests.why: for a refused key (401), why it was refused, in words
 *   ("this key was revoked"); never the key itself;
 * - an index on api_keys.prefix: a refused key is attributed to its org by its
 *   non-secret first characters, looked up on every refusal.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("scim_requests").addColumn("why", "text").execute();
  await db.schema.createIndex("api_keys_prefix").on("api_keys").column("prefix").execute();
}
