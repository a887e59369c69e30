/**
 * An org's slug: the identifier its sign-in, console and OIDC callback URLs use.
 * Chosen once, from the org's first name, and never changed by a rename (a URL
 * registered at an identity provider must keep working). Lower-case letters,
 * digits and dashes; unique across orgs, case-insensitively.
 *
 * @example
 * slugFrom("Acme Corp.");          // "acme-corp"
 * await chooseSlug(trx, "Acme");   // "acme", or "acme-2" when "acme" is taken
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";

const MAX_SLUG = 60;

/** The name reduced to [a-z0-9-]; "org" when nothing is left (a name in another script). */
export function slugFrom(name: string): string {
  const s = name.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, MAX_SLUG).replace(/-+$/, "");
  return s || "org";
}

/** Is `candidate` free: no org has it as slug, current name or former name (case-insensitively)? */
async function isFree(db: Kysely<Database>, candidate: string): Promise<boolean> {
  const slug = await db.selectFrom("orgs").select("id").where(sql<string>`lower(slug)`, "=", candidate).executeTakeFirst();
  if (slug) return false;
  const name = await db.selectFrom("orgs").select("id").where("name_key", "=", candidate).executeTakeFirst();
  if (name) return false;
  const former = await db.selectFrom("org_former_names").select("org_id").where("name_key", "=", candidate).executeTakeFirst();
  return !former;
}

/** A free slug for a new org called `name`; call it inside the transaction that inserts the org. */
export async function chooseSlug(db: Kysely<Database>, name: string): Promise<string> {
  const base = slugFrom(name);
  if (await isFree(db, base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base.slice(0, MAX_SLUG - String(n).length - 1)}-${n}`;
    if (await isFree(db, candidate)) return candidate;
  }
}
