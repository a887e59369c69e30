/**
 * Several SCIM connections per org (issue 10, item 4): a connection is a named
 * org-scoped service account marked as one, with its own keys (the account's),
 * its own rate limit, last request time and counts. What it granted is in
 * `membership_sources` / `access_sources` under the source `scim <service account id>`.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.createTable("scim_connections")
    .addColumn("service_account_id", "text", (c) => c.primaryKey().references("service_accounts.id").onDelete("cascade"))
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("name_key", "text", (c) => c.notNull())
    /** requests per minute through this connection's keys; past it: 429 with Retry-After */
    .addColumn("rate_limit_per_minute", "integer", (c) => c.notNull())
    .addColumn("last_request_at", "text")
    .addColumn("request_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("error_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("scim_connections_org_name", ["org_id", "name_key"])
    .execute();
}
