/**
 * Stable org addresses and domain claims that cannot be squatted.
 *
 * - `orgs.slug`: the identifier in sign-in, console and OIDC callback URLs; set once,
 *   never changed by a rename. Existing orgs get their current name as slug, so the
 *   URLs (and the OIDC redirect URI registered at a provider) they use today stay valid.
 * - `org_former_names`: an old name → its org, so old URLs keep redirecting after a rename.
 * - `domains`: a domain is no longer unique across orgs while pending: several orgs may
 *   hold a pending claim, each with an expiry (`expires_at`); only one VERIFIED claim per
 *   domain (partial unique index), one claim per org and domain.
 */
import { sql } from "kysely";
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, dialect: DialectName): Promise<void> {
  await db.schema.alterTable("orgs").addColumn("slug", "text").execute();
  await sql`update orgs set slug = name`.execute(db);
  if (dialect === "postgres") await sql`alter table orgs alter column slug set not null`.execute(db);
  await db.schema.createIndex("orgs_slug").unique().on("orgs").column("slug").execute();

  await db.schema.createTable("org_former_names")
    /** lower-cased former name; the latest org to have carried a name owns it */
    .addColumn("name_key", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("renamed_at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("org_former_names_org").on("org_former_names").column("org_id").execute();

  // The column-level UNIQUE on domains.domain has to go: SQLite can only drop it by rebuilding the table.
  if (dialect === "postgres") {
    await sql`alter table domains drop constraint if exists domains_domain_key`.execute(db);
    await sql`drop index if exists domains_org`.execute(db);
    await db.schema.alterTable("domains").addColumn("expires_at", "text").execute();
  } else {
    await db.schema.createTable("domains_new")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("token", "text", (c) => c.notNull())
      .addColumn("created_at", "text", (c) => c.notNull())
      .addColumn("verified_at", "text")
      .addColumn("verified_by", "text")
      .addColumn("expires_at", "text")
      .execute();
    await sql`insert into domains_new (id, org_id, domain, token, created_at, verified_at, verified_by)
      select id, org_id, domain, token, created_at, verified_at, verified_by from domains`.execute(db);
    await db.schema.dropTable("domains").execute();
    await db.schema.alterTable("domains_new").renameTo("domains").execute();
  }
  // Claims made before this migration expire 7 days from now (the default TTL), not retroactively.
  const expires = new Date(Date.now() + 7 * 86_400_000).toISOString();
  await sql`update domains set expires_at = ${expires} where verified_at is null`.execute(db);
  await db.schema.createIndex("domains_org_domain").unique().on("domains").columns(["org_id", "domain"]).execute();
  await db.schema.createIndex("domains_verified_domain").unique().on("domains").column("domain")
    .where(sql.ref("verified_at"), "is not", null).execute();
  await db.schema.createIndex("domains_domain").on("domains").column("domain").execute();
}
