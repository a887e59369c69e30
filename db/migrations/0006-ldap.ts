/**
 * Per-org LDAP connections (at most one per org). The service account's bind
 * password is stored encrypted (AES-256-GCM, src/org/security/secrets.ts), never in plain
 * text. Table types: src/sso/ldap/table.ts.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.createTable("ldap_connections")
    .addColumn("org_id", "text", (c) => c.primaryKey().references("orgs.id").onDelete("cascade"))
    /** ldap://host:port or ldaps://host:port */
    .addColumn("url", "text", (c) => c.notNull())
    .addColumn("start_tls", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("bind_dn", "text", (c) => c.notNull())
    /** `v1:<base64url(iv | tag | ciphertext)>` */
    .addColumn("bind_password", "text", (c) => c.notNull())
    .addColumn("base_dn", "text", (c) => c.notNull())
    /** e.g. `(uid={username})`; {username} is replaced by the RFC 4515-escaped name */
    .addColumn("user_filter", "text", (c) => c.notNull())
    /** JSON object: our attribute (email, name, givenName, familyName, username) → the directory's */
    .addColumn("attributes", "text", (c) => c.notNull())
    .addColumn("group_base_dn", "text")
    /** e.g. `(member={dn})`; {dn} is the user's DN, {username} the name, both RFC 4515-escaped */
    .addColumn("group_filter", "text")
    /** JSON array of group names or DNs; empty: everyone the user filter finds may sign in */
    .addColumn("allowed_groups", "text", (c) => c.notNull().defaultTo("[]"))
    /** 1: the directory's e-mail counts as verified (links to existing users, captures domains) */
    .addColumn("trust_email", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("timeout_ms", "integer", (c) => c.notNull().defaultTo(5000))
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}
