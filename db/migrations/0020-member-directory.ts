/**
 * The members directory's sorts at 100k members (src/org/members/directory.ts):
 * - members.primary_email_key: the lower-cased primary address (the first one
 *   marked primary, else the first), kept by the one writer of member_emails
 *   (src/org/members/members.ts writeEmails), so sorting by e-mail reads an index
 *   instead of a subquery per member;
 * - indexes for the e-mail and org-role sorts, ties by user name then id.
 */
import { sql } from "kysely";
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("members").addColumn("primary_email_key", "text").execute();
  await sql`update members set primary_email_key = (
    select e.value_key from member_emails e where e.member_id = members.id order by e.is_primary desc, e.position limit 1
  )`.execute(db);
  await db.schema.createIndex("members_org_primary_email").on("members").columns(["org_id", "primary_email_key", "user_name_key", "id"]).execute();
  await db.schema.createIndex("members_org_role").on("members").columns(["org_id", "org_role", "user_name_key", "id"]).execute();
}
