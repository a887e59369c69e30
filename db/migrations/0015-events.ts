/**
 * Provisioning events (issue 11): the audit log is the outbox — each audit row gets a
 * stable `event_id`, and each registered receiver gets one `event_deliveries` row per
 * event it asked for, written in the change's transaction.
 * - `event_receivers`: where events go (push URL, or none for RFC 8936 polling), the
 *   format (`set` | `webhook`), the event types, the shared secret (encrypted at rest);
 * - `event_deliveries`: one event for one receiver: status, attempts, next try, last error;
 * - `event_signing_keys`: the rotating keys that sign SETs (private half encrypted).
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, dialect: DialectName): Promise<void> {
  const serial = dialect === "postgres" ? "bigserial" : "integer";
  await db.schema.alterTable("audit_events").addColumn("event_id", "text").execute();

  await db.schema.createTable("event_receivers")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    /** null: the receiver polls (RFC 8936) instead of being pushed to */
    .addColumn("url", "text")
    .addColumn("format", "text", (c) => c.notNull())
    /** ",member.create,team.delete," (audit actions, or the RFC 9967 URIs they map to), or "*" */
    .addColumn("event_types", "text", (c) => c.notNull())
    .addColumn("secret", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull().defaultTo("active"))
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("event_receivers_org").on("event_receivers").column("org_id").execute();

  await db.schema.createTable("event_deliveries")
    .addColumn("id", serial as "integer", (c) => (dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("receiver_id", "text", (c) => c.notNull().references("event_receivers.id").onDelete("cascade"))
    .addColumn("audit_id", (dialect === "postgres" ? "bigint" : "integer") as "integer", (c) => c.notNull())
    /** the order key: deliveries of one resource to one receiver go one at a time, in audit order */
    .addColumn("resource_key", "text", (c) => c.notNull())
    /** pending | leased | delivered | dead */
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_at", "text", (c) => c.notNull())
    .addColumn("lease_until", "text")
    .addColumn("last_error", "text")
    .addColumn("last_status", "integer")
    .addColumn("response_ms", "integer")
    .addColumn("delivered_at", "text")
    .addUniqueConstraint("event_deliveries_receiver_audit", ["receiver_id", "audit_id"])
    .execute();
  await db.schema.createIndex("event_deliveries_due").on("event_deliveries").columns(["status", "next_at", "id"]).execute();
  await db.schema.createIndex("event_deliveries_chain").on("event_deliveries").columns(["receiver_id", "resource_key", "audit_id"]).execute();

  await db.schema.createTable("event_signing_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("public_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
}
