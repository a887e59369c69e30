/** First start: migrate, and create the default org (printing its key once) if there is none. */
import type { Store } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import type { Config } from "./config.ts";
import { createOrg } from "./org/orgs.ts";

export interface BootstrapResult {
  migrated: string[];
  createdOrg?: { name: string; key: string };
}

export async function bootstrap(store: Store, config: Config): Promise<BootstrapResult> {
  const migrated = await migrateToLatest(store);
  const any = await store.db.selectFrom("orgs").select("id").limit(1).executeTakeFirst();
  if (any) return { migrated };
  const { org, key } = await createOrg(store.db, config.orgName, { presetKey: config.bootstrapKey });
  return { migrated, createdOrg: { name: org.name, key: key.key } };
}
