/** First start: migrate, and create the default org (printing its key once) if there is none. */
import type { Store } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import type { Config } from "./config.ts";
import { isUniqueViolation } from "./org/db-errors.ts";
import { DomainError } from "./org/errors.ts";
import { createOrg } from "./org/orgs.ts";

export interface BootstrapResult {
  migrated: string[];
  createdOrg?: { name: string; key: string };
}

const anyOrg = async (store: Store) => !!(await store.db.selectFrom("orgs").select("id").limit(1).executeTakeFirst());

export async function bootstrap(store: Store, config: Config): Promise<BootstrapResult> {
  const migrated = await migrateToLatest(store);
  if (await anyOrg(store)) return { migrated };
  try {
    const { org, key } = await createOrg(store.db, config.orgName, { presetKey: config.bootstrapKey });
    return { migrated, createdOrg: { name: org.name, key: key.key } };
  } catch (err) {
    // Two instances starting together on one database: the other one created the first org.
    const lostRace = (err instanceof DomainError && err.kind === "conflict") || isUniqueViolation(err);
    if (lostRace && (await anyOrg(store))) return { migrated };
    throw err;
  }
}
