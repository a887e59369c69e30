/**
 * Per-org OpenID Connect connections (one per org). The client secret is stored
 * encrypted (AES-256-GCM, src/org/security/secrets.ts), never in plain text.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.createTable("oidc_connections")
    .addColumn("org_id", "text", (c) => c.primaryKey().references("orgs.id").onDelete("cascade"))
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("client_id", "text", (c) => c.notNull())
    /** `v1:<base64url(iv | tag | ciphertext)>` */
    .addColumn("client_secret", "text", (c) => c.notNull())
    .addColumn("scopes", "text", (c) => c.notNull())
    /** JSON object: our claim name → the provider's claim name (dotted path for nested claims) */
    .addColumn("claims_mapping", "text", (c) => c.notNull())
    /** 1 only for an http:// issuer on a loopback host (local development and tests) */
    .addColumn("allow_insecure", "integer", (c) => c.notNull().defaultTo(0))
    /** 'admin' (admin API) or 'env' (OIDC_* variables, single-org install) */
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
}
