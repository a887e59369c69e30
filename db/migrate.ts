/** Runs the migrations in db/migrations, in order, once each. */
import { Migrator, sql, type Migration, type MigrationProvider } from "kysely";
import type { MigrationDb, Store } from "./connect.ts";
import * as m0001 from "./migrations/0001-init.ts";
import * as m0003 from "./migrations/0003-invites-domains.ts";
import * as m0004 from "./migrations/0004-sessions.ts";
import * as m0005 from "./migrations/0005-oidc.ts";
import * as m0006 from "./migrations/0006-ldap.ts";
import * as m0007 from "./migrations/0007-prefix-indexes.ts";
import * as m0008 from "./migrations/0008-addresses.ts";
import * as m0009 from "./migrations/0009-arrival.ts";
import * as m0010 from "./migrations/0010-email-links.ts";
import * as m0011 from "./migrations/0011-provenance.ts";
import * as m0012 from "./migrations/0012-role-mappings.ts";
import * as m0013 from "./migrations/0013-scim-connections.ts";
import * as m0014 from "./migrations/0014-oauth.ts";
import * as m0015 from "./migrations/0015-events.ts";
import * as m0017 from "./migrations/0017-role-external-id.ts";
import * as m0018 from "./migrations/0018-last-sign-in.ts";
import * as m0019 from "./migrations/0019-audit-for-people.ts";
import * as m0020 from "./migrations/0020-member-directory.ts";
import * as m0022 from "./migrations/0022-interop-profile.ts";
import * as m0021 from "./migrations/0021-managed-by.ts";
import * as m0023 from "./migrations/0023-refused-scim-requests.ts";

type Step = { up(db: MigrationDb, dialect: Store["dialect"]): Promise<void> };
const steps: Record<string, Step> = {
  "0001-init": m0001,
  "0003-invites-domains": m0003,
  "0004-sessions": m0004,
  "0005-oidc": m0005,
  "0006-ldap": m0006,
  "0007-prefix-indexes": m0007,
  "0008-addresses": m0008,
  "0009-arrival": m0009,
  "0010-email-links": m0010,
  "0011-provenance": m0011,
  "0012-role-mappings": m0012,
  "0013-scim-connections": m0013,
  "0014-oauth": m0014,
  "0015-events": m0015,
  "0017-role-external-id": m0017,
  "0018-last-sign-in": m0018,
  "0019-audit-for-people": m0019,
  "0020-member-directory": m0020,
  "0022-interop-profile": m0022,
  "0021-managed-by": m0021,
  "0023-refused-scim-requests": m0023,
};

function provider(store: Store): MigrationProvider {
  return {
    async getMigrations() {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(steps)) out[name] = { up: (db) => step.up(db, store.dialect) };
      return out;
    },
  };
}

export const LATEST_MIGRATION = Object.keys(steps).at(-1)!;

/**
 * On PostgreSQL the migration tables are pinned to the current schema: kysely
 * otherwise finds another schema's `kysely_migration_lock` (a second test
 * schema, another app in the same database) and never creates its own.
 */
async function migratorFor(store: Store): Promise<Migrator> {
  if (store.dialect !== "postgres") return new Migrator({ db: store.db, provider: provider(store) });
  const { rows } = await sql<{ s: string }>`select current_schema() as s`.execute(store.db);
  return new Migrator({ db: store.db, provider: provider(store), migrationTableSchema: rows[0]?.s ?? "public" });
}

export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrator = await migratorFor(store);
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** True when every migration this code knows has been applied. */
export async function migrationsCurrent(store: Store): Promise<boolean> {
  const all = await (await migratorFor(store)).getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
