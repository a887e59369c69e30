/**
 * Sessions, sign-in rate limits and shared secrets: everything a second
 * instance behind a load balancer must see (DESIGN: no state lives only in one
 * process). Plus the per-org setting that syncs directory groups to teams.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.createTable("sessions")
    .addColumn("sid", "text", (c) => c.primaryKey())
    /** JSON of the express-session data */
    .addColumn("data", "text", (c) => c.notNull())
    /** ISO-8601 UTC; expired rows are ignored and pruned */
    .addColumn("expires_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("sessions_expires_at").on("sessions").column("expires_at").execute();

  await db.schema.createTable("rate_limits")
    .addColumn("key", "text", (c) => c.primaryKey())
    /** ISO-8601 UTC start of the current fixed window */
    .addColumn("window_start", "text", (c) => c.notNull())
    .addColumn("count", "integer", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("rate_limits_window_start").on("rate_limits").column("window_start").execute();

  /** Secrets generated once and shared by every instance (e.g. the session secret when SESSION_SECRET is unset). */
  await db.schema.createTable("app_secrets")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema.alterTable("orgs")
    .addColumn("sync_groups_to_teams", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
}
