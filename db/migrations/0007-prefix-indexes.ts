/**
 * PostgreSQL only: `sw` filters compile to `key LIKE 'prefix%'`, which a btree
 * index can serve under a non-C collation only with text_pattern_ops. (SQLite's
 * indexes already serve it: its connections run with case_sensitive_like on.)
 */
import { sql } from "kysely";
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, dialect: DialectName): Promise<void> {
  if (dialect !== "postgres") return;
  await sql`create index members_org_user_name_prefix on members (org_id, user_name_key text_pattern_ops)`.execute(db);
  await sql`create index members_org_display_name_prefix on members (org_id, display_name_key text_pattern_ops)`.execute(db);
  await sql`create index member_emails_org_value_prefix on member_emails (org_id, value_key text_pattern_ops)`.execute(db);
  await sql`create index teams_org_name_prefix on teams (org_id, name_key text_pattern_ops)`.execute(db);
}
