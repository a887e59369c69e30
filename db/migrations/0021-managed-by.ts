/**
 * Managed fields (issue 10, item 3): the SCIM connection that created a member or
 * team, or last wrote its identity (src/org/provenance/managed.ts). Its fields the
 * identity provider owns — a member's identity and active state and existence, a
 * team's name and existence — are then changed only through that directory.
 * Removing the connection (its service account) clears the mark: the rows stay,
 * no longer managed. Null: nobody manages it (admin, invite, sign-in, older rows).
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("members")
    .addColumn("managed_by", "text", (c) => c.references("scim_connections.service_account_id").onDelete("set null"))
    .execute();
  await db.schema.alterTable("teams")
    .addColumn("managed_by", "text", (c) => c.references("scim_connections.service_account_id").onDelete("set null"))
    .execute();
}
