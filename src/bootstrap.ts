/** First start: migrate, and create the default org (printing its key once) if there is none. */
import type { Store } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import type { Config } from "./config.ts";
import { isUniqueViolation } from "./org/db-errors.ts";
import { DomainError } from "./org/errors.ts";
import { applyEnvOidcConnection } from "./org/connections/oidc-connections.ts";
import { findOrgByAddress } from "./org/orgs/addresses.ts";
import { createOrg } from "./org/orgs/orgs.ts";
import { createAdminLink } from "./org/arrival/admin-links.ts";

export interface BootstrapResult {
  migrated: string[];
  createdOrg?: { name: string; key: string };
  /** the first org's one-time console sign-in link token (src/org/arrival/admin-links.ts); print `${baseUrl}/admin/link/${token}` */
  adminLinkToken?: string;
  /** what OIDC_* did to the connection of the org named ROLLCALL_ORG_NAME */
  oidc?: "created" | "updated" | "unchanged";
}

const anyOrg = async (store: Store) => !!(await store.db.selectFrom("orgs").select("id").limit(1).executeTakeFirst());

export async function bootstrap(store: Store, config: Config): Promise<BootstrapResult> {
  const result = await firstOrg(store, config);
  // "The" org of a single-org install, found the way URLs find it: a rename in the console keeps it.
  const envOrg = await findOrgByAddress(store.db, config.orgName);
  if (envOrg) config.envOrgId = envOrg.org.id;
  if (config.oidc) result.oidc = await applyEnvOidcConnection(store.db, config.oidc, config.orgName, config.encryptionKey);
  return result;
}

async function firstOrg(store: Store, config: Config): Promise<BootstrapResult> {
  const migrated = await migrateToLatest(store);
  if (await anyOrg(store)) return { migrated };
  try {
    const { org, key } = await createOrg(store.db, config.orgName, { presetKey: config.bootstrapKey });
    return { migrated, createdOrg: { name: org.name, key: key.key }, adminLinkToken: (await createAdminLink(store.db, org.id)).token };
  } catch (err) {
    // Two instances starting together on one database: the other one created the first org.
    const lostRace = (err instanceof DomainError && err.kind === "conflict") || isUniqueViolation(err);
    if (lostRace && (await anyOrg(store))) return { migrated };
    throw err;
  }
}
