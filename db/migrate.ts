/** Runs the migrations in db/migrations, in order, once each. */
import { Migrator, type Migration, type MigrationProvider } from "kysely";
import type { Store } from "./connect.ts";
import * as m0001 from "./migrations/0001-init.ts";

type Step = { up(db: any, dialect: Store["dialect"]): Promise<void> };
const steps: Record<string, Step> = {
  "0001-init": m0001,
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

export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: provider(store) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** True when every migration this code knows has been applied. */
export async function migrationsCurrent(store: Store): Promise<boolean> {
  const migrator = new Migrator({ db: store.db, provider: provider(store) });
  const all = await migrator.getMigrations();
  return all.every((m) => m.executedAt !== undefined);
}
