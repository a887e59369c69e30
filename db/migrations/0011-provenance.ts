/**
 * Provenance (issue 10, item 1): who granted each team membership, org role and
 * seat. A grant may have several sources; a source's reconciliation removes only
 * its own, and a membership goes when its last source does.
 *
 * - `membership_sources`: one row per (team, member, source). `kind` is
 *   'scim' (id: the SCIM connection), 'sso' (id: 'oidc <issuer>' | 'ldap <url>'),
 *   'admin' (id: the acting principal), 'invite' (id: the invite), 'domain'
 *   (id: the captured domain), 'signup' (a team join at sign-up), 'mapping'
 *   (id: the role-mapping rule) or 'legacy'.
 * - `access_sources`: one row per (member, field, source) for the member's
 *   current org role, Models seat and Weave access.
 * Rows that existed before this migration get the source 'legacy' (id ''): who
 * wrote them is unknown, so any source's reconciliation may remove them, as before.
 */
import { sql } from "kysely";
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.createTable("membership_sources")
    .addColumn("team_id", "text", (c) => c.notNull().references("teams.id").onDelete("cascade"))
    .addColumn("member_id", "text", (c) => c.notNull().references("members.id").onDelete("cascade"))
    .addColumn("org_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("granted_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("membership_sources_pk", ["team_id", "member_id", "kind", "source_id"])
    .execute();
  await db.schema.createIndex("membership_sources_member").on("membership_sources").columns(["member_id", "team_id"]).execute();
  await db.schema.createIndex("membership_sources_source").on("membership_sources").columns(["org_id", "kind", "source_id"]).execute();
  await sql`insert into membership_sources (team_id, member_id, org_id, kind, source_id, granted_at)
    select team_id, member_id, org_id, 'legacy', '', created_at from team_members`.execute(db);

  await db.schema.createTable("access_sources")
    .addColumn("member_id", "text", (c) => c.notNull().references("members.id").onDelete("cascade"))
    .addColumn("org_id", "text", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("source_id", "text", (c) => c.notNull())
    .addColumn("granted_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("access_sources_pk", ["member_id", "field", "kind", "source_id"])
    .execute();
  await db.schema.createIndex("access_sources_source").on("access_sources").columns(["org_id", "kind", "source_id"]).execute();
  for (const field of ["org_role", "models_seat", "weave_role"]) {
    await sql`insert into access_sources (member_id, org_id, field, value, kind, source_id, granted_at)
      select id, org_id, ${field}, ${sql.ref(field)}, 'legacy', '', created_at from members`.execute(db);
  }
}
