/** Organizations and their first service account + key. */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, Org } from "../../../db/types.ts";
import { findOrgByAddress } from "./addresses.ts";
import { chooseSlug } from "./slug.ts";
import { now } from "../clock.ts";
import { isUniqueViolation } from "../db-errors.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import { createKey, type CreatedKey } from "../security/keys.ts";

export async function findOrgByName(db: Kysely<Database>, name: string): Promise<Org | undefined> {
  return db.selectFrom("orgs").selectAll().where("name_key", "=", name.trim().toLowerCase()).executeTakeFirst();
}

export async function findOrgById(db: Kysely<Database>, id: string): Promise<Org | undefined> {
  return db.selectFrom("orgs").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The only org of a single-org install (an address is then not needed), or undefined when there are several or none. */
export async function soleOrg(db: Kysely<Database>): Promise<Org | undefined> {
  const two = await db.selectFrom("orgs").selectAll().limit(2).execute();
  return two.length === 1 ? two[0] : undefined;
}

/**
 * The org that `name` names for an operator (CLI, ROLLCALL_ORG_NAME): its current name,
 * its slug, a name it had before a rename, or its id — so a rename breaks no script.
 */
export async function getOrgByName(db: Kysely<Database>, name: string): Promise<Org> {
  const found = await findOrgByAddress(db, name);
  if (!found) throw notFound(`no organization named "${name}"`);
  return found.org;
}

/**
 * Creates an org with an org-scoped service account and its first API key,
 * in one transaction. `presetKey` (ROLLCALL_BOOTSTRAP_KEY) becomes that key.
 */
export async function createOrg(
  db: Kysely<Database>,
  name: string,
  opts: { plan?: "standard" | "enterprise"; presetKey?: string } = {},
): Promise<{ org: Org; key: CreatedKey }> {
  const clean = name.trim();
  if (!clean || clean.length > 200) throw invalid("an organization name must be 1 to 200 characters");
  // Two orgs created at once may pick the same free slug: the loser tries again with the next one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await insertOrg(db, clean, opts);
    } catch (err) {
      if (!isUniqueViolation(err) || attempt >= 3) throw err;
    }
  }
}

async function insertOrg(db: Kysely<Database>, clean: string, opts: { plan?: "standard" | "enterprise"; presetKey?: string }): Promise<{ org: Org; key: CreatedKey }> {
  return db.transaction().execute(async (trx) => {
    if (await findOrgByName(trx, clean)) throw conflict(`an organization named "${clean}" already exists`);
    const t = now();
    const org: Org = {
      id: crypto.randomUUID(),
      name: clean,
      name_key: clean.toLowerCase(),
      slug: await chooseSlug(trx, clean),
      plan: opts.plan ?? "enterprise",
      auto_provisioning: 1,
      default_team_id: null,
      team_joining_at_signup: 0,
      sync_groups_to_teams: 0,
      full_models_seat_limit: null,
      viewer_models_seat_limit: null,
      email_link_sign_in: 0,
      seat_overflow: "refuse",
      created_at: t,
      updated_at: t,
    };
    await trx.insertInto("orgs").values(org).execute();
    const saId = crypto.randomUUID();
    await trx.insertInto("service_accounts").values({ id: saId, org_id: org.id, team_id: null, name: "provisioning", created_at: t }).execute();
    const key = await createKey(trx, { orgId: org.id, serviceAccountId: saId, label: "first key" }, opts.presetKey);
    return { org, key };
  });
}

/** A new key for the org's provisioning service account (created if missing). */
export async function createOrgKey(db: Kysely<Database>, orgName: string, label?: string): Promise<CreatedKey> {
  const org = await getOrgByName(db, orgName);
  return db.transaction().execute(async (trx) => {
    let sa = await trx.selectFrom("service_accounts").select("id").where("org_id", "=", org.id).where("team_id", "is", null)
      .orderBy("created_at").limit(1).executeTakeFirst();
    if (!sa) {
      sa = { id: crypto.randomUUID() };
      await trx.insertInto("service_accounts").values({ id: sa.id, org_id: org.id, team_id: null, name: "provisioning", created_at: now() }).execute();
    }
    return createKey(trx, { orgId: org.id, serviceAccountId: sa.id, label });
  });
}
