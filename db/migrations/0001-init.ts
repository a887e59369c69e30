/** Initial schema: orgs, global users and their login identities, members,
 * teams and team memberships, custom roles, service accounts, API keys, audit. */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, dialect: DialectName): Promise<void> {
  const serial = dialect === "postgres" ? "bigserial" : "integer";

  await db.schema.createTable("orgs")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("name_key", "text", (c) => c.notNull().unique())
    .addColumn("plan", "text", (c) => c.notNull().defaultTo("enterprise"))
    .addColumn("auto_provisioning", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("default_team_id", "text")
    .addColumn("team_joining_at_signup", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("full_models_seat_limit", "integer")
    .addColumn("viewer_models_seat_limit", "integer")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();

  await db.schema.createTable("users")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("email", "text")
    .addColumn("email_key", "text")
    .addColumn("email_verified", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("display_name", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("users_email_key").on("users").column("email_key").execute();

  await db.schema.createTable("identities")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addUniqueConstraint("identities_provider_issuer_subject", ["provider", "issuer", "subject"])
    .execute();
  await db.schema.createIndex("identities_user").on("identities").column("user_id").execute();

  await db.schema.createTable("members")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id"))
    .addColumn("user_name", "text", (c) => c.notNull())
    .addColumn("user_name_key", "text", (c) => c.notNull())
    .addColumn("external_id", "text")
    .addColumn("display_name", "text")
    .addColumn("display_name_key", "text")
    .addColumn("given_name", "text")
    .addColumn("family_name", "text")
    .addColumn("active", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("org_role", "text", (c) => c.notNull().defaultTo("member"))
    .addColumn("models_seat", "text", (c) => c.notNull().defaultTo("full"))
    .addColumn("weave_role", "text", (c) => c.notNull().defaultTo("full"))
    .addColumn("billing_admin", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("resource", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("members_org_user_name", ["org_id", "user_name_key"])
    .addUniqueConstraint("members_org_user", ["org_id", "user_id"])
    .execute();
  for (const col of ["external_id", "display_name_key", "created_at", "updated_at"]) {
    await db.schema.createIndex(`members_org_${col}`).on("members").columns(["org_id", col, "id"]).execute();
  }
  await db.schema.createIndex("members_org_id").on("members").columns(["org_id", "id"]).execute();

  await db.schema.createTable("member_emails")
    .addColumn("member_id", "text", (c) => c.notNull().references("members.id").onDelete("cascade"))
    .addColumn("org_id", "text", (c) => c.notNull())
    .addColumn("position", "integer", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("value_key", "text", (c) => c.notNull())
    .addColumn("type", "text")
    .addColumn("is_primary", "integer", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("member_emails_pk", ["member_id", "position"])
    .execute();
  await db.schema.createIndex("member_emails_org_value").on("member_emails").columns(["org_id", "value_key"]).execute();

  await db.schema.createTable("teams")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("display_name", "text", (c) => c.notNull())
    .addColumn("name_key", "text", (c) => c.notNull())
    .addColumn("external_id", "text")
    .addColumn("storage_type", "text", (c) => c.notNull().defaultTo("default"))
    .addColumn("members_can_invite", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("domain_matching", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("teams_org_name", ["org_id", "name_key"])
    .execute();
  for (const col of ["external_id", "created_at", "updated_at"]) {
    await db.schema.createIndex(`teams_org_${col}`).on("teams").columns(["org_id", col, "id"]).execute();
  }
  await db.schema.createIndex("teams_org_id").on("teams").columns(["org_id", "id"]).execute();

  await db.schema.createTable("custom_roles")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("description", "text")
    .addColumn("inherited_from", "text", (c) => c.notNull())
    .addColumn("permissions", "text", (c) => c.notNull())
    .addColumn("revision", "integer", (c) => c.notNull().defaultTo(1))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addUniqueConstraint("custom_roles_org_name", ["org_id", "name"])
    .execute();

  await db.schema.createTable("team_members")
    .addColumn("team_id", "text", (c) => c.notNull().references("teams.id").onDelete("cascade"))
    .addColumn("member_id", "text", (c) => c.notNull().references("members.id").onDelete("cascade"))
    .addColumn("org_id", "text", (c) => c.notNull())
    .addColumn("role", "text", (c) => c.notNull().defaultTo("member"))
    .addColumn("custom_role_id", "text", (c) => c.references("custom_roles.id").onDelete("set null"))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("team_members_pk", ["team_id", "member_id"])
    .execute();
  await db.schema.createIndex("team_members_member").on("team_members").columns(["member_id", "team_id"]).execute();
  await db.schema.createIndex("team_members_custom_role").on("team_members").column("custom_role_id").execute();

  await db.schema.createTable("service_accounts")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("team_id", "text", (c) => c.references("teams.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();

  await db.schema.createTable("api_keys")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("service_account_id", "text", (c) => c.references("service_accounts.id").onDelete("cascade"))
    .addColumn("member_id", "text", (c) => c.references("members.id").onDelete("cascade"))
    .addColumn("label", "text")
    .addColumn("prefix", "text", (c) => c.notNull())
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .execute();
  await db.schema.createIndex("api_keys_org").on("api_keys").column("org_id").execute();

  await db.schema.createTable("audit_events")
    .addColumn("id", serial as "integer", (c) => (dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn("org_id", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("door", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_id", "text")
    .addColumn("detail", "text")
    .execute();
  await db.schema.createIndex("audit_events_org_at").on("audit_events").columns(["org_id", "at", "id"]).execute();
}
