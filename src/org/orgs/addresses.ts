/**
 * Finds the org a URL or a setting names: by its slug (the stable address), its
 * current name, a name it carried before a rename, or its id. Adapters redirect a
 * former name to the slug; the others are served as they are.
 *
 * @example
 * const found = await findOrgByAddress(db, "Initech");   // { org, via: "former" } after a rename
 * if (found?.via === "former") redirect(`/auth/${found.org.slug}/…`);
 */
import { sql, type Kysely } from "kysely";
import type { Database, Org } from "../../../db/types.ts";
import { now } from "../clock.ts";

export type AddressKind = "slug" | "name" | "former" | "id";

export interface FoundOrg {
  org: Org;
  /** how `ref` named the org; "former" means an old name that should redirect to the slug */
  via: AddressKind;
}

export async function findOrgByAddress(db: Kysely<Database>, ref: string): Promise<FoundOrg | undefined> {
  const raw = typeof ref === "string" ? ref.trim() : "";
  if (!raw || raw.length > 400) return undefined;
  const key = raw.toLowerCase();
  const bySlug = await db.selectFrom("orgs").selectAll().where("slug", "=", raw).executeTakeFirst();
  if (bySlug) return { org: bySlug, via: "slug" };
  const byName = await db.selectFrom("orgs").selectAll().where("name_key", "=", key).executeTakeFirst();
  if (byName) return { org: byName, via: "name" };
  const former = await db.selectFrom("org_former_names as f").innerJoin("orgs as o", "o.id", "f.org_id").selectAll("o")
    .where("f.name_key", "=", key).executeTakeFirst();
  if (former) return { org: former, via: "former" };
  const slugCase = await db.selectFrom("orgs").selectAll().where(sql<string>`lower(slug)`, "=", key).executeTakeFirst();
  if (slugCase) return { org: slugCase, via: "slug" };
  const byId = await db.selectFrom("orgs").selectAll().where("id", "=", raw).executeTakeFirst();
  return byId ? { org: byId, via: "id" } : undefined;
}

/** Does `ref` name this org without a lookup (its slug, current name or id)? Former names need findOrgByAddress. */
export function namesOrg(org: { id: string; name_key: string; slug?: string }, ref: string): boolean {
  const key = ref.trim().toLowerCase();
  return org.name_key === key || org.slug?.toLowerCase() === key || org.id === ref.trim();
}

/**
 * A rename keeps the old name as an address of this org (the latest org to carry a
 * name owns it), and the new name stops being a former name of anyone: current
 * names come before former ones anyway, this keeps the table truthful.
 * Call it in the transaction that renames.
 */
export async function recordRename(db: Kysely<Database>, orgId: string, oldName: string, newName: string): Promise<void> {
  const oldKey = oldName.trim().toLowerCase();
  const newKey = newName.trim().toLowerCase();
  if (oldKey === newKey) return;
  await db.deleteFrom("org_former_names").where("name_key", "=", newKey).execute();
  await db.insertInto("org_former_names").values({ name_key: oldKey, org_id: orgId, name: oldName, renamed_at: now() })
    .onConflict((oc) => oc.column("name_key").doUpdateSet({ org_id: orgId, name: oldName, renamed_at: now() })).execute();
}

/** The org's former names, newest first (for the console and the admin API). */
export async function formerNames(db: Kysely<Database>, orgId: string): Promise<string[]> {
  return (await db.selectFrom("org_former_names").select("name").where("org_id", "=", orgId).orderBy("renamed_at", "desc").execute()).map((r) => r.name);
}
