/**
 * OAuth 2.0 for SCIM clients (issue 15, item 1):
 * - `api_keys.expires_at`: an optional end of life for every static key;
 * - `oauth_clients`: a service account's OAuth client (client credentials), authenticated
 *   by secret or by a signed JWT against its registered keys (inline JWKS or a JWKS URL);
 * - `oauth_client_secrets`: several alive at once (rotation), each hashed, each with an optional expiry;
 * - `oauth_assertion_jtis`: the `jti` of every accepted client assertion until it expires (replay check);
 * - `oauth_signing_keys`: Rollcall's token signing keys (ES256), the private half encrypted, rotating;
 * - `scim_federations`: a trusted issuer, audience and subject per service account (workload identity federation).
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("api_keys").addColumn("expires_at", "text").execute();

  await db.schema.createTable("oauth_clients")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("service_account_id", "text", (c) => c.notNull().references("service_accounts.id").onDelete("cascade"))
    /** the public client_id (random, unique across orgs) */
    .addColumn("client_id", "text", (c) => c.notNull().unique())
    .addColumn("name", "text", (c) => c.notNull())
    /** JSON: an inline JWKS for private_key_jwt, or null */
    .addColumn("jwks", "text")
    .addColumn("jwks_uri", "text")
    .addColumn("token_lifetime_seconds", "integer", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("oauth_clients_org").on("oauth_clients").columns(["org_id", "service_account_id"]).execute();

  await db.schema.createTable("oauth_client_secrets")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("client_ref", "text", (c) => c.notNull().references("oauth_clients.id").onDelete("cascade"))
    .addColumn("org_id", "text", (c) => c.notNull())
    .addColumn("prefix", "text", (c) => c.notNull())
    /** SHA-256 (hex) of the secret */
    .addColumn("hash", "text", (c) => c.notNull().unique())
    .addColumn("label", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text")
    .addColumn("last_used_at", "text")
    .addColumn("revoked_at", "text")
    .execute();
  await db.schema.createIndex("oauth_client_secrets_client").on("oauth_client_secrets").column("client_ref").execute();

  await db.schema.createTable("oauth_assertion_jtis")
    .addColumn("client_ref", "text", (c) => c.notNull())
    .addColumn("jti", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("oauth_assertion_jtis_pk", ["client_ref", "jti"])
    .execute();
  await db.schema.createIndex("oauth_assertion_jtis_expiry").on("oauth_assertion_jtis").column("expires_at").execute();

  await db.schema.createTable("oauth_signing_keys")
    .addColumn("kid", "text", (c) => c.primaryKey())
    .addColumn("alg", "text", (c) => c.notNull())
    /** JSON public JWK, published at /oauth/jwks */
    .addColumn("public_jwk", "text", (c) => c.notNull())
    /** the private JWK, AES-256-GCM under ROLLCALL_ENCRYPTION_KEY (src/org/security/secrets.ts) */
    .addColumn("private_jwk", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    /** after this the key signs no more tokens; it still verifies until tokens it signed have expired */
    .addColumn("sign_until", "text", (c) => c.notNull())
    .addColumn("verify_until", "text", (c) => c.notNull())
    .execute();

  await db.schema.createTable("scim_federations")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("service_account_id", "text", (c) => c.notNull().references("service_accounts.id").onDelete("cascade"))
    .addColumn("issuer", "text", (c) => c.notNull())
    .addColumn("audience", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    /** null: discovered from the issuer's /.well-known/openid-configuration */
    .addColumn("jwks_uri", "text")
    .addColumn("expires_at", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .execute();
  // One service account per (issuer, subject, audience): a federated token names exactly one.
  await db.schema.createIndex("scim_federations_claims").on("scim_federations").columns(["issuer", "subject", "audience"]).unique().execute();
}
