/**
 * The member page shows when a person last signed in, and through which door
 * (issue 12): written by the arrival decision for every sign-in (OIDC, LDAP,
 * e-mail link, invite acceptance), never by SCIM pushes; and indexes for the
 * audit events about and by one person.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("members").addColumn("last_sign_in_at", "text").execute();
  /** 'oidc' | 'ldap' | 'email' | 'invite' */
  await db.schema.alterTable("members").addColumn("last_sign_in_door", "text").execute();
  // The members page asks who the billing admin is (at most one) among 100k members.
  await db.schema.createIndex("members_org_billing_admin").on("members").columns(["org_id", "billing_admin"]).execute();
  // The member page reads the events about a person and by a person, newest first.
  await db.schema.createIndex("audit_events_org_target_at").on("audit_events").columns(["org_id", "target_id", "at"]).execute();
  await db.schema.createIndex("audit_events_org_actor_at").on("audit_events").columns(["org_id", "actor", "at"]).execute();
}
