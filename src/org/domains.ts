/**
 * Claimed e-mail domains: an org claims a domain (unique across all orgs), proves
 * it with a DNS TXT record `rollcall-verification=<token>` at the domain, and
 * only then does the domain route anyone (verifiedDomainOwner).
 *
 * @example
 * const d = await claimDomain(db, orgId, "example.com", actor);  // d.txtRecord.value to publish
 * await verifyDomain(db, orgId, d.id, txtLookup(), actor);
 * await verifiedDomainOwner(db, "example.com");                   // orgId
 */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { ClaimedDomain, Database } from "../../db/types.ts";
import { recordAudit, type Actor } from "./audit.ts";
import { now } from "./clock.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { conflict, invalid, notFound, refused } from "./errors.ts";

type Db = Kysely<Database>;

export const TXT_PREFIX = "rollcall-verification=";

/** Domains anyone can get an address at: claiming them would capture strangers. */
const PUBLIC_DOMAINS = new Set([
  "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com", "me.com",
  "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "mail.com", "yandex.com", "qq.com", "163.com",
]);

export interface DomainView {
  id: string;
  domain: string;
  status: "pending" | "verified";
  /** publish this record to verify the claim (null for those who may not manage domains: the token is theirs alone) */
  txtRecord: { name: string; type: "TXT"; value: string } | null;
  createdAt: string;
  verifiedAt: string | null;
}

export function toDomainView(d: ClaimedDomain): DomainView {
  return {
    id: d.id, domain: d.domain, status: d.verified_at ? "verified" : "pending",
    txtRecord: { name: d.domain, type: "TXT", value: `${TXT_PREFIX}${d.token}` },
    createdAt: d.created_at, verifiedAt: d.verified_at,
  };
}

/** The view without the verification token, for readers who may not manage domains. */
export const withoutToken = (d: DomainView): DomainView => ({ ...d, txtRecord: null });

/** Lower-cased, without a trailing dot; refuses what is not a registrable host name. */
export function normalizeDomain(raw: string): string {
  const d = (typeof raw === "string" ? raw : "").trim().toLowerCase().replace(/\.$/, "");
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const labels = d.split(".");
  if (!d || d.length > 253 || labels.length < 2 || !labels.every((l) => label.test(l)) || /^[0-9]+$/.test(labels.at(-1)!))
    throw invalid(`"${raw}" is not a domain name (expected something like example.com)`);
  return d;
}

export async function getDomain(db: Db, orgId: string, id: string): Promise<ClaimedDomain> {
  const row = await db.selectFrom("domains").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound(`no claimed domain with id ${id} in this organization`);
  return row;
}

export async function listDomains(db: Db, orgId: string): Promise<DomainView[]> {
  return (await db.selectFrom("domains").selectAll().where("org_id", "=", orgId).orderBy("domain").execute()).map(toDomainView);
}

export async function claimDomain(db: Db, orgId: string, rawDomain: string, actor: Actor): Promise<DomainView> {
  const domain = normalizeDomain(rawDomain);
  if (PUBLIC_DOMAINS.has(domain)) throw invalid(`${domain} is a public e-mail domain; it cannot be claimed`);
  const taken = (owner: string) => conflict(owner === orgId ? `${domain} is already claimed by this organization` : `${domain} is already claimed by another organization`);
  try {
    return await db.transaction().execute(async (trx) => {
      const existing = await trx.selectFrom("domains").select("org_id").where("domain", "=", domain).executeTakeFirst();
      if (existing) throw taken(existing.org_id);
      const row: ClaimedDomain = { id: crypto.randomUUID(), org_id: orgId, domain, token: crypto.randomBytes(18).toString("base64url"), created_at: now(), verified_at: null, verified_by: null };
      await trx.insertInto("domains").values(row).execute();
      await recordAudit(trx, { orgId, actor, action: "domain.claim", targetType: "domain", targetId: row.id, detail: { before: null, after: { domain, status: "pending" } } });
      return toDomainView(row);
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const owner = await db.selectFrom("domains").select("org_id").where("domain", "=", domain).executeTakeFirst();
    throw taken(owner?.org_id ?? "");
  }
}

async function markVerified(db: Db, row: ClaimedDomain, by: string, actor: Actor, extra: Record<string, unknown> = {}): Promise<DomainView> {
  const t = now();
  await db.updateTable("domains").set({ verified_at: t, verified_by: by }).where("id", "=", row.id).where("verified_at", "is", null).execute();
  await recordAudit(db, { orgId: row.org_id, actor, action: "domain.verify", targetType: "domain", targetId: row.id, detail: { domain: row.domain, before: { status: "pending" }, after: { status: "verified", by }, ...extra } });
  return toDomainView({ ...row, verified_at: t, verified_by: by });
}

/**
 * Looks the TXT records of the domain up and marks the claim verified when the
 * expected record is among them; otherwise refuses, naming the record to publish.
 * A domain already verified stays verified.
 */
export async function verifyDomain(db: Db, orgId: string, id: string, lookup: (domain: string) => Promise<string[]>, actor: Actor): Promise<DomainView> {
  const row = await getDomain(db, orgId, id);
  if (row.verified_at) return toDomainView(row);
  const expected = `${TXT_PREFIX}${row.token}`;
  const records = await lookup(row.domain);
  if (!records.some((r) => r.trim() === expected)) {
    const ours = records.filter((r) => r.startsWith(TXT_PREFIX));
    throw refused(`no TXT record "${expected}" was found at ${row.domain}` +
      (ours.length ? ` (found ${ours.map((r) => `"${r}"`).join(", ")}, which is not this claim's token)` : records.length ? ` (${records.length} other TXT record${records.length > 1 ? "s" : ""} found)` : " (no TXT records found)") +
      "; publish the record and try again (DNS changes can take a while to appear)");
  }
  return markVerified(db, row, "dns", actor);
}

/** The operator marks a claim verified without public DNS (CLI). */
export async function markDomainVerified(db: Db, rawDomain: string, actor: Actor): Promise<{ domain: DomainView; orgId: string; already: boolean }> {
  const domain = normalizeDomain(rawDomain);
  const row = await db.selectFrom("domains").selectAll().where("domain", "=", domain).executeTakeFirst();
  if (!row) throw notFound(`no organization has claimed ${domain}`);
  if (row.verified_at) return { domain: toDomainView(row), orgId: row.org_id, already: true };
  return { domain: await markVerified(db, row, actor.id, actor), orgId: row.org_id, already: false };
}

export async function releaseDomain(db: Db, orgId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await getDomain(trx, orgId, id);
    await trx.deleteFrom("domains").where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "domain.release", targetType: "domain", targetId: id, detail: { before: { domain: row.domain, status: row.verified_at ? "verified" : "pending" }, after: null } });
  });
}

/** The org whose verified claim covers this e-mail domain, or null (unclaimed or not verified). */
export async function verifiedDomainOwner(db: Db, emailDomain: string): Promise<string | null> {
  const d = (emailDomain ?? "").trim().toLowerCase().replace(/\.$/, "");
  if (!d) return null;
  const row = await db.selectFrom("domains").select("org_id").where("domain", "=", d).where("verified_at", "is not", null).executeTakeFirst();
  return row?.org_id ?? null;
}
