/**
 * The audit log for people (issue 12, part B): filters by door, by action, by a
 * person (as actor or target) and by target, each newest first — so each gets an
 * index that ends in the page order (at, id) and a filter never scans the org's
 * whole log (20,000 SCIM creates must not swamp a search for one admin's changes).
 * `person_id`: the member an event is about besides its actor (the target member,
 * or the member added to a team), so "search by person" finds both sides.
 *
 * `scim_requests`: the last requests an identity provider made over SCIM (what an
 * Okta or Entra admin checks after "Test connection"): a ring of slots per org, so
 * it never grows; method, resource path (ids replaced), status, which key — no bodies.
 */
import { sql } from "kysely";
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, dialect: DialectName): Promise<void> {
  await db.schema.alterTable("audit_events").addColumn("person_id", "text").execute();
  const memberInDetail = dialect === "postgres" ? sql`(detail::jsonb ->> 'memberId')` : sql`json_extract(detail, '$.memberId')`;
  await sql`update audit_events set person_id = case when target_type = 'member' then target_id else ${memberInDetail} end where detail is not null or target_type = 'member'`.execute(db);
  await db.schema.createIndex("audit_events_org_person_at").on("audit_events").columns(["org_id", "person_id", "at", "id"]).execute();
  await db.schema.createIndex("audit_events_org_door_at").on("audit_events").columns(["org_id", "door", "at", "id"]).execute();
  await db.schema.createIndex("audit_events_org_action_at").on("audit_events").columns(["org_id", "action", "at", "id"]).execute();
  // (by actor and by target: 0018's audit_events_org_actor_at and audit_events_org_target_at)
  await db.schema.createTable("scim_requests")
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("slot", "integer", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("method", "text", (c) => c.notNull())
    .addColumn("path", "text", (c) => c.notNull())
    .addColumn("status", "integer", (c) => c.notNull())
    .addColumn("key_id", "text")
    .addPrimaryKeyConstraint("scim_requests_pk", ["org_id", "slot"])
    .execute();
}
