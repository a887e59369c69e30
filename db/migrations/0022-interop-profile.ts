/**
 * The SCIM interop profile per connection (draft-zollner-scim-interop-profile):
 * `scim_connections.interop_profile` = 1 makes Rollcall strictly conformant for
 * that connection's requests (a PATCH operation without a `path` is a 400
 * invalidSyntax; /ServiceProviderConfig asked with its credential says
 * `interopProfileConformant: true`). 0, the default, keeps path-less PATCH
 * accepted for Entra and W&B.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("scim_connections").addColumn("interop_profile", "integer", (c) => c.notNull().defaultTo(0)).execute();
}
