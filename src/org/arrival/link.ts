/**
 * Step 1 of the arrival decision (arrive.ts): who is this? In order:
 *
 * 1. a user already signed in (accepting an invite from a session) → that user;
 * 2. the login identity (provider + issuer + subject) is known → its user;
 * 3. the claim's e-mail is verified, and someone vouches for the same address
 *    on the other side — "verified on both sides":
 *    a. inside this org: exactly one member whose address was given by the
 *       org's own directory (SCIM) or verified by a sign-in or an e-mail link
 *       (`member_emails.verified_by`) — the "SCIM first, SSO later" case;
 *    b. across orgs: a user whose address a verified sign-in or an e-mail link
 *       verified (`email_verifications`; never another org's directory, never
 *       `legacy`), and only when this org has verified the address's domain,
 *       or this same connection verified the address before; the e-mail door
 *       proves the mailbox itself, so it links to such a user anywhere;
 * 4. otherwise a new user. A user made from an unverified claim keeps its
 *    e-mail marked unverified and no source vouches for it: it is never a link
 *    target, so the real owner signing in later gets a user of their own.
 */
import crypto from "node:crypto";
import type { Transaction } from "kysely";
import type { Database, Org, User } from "../../../db/types.ts";
import { now } from "../clock.ts";
import { BOUNDS } from "../bounds.ts";
import { invalid } from "../errors.ts";
import { verifiedDomainOwner } from "../orgs/domains.ts";
import type { Arrival } from "./arrive.ts";
import { refusals } from "./refusal.ts";
import { recordVerification, sourceOf, vouchesAcrossOrgs } from "./verification.ts";

type Trx = Transaction<Database>;

export interface Resolved {
  user: User;
  newUser: boolean;
  linked: boolean;
  /** how step 1 found the user, for the audit log */
  how: string;
}

/** The arrival's e-mail: as given, its lower-cased key, and the key only when verified by a door that vouches. */
export interface ArrivalEmail {
  email: string | null;
  verifiedKey: string | null;
}

export async function resolveUser(trx: Trx, org: Org, a: Arrival, e: ArrivalEmail): Promise<Resolved> {
  const id = a.identity;
  const source = sourceOf(a);
  const known = id
    ? await trx.selectFrom("identities").select("user_id").where("provider", "=", id.provider).where("issuer", "=", id.issuer).where("subject", "=", id.subject).executeTakeFirst()
    : undefined;

  const done = async (user: User, r: Omit<Resolved, "user">): Promise<Resolved> => {
    if (id && !known) await recordIdentity(trx, user.id, id);
    if (e.verifiedKey && source) await markVerified(trx, user, e.verifiedKey, source, org.id);
    return { user, ...r };
  };

  if (a.userId) {
    const user = await byId(trx, a.userId);
    if (!user) throw refusals.noUser(a.userId);
    if (known && known.user_id !== user.id) throw refusals.identityOfAnother();
    return done(user, { newUser: false, linked: !!id && !known, how: "signed-in user" });
  }
  if (known) return done((await byId(trx, known.user_id))!, { newUser: false, linked: false, how: "known identity" });

  if (e.verifiedKey && source) {
    const inOrg = await vouchedMemberOfOrg(trx, org.id, e.verifiedKey);
    if (inOrg) return done(inOrg, { newUser: false, linked: true, how: "vouched-for e-mail of a member of this organization" });
    const elsewhere = await vouchedUserElsewhere(trx, org.id, e.verifiedKey, source);
    if (elsewhere) return done(elsewhere, { newUser: false, linked: true, how: "verified e-mail" });
  }

  const displayName = a.displayName?.trim() || [a.givenName, a.familyName].filter(Boolean).join(" ") || null;
  const userId = await insertUser(trx, { email: e.email, emailVerified: e.verifiedKey !== null, displayName });
  return done((await byId(trx, userId))!, { newUser: true, linked: false, how: "new user" });
}

const byId = (trx: Trx, userId: string) => trx.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();

/** 3a: the one member of this org whose address `key` someone vouches for (the directory, a verified sign-in, an e-mail link). */
async function vouchedMemberOfOrg(trx: Trx, orgId: string, key: string): Promise<User | null> {
  const rows = await trx.selectFrom("member_emails as me").innerJoin("members as m", "m.id", "me.member_id").select("m.user_id")
    .where("me.org_id", "=", orgId).where("me.value_key", "=", key).where("me.verified_by", "is not", null).execute();
  const ids = [...new Set(rows.map((r) => r.user_id))];
  // Two people with the same vouched-for address: no guessing.
  return ids.length === 1 ? ((await byId(trx, ids[0]!)) ?? null) : null;
}

/** 3b: a user known elsewhere whose address `key` a sign-in or an e-mail link verified, if this arrival may link to it. */
async function vouchedUserElsewhere(trx: Trx, orgId: string, key: string, source: string): Promise<User | null> {
  const rows = await trx.selectFrom("email_verifications as v").innerJoin("users as u", "u.id", "v.user_id")
    .select(["v.user_id", "v.source", "u.created_at"]).where("v.email_key", "=", key).orderBy("u.created_at").orderBy("u.id").execute();
  const sameConnection = rows.find((r) => r.source === source);
  if (sameConnection) return (await byId(trx, sameConnection.user_id)) ?? null;
  const vouched = rows.find((r) => vouchesAcrossOrgs(r.source));
  if (!vouched) return null;
  const mayLink = source === "email" || (await verifiedDomainOwner(trx, key.split("@")[1]!)) === orgId;
  return mayLink ? ((await byId(trx, vouched.user_id)) ?? null) : null;
}

/** The source verified `key` for the user: recorded; the user's own e-mail, when it is this address, counts as verified. */
async function markVerified(trx: Trx, user: User, key: string, source: string, orgId: string): Promise<void> {
  await recordVerification(trx, user.id, key, source, orgId);
  if (user.email_key === key && user.email_verified !== 1) {
    await trx.updateTable("users").set({ email_verified: 1, updated_at: now() }).where("id", "=", user.id).execute();
    user.email_verified = 1;
  }
}

async function recordIdentity(trx: Trx, userId: string, id: NonNullable<Arrival["identity"]>): Promise<void> {
  await trx.insertInto("identities").values({
    id: crypto.randomUUID(), user_id: userId, provider: id.provider, issuer: id.issuer, subject: id.subject, created_at: now(),
  }).execute();
}

/** Creates a global user (one person; memberships link to it). Only arrival creates users. Returns its id. */
export async function insertUser(trx: Trx, u: { email: string | null; emailVerified: boolean; displayName: string | null }): Promise<string> {
  if (u.email && u.email.length > BOUNDS.emailChars) throw invalid(`the e-mail address is ${u.email.length} characters long; at most ${BOUNDS.emailChars} are allowed (emailChars)`);
  const t = now();
  const id = crypto.randomUUID();
  await trx.insertInto("users").values({
    id, email: u.email, email_key: u.email?.toLowerCase() ?? null, email_verified: u.emailVerified ? 1 : 0,
    display_name: u.displayName, created_at: t, updated_at: t,
  }).execute();
  return id;
}
