/**
 * Claimed e-mail domains: an org claims a domain, proves it with a DNS TXT record
 * `rollcall-verification=<token>` at the domain, and only then does the domain route
 * anyone (verifiedDomainOwner).
 *
 * A pending claim blocks no one: several orgs may claim the same domain at once, each
 * with its own token, and a pending claim expires (DOMAIN_CLAIM_TTL_DAYS, default 7).
 * The first org to verify wins: the domain is then unique to it (a partial unique
 * index on verified claims), and every other org's pending claim ends (it expires at
 * that moment and says who won when verified), with an audit event in that org. Verifications of one domain are serialized by locking its claim rows.
 *
 * @example
 * const d = await claimDomain(db, orgId, "example.com", actor);  // d.txtRecord.value to publish
 * await verifyDomain(db, orgId, d.id, txtLookup(), actor);
 * await verifiedDomainOwner(db, "example.com");                   // orgId
 */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { ClaimedDomain, Database } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { isUniqueViolation } from "../db-errors.ts";
import { conflict, invalid, notFound, refused } from "../errors.ts";
import { racePoint } from "../race-points.ts";

type Db = Kysely<Database>;

export const TXT_PREFIX = "rollcall-verification=";
export const DEFAULT_CLAIM_TTL_DAYS = 7;
const DAY_MS = 86_400_000;

/** Domains anyone can get an address at: claiming them would capture strangers. */
const PUBLIC_DOMAINS = new Set([
  "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "yahoo.com", "icloud.com", "me.com",
  "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "mail.com", "yandex.com", "qq.com", "163.com",
]);

export type DomainStatus = "pending" | "verified" | "expired";

export interface DomainView {
  id: string;
  domain: string;
  status: DomainStatus;
  /** publish this record to verify the claim (null for those who may not manage domains: the token is theirs alone) */
  txtRecord: { name: string; type: "TXT"; value: string } | null;
  createdAt: string;
  verifiedAt: string | null;
  /** a pending claim ends here unless verified; null once verified */
  expiresAt: string | null;
}

const isExpired = (d: ClaimedDomain, at = now()) => !d.verified_at && d.expires_at !== null && d.expires_at <= at;

export function domainStatus(d: ClaimedDomain): DomainStatus {
  return d.verified_at ? "verified" : isExpired(d) ? "expired" : "pending";
}

export function toDomainView(d: ClaimedDomain): DomainView {
  return {
    id: d.id, domain: d.domain, status: domainStatus(d),
    txtRecord: { name: d.domain, type: "TXT", value: `${TXT_PREFIX}${d.token}` },
    createdAt: d.created_at, verifiedAt: d.verified_at, expiresAt: d.verified_at ? null : d.expires_at,
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
  if (!row) throw notFound("This domain is not claimed by the organization (it may have been released).");
  return row;
}

export async function listDomains(db: Db, orgId: string): Promise<DomainView[]> {
  return (await db.selectFrom("domains").selectAll().where("org_id", "=", orgId).orderBy("domain").execute()).map(toDomainView);
}

/**
 * Claims `rawDomain` for the org (pending, expiring in `ttlDays`). Refused only when the
 * domain is verified (by anyone) or this org already has a live pending claim; another
 * org's pending claim does not matter. An expired claim of this org is renewed with a new token.
 */
export async function claimDomain(db: Db, orgId: string, rawDomain: string, actor: Actor, ttlDays = DEFAULT_CLAIM_TTL_DAYS): Promise<DomainView> {
  const domain = normalizeDomain(rawDomain);
  if (PUBLIC_DOMAINS.has(domain)) throw invalid(`${domain} is a public e-mail domain; it cannot be claimed`);
  const ours = () => conflict(`${domain} is already claimed by this organization`);
  try {
    return await db.transaction().execute(async (trx) => {
      const rows = await trx.selectFrom("domains").selectAll().where("domain", "=", domain).execute();
      const verified = rows.find((r) => r.verified_at);
      if (verified) throw conflict(verified.org_id === orgId ? `${domain} is already claimed and verified by this organization` : `${domain} is already claimed and verified by another organization`);
      const t = now();
      const expiresAt = new Date(Date.parse(t) + ttlDays * DAY_MS).toISOString();
      const token = crypto.randomBytes(18).toString("base64url");
      const own = rows.find((r) => r.org_id === orgId);
      if (own && !isExpired(own, t)) throw ours();
      const row: ClaimedDomain = own
        ? { ...own, token, created_at: t, expires_at: expiresAt }
        : { id: crypto.randomUUID(), org_id: orgId, domain, token, created_at: t, verified_at: null, verified_by: null, expires_at: expiresAt };
      if (own) await trx.updateTable("domains").set({ token, created_at: t, expires_at: expiresAt }).where("id", "=", own.id).execute();
      else await trx.insertInto("domains").values(row).execute();
      await recordAudit(trx, { orgId, actor, action: "domain.claim", targetType: "domain", targetId: row.id, detail: { before: own ? { domain, status: "expired" } : null, after: { domain, status: "pending", expiresAt } } });
      return toDomainView(row);
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw ours();
    throw err;
  }
}

/**
 * Marks this org's claim verified, in one transaction: locks every claim of the domain
 * (two verifiers of one domain queue here), re-checks the claim is still live and the
 * domain not verified by another org, marks it, and ends the other orgs' pending claims.
 */
const lostTo = (domain: string) => conflict(`${domain} was verified by another organization first; this organization's claim has ended`);

async function verifiedByOther(db: Db, claim: ClaimedDomain): Promise<boolean> {
  return !!(await db.selectFrom("domains").select("id").where("domain", "=", claim.domain).where("verified_at", "is not", null).where("org_id", "<>", claim.org_id).executeTakeFirst());
}

async function markVerified(db: Db, claim: ClaimedDomain, by: string, actor: Actor, extra: Record<string, unknown> = {}): Promise<DomainView> {
  const lost = () => lostTo(claim.domain);
  try {
    return await db.transaction().execute(async (trx) => {
      // A self-assignment takes the row locks (PostgreSQL); SQLite's transaction already holds the database.
      await trx.updateTable("domains").set((eb) => ({ token: eb.ref("token") })).where("domain", "=", claim.domain).execute();
      const rows = await trx.selectFrom("domains").selectAll().where("domain", "=", claim.domain).execute();
      const row = rows.find((r) => r.id === claim.id);
      if (!row) throw lost();
      if (row.verified_at) return toDomainView(row);
      const t = now();
      if (rows.some((r) => r.verified_at && r.id !== row.id)) throw lost();
      if (isExpired(row, t)) throw refused(`the claim of ${row.domain} expired at ${row.expires_at}; claim the domain again to get a new TXT record`);
      await trx.updateTable("domains").set({ verified_at: t, verified_by: by, expires_at: null }).where("id", "=", row.id).where("verified_at", "is", null).execute();
      await racePoint("domain.verify.marked");
      // The other orgs' claims end now: expired, they verify nothing and say who won.
      const others = rows.filter((r) => r.id !== row.id && !isExpired(r, t));
      if (others.length) await trx.updateTable("domains").set({ expires_at: t }).where("id", "in", others.map((r) => r.id)).execute();
      for (const o of others) {
        await recordAudit(trx, {
          orgId: o.org_id, actor, action: "domain.claim.end", targetType: "domain", targetId: o.id,
          detail: { domain: o.domain, before: { status: domainStatus(o) }, after: null, reason: "another organization verified the domain first" },
        });
      }
      await recordAudit(trx, { orgId: row.org_id, actor, action: "domain.verify", targetType: "domain", targetId: row.id, detail: { domain: row.domain, before: { status: "pending" }, after: { status: "verified", by }, ...extra } });
      return toDomainView({ ...row, verified_at: t, verified_by: by, expires_at: null });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw lost();
    throw err;
  }
}

/**
 * Looks the TXT records of the domain up and marks the claim verified when the
 * expected record is among them; otherwise refuses, naming the record to publish.
 * A domain already verified stays verified; an expired claim must be claimed again.
 */
export async function verifyDomain(db: Db, orgId: string, id: string, lookup: (domain: string) => Promise<string[]>, actor: Actor): Promise<DomainView> {
  const row = await getDomain(db, orgId, id);
  if (row.verified_at) return toDomainView(row);
  if (await verifiedByOther(db, row)) throw lostTo(row.domain);
  if (isExpired(row)) throw refused(`the claim of ${row.domain} expired at ${row.expires_at}; claim the domain again to get a new TXT record`);
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

/** The claims of a domain an operator command acts on: `orgId`'s, or the only live one. */
async function operatorClaims(db: Db, domain: string, orgId: string | undefined): Promise<ClaimedDomain[]> {
  let q = db.selectFrom("domains").selectAll().where("domain", "=", domain);
  if (orgId) q = q.where("org_id", "=", orgId);
  const rows = await q.orderBy("created_at").execute();
  if (!rows.length) throw notFound(orgId ? `this organization has not claimed ${domain}` : `no organization has claimed ${domain}`);
  return rows;
}

/** The operator marks a claim verified without public DNS (CLI); with several pending claims, `orgId` says whose. */
export async function markDomainVerified(db: Db, rawDomain: string, actor: Actor, orgId?: string): Promise<{ domain: DomainView; orgId: string; already: boolean }> {
  const domain = normalizeDomain(rawDomain);
  const rows = await operatorClaims(db, domain, orgId);
  const verified = rows.find((r) => r.verified_at);
  if (verified) {
    if (orgId && verified.org_id !== orgId) throw conflict(`${domain} is verified by another organization`);
    return { domain: toDomainView(verified), orgId: verified.org_id, already: true };
  }
  const live = rows.filter((r) => !isExpired(r));
  if (live.length > 1) throw invalid(`${live.length} organizations have a pending claim of ${domain}; name the one to verify (--org <name>)`);
  const row = live[0] ?? rows[0]!;
  return { domain: await markVerified(db, row, actor.id, actor), orgId: row.org_id, already: false };
}

export async function releaseDomain(db: Db, orgId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await getDomain(trx, orgId, id);
    await trx.deleteFrom("domains").where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "domain.release", targetType: "domain", targetId: id, detail: { before: { domain: row.domain, status: domainStatus(row) }, after: null } });
  });
}

/**
 * The operator releases claims of a domain (CLI): `orgId`'s claim, or else the verified
 * claim if there is one, or else every pending claim. Returns what was released.
 */
export async function releaseDomainClaims(db: Db, rawDomain: string, actor: Actor, orgId?: string): Promise<{ orgId: string; status: DomainStatus }[]> {
  const domain = normalizeDomain(rawDomain);
  const rows = await operatorClaims(db, domain, orgId);
  const verified = rows.find((r) => r.verified_at);
  const targets = verified && !orgId ? [verified] : rows;
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom("domains").where("id", "in", targets.map((r) => r.id)).execute();
    for (const r of targets)
      await recordAudit(trx, { orgId: r.org_id, actor, action: "domain.release", targetType: "domain", targetId: r.id, detail: { before: { domain, status: domainStatus(r) }, after: null } });
  });
  return targets.map((r) => ({ orgId: r.org_id, status: domainStatus(r) }));
}

/** The org whose verified claim covers this e-mail domain, or null (unclaimed or not verified). */
export async function verifiedDomainOwner(db: Db, emailDomain: string): Promise<string | null> {
  const d = (emailDomain ?? "").trim().toLowerCase().replace(/\.$/, "");
  if (!d) return null;
  const row = await db.selectFrom("domains").select("org_id").where("domain", "=", d).where("verified_at", "is not", null).executeTakeFirst();
  return row?.org_id ?? null;
}
