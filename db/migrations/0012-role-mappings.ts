/**
 * Role mapping rules (issue 10, item 2): directory groups → org role, Models
 * seat, Weave access, team + team role, with an explicit precedence per org
 * (`priority` unique per org: a tie is refused at save, by the rule and by this index).
 * `member_directory_groups`: the OIDC / LDAP groups each member's last sign-in
 * carried, so rules are applied (and dry-run) between sign-ins too.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.createTable("role_mappings")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("priority", "integer", (c) => c.notNull())
    /** 'scim-group' (displayName) | 'scim-group-external-id' | 'oidc-group' | 'ldap-group' */
    .addColumn("match_kind", "text", (c) => c.notNull())
    .addColumn("match_value", "text", (c) => c.notNull())
    .addColumn("match_key", "text", (c) => c.notNull())
    .addColumn("org_role", "text")
    .addColumn("models_seat", "text")
    .addColumn("weave_role", "text")
    .addColumn("team_id", "text", (c) => c.references("teams.id").onDelete("cascade"))
    .addColumn("team_role", "text")
    .addColumn("custom_role_id", "text", (c) => c.references("custom_roles.id").onDelete("cascade"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("role_mappings_org_priority", ["org_id", "priority"])
    .execute();

  await db.schema.createTable("member_directory_groups")
    .addColumn("member_id", "text", (c) => c.notNull().references("members.id").onDelete("cascade"))
    .addColumn("org_id", "text", (c) => c.notNull())
    /** 'oidc-group' | 'ldap-group' */
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("group_key", "text", (c) => c.notNull())
    .addColumn("seen_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("member_directory_groups_pk", ["member_id", "kind", "group_key"])
    .execute();
  await db.schema.createIndex("member_directory_groups_org").on("member_directory_groups").columns(["org_id", "kind", "group_key"]).execute();
}
