/** Invites (hashed link tokens, expiry, revocation) and claimed e-mail domains
 * (unique across all orgs, verified through a DNS TXT record). */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.createTable("invites")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("email", "text")
    .addColumn("email_key", "text")
    .addColumn("user_name", "text")
    .addColumn("user_name_key", "text")
    /** set for invites by user name: the global user they name */
    .addColumn("user_id", "text", (c) => c.references("users.id").onDelete("cascade"))
    .addColumn("org_role", "text", (c) => c.notNull())
    .addColumn("team_ids", "text", (c) => c.notNull())
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("invited_by", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("sent_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("accepted_at", "text")
    .addColumn("accepted_member_id", "text")
    .addColumn("revoked_at", "text")
    .execute();
  await db.schema.createIndex("invites_org_created").on("invites").columns(["org_id", "created_at", "id"]).execute();
  await db.schema.createIndex("invites_org_email").on("invites").columns(["org_id", "email_key"]).execute();

  await db.schema.createTable("domains")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("domain", "text", (c) => c.notNull().unique())
    .addColumn("token", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("verified_at", "text")
    .addColumn("verified_by", "text")
    .execute();
  await db.schema.createIndex("domains_org").on("domains").columns(["org_id", "domain"]).execute();
}
