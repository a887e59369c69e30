/**
 * A custom role keeps the directory's `externalId` (issue 15: scim2-client's checker PATCHes
 * and PUTs it on /Roles). Case-exact like every externalId (RFC 7643 §3.1).
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("custom_roles").addColumn("external_id", "text").execute();
}
