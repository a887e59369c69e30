/**
 * The user name a person gets when a sign-in door makes them a member. Two
 * rules keep the verified owner of an address from being locked out:
 *
 * - an unverified sign-in never takes an e-mail-shaped name (its claimed
 *   e-mail, or a preferred_username that looks like one): it gets its
 *   subject, or a name derived from its identity;
 * - when the wanted name is held by an unverified claimant (a member made by a
 *   sign-in whose addresses nobody vouches for), the arriving person still
 *   gets in, under a derived name. A name held by anyone else is refused, with
 *   what an admin can do.
 *
 * The uniqueness check itself is members.ts `findUserNameHolder`, the only one.
 */
import crypto from "node:crypto";
import type { Transaction } from "kysely";
import type { Database, Member, Org } from "../../../db/types.ts";
import { findUserNameHolder } from "../members/members.ts";
import type { Arrival } from "./arrive.ts";
import { refusals } from "./refusal.ts";
import { vouchesAcrossOrgs } from "./verification.ts";

type Trx = Transaction<Database>;

const EMAIL_SHAPED = /@/;
const MAX = 256;

/** A stable, non-e-mail name from the login identity (or the address): `<base>-<8 hex>`. */
function derived(a: Arrival, email: string | null, base: string | null): string {
  const seed = a.identity ? `${a.identity.provider} ${a.identity.issuer} ${a.identity.subject}` : `${a.door} ${email ?? crypto.randomUUID()}`;
  const tag = crypto.createHash("sha256").update(seed).digest("hex").slice(0, 8);
  const clean = (base ?? "").split("@")[0]!.replace(/[^\p{L}\p{N}._-]+/gu, "").slice(0, 64) || (a.identity?.provider ?? a.door);
  return `${clean}-${tag}`;
}

/** The name this arrival asks for, before anyone else's name is considered. */
function wanted(a: Arrival, email: string | null, verified: boolean): string {
  const asked = a.userName?.trim() || null;
  if (verified) return asked || email || a.identity?.subject || derived(a, email, null);
  if (asked && !EMAIL_SHAPED.test(asked)) return asked;
  const subject = a.identity?.subject ?? null;
  if (subject && !EMAIL_SHAPED.test(subject) && subject.length <= 64 && !subject.includes(",")) return subject;
  return derived(a, email, asked ?? email);
}

/** Whether `holder` is a member made by an unverified sign-in: it has a login identity and nobody vouches for any address of it. */
async function isUnverifiedClaimant(trx: Trx, holder: Member): Promise<boolean> {
  const identity = await trx.selectFrom("identities").select("id").where("user_id", "=", holder.user_id).limit(1).executeTakeFirst();
  if (!identity) return false;
  const vouchedAddress = await trx.selectFrom("member_emails").select("member_id").where("member_id", "=", holder.id).where("verified_by", "is not", null).limit(1).executeTakeFirst();
  if (vouchedAddress) return false;
  const verifications = await trx.selectFrom("email_verifications").select("source").where("user_id", "=", holder.user_id).execute();
  return !verifications.some((v) => vouchesAcrossOrgs(v.source));
}

/** The user name for the arriving person in `org` (see the module comment); throws a Refusal when it is someone else's. */
export async function chooseUserName(trx: Trx, org: Org, a: Arrival, email: string | null, verified: boolean): Promise<string> {
  const name = wanted(a, email, verified).slice(0, MAX);
  const holder = await findUserNameHolder(trx, org.id, name);
  if (!holder) return name;
  if (!(await isUnverifiedClaimant(trx, holder))) throw refusals.userNameTaken(name, org.name);
  const fallbacks = [...(verified && email && email.toLowerCase() !== name.toLowerCase() ? [email] : []), derived(a, email, name)];
  for (const candidate of fallbacks) if (!(await findUserNameHolder(trx, org.id, candidate))) return candidate;
  throw refusals.userNameTaken(name, org.name);
}
