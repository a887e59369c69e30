/**
 * E-mail link sign-in: a one-time link mailed to an address proves that the
 * person holds it. These are the token's rules; the HTTP door is
 * src/sso/email/, and what the proven address gets is the arrival decision's
 * (door "email", e-mail verified).
 *
 * - The token is 32 random bytes (base64url); only its SHA-256 is stored.
 * - Single use: redeeming marks it used in one conditional UPDATE, so of two
 *   concurrent redemptions only one wins. It expires after
 *   EMAIL_LINK_TTL_MINUTES (default 15).
 * - Rate limits (database counters, src/org/security/rate-limits.ts): per address
 *   EMAIL_LINK_LIMIT_PER_ADDRESS (default 5) and per client
 *   EMAIL_LINK_LIMIT_PER_CLIENT (default 20) per EMAIL_LINK_LIMIT_WINDOW_SECONDS
 *   (default 900).
 * - The door is open to everyone only when the org turned it on
 *   (`emailLinkSignIn`, off by default). A link asked for from an invite's page
 *   goes to the invite's address and works whatever the org has, while the
 *   invite is pending: every invite can be accepted this way.
 * - Starting never says whether the address is known: every accepted start
 *   issues a link to the address given, and the decision happens when the
 *   link comes back.
 *
 * @example
 * const issued = await startEmailLink(db, org, { email: "ada@example.com", client: req.ip });
 * if (issued.ok) await mailer.send({ to: issued.link.to, subject: "…", text: linkUrl(issued.link.token) });
 * const back = await redeemEmailLink(db, token); // { ok: true, link } once, then { ok: false, reason }
 */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database, EmailLink, Org } from "../../../db/types.ts";
import { BOUNDS } from "../bounds.ts";
import { now } from "../clock.ts";
import { forbidden, invalid, refused } from "../errors.ts";
import { findInviteByToken, inviteStatus } from "../invites/invites.ts";
import type { Arrival } from "./arrive.ts";
import { racePoint } from "../race-points.ts";
import { hit, intEnv } from "../security/rate-limits.ts";

type Db = Kysely<Database>;

export interface EmailLinkRules {
  ttlMinutes: number;
  perAddress: number;
  perClient: number;
  windowSeconds: number;
}

/** EMAIL_LINK_TTL_MINUTES (15), EMAIL_LINK_LIMIT_PER_ADDRESS (5), EMAIL_LINK_LIMIT_PER_CLIENT (20), EMAIL_LINK_LIMIT_WINDOW_SECONDS (900). */
export function emailLinkRules(env: NodeJS.ProcessEnv = process.env): EmailLinkRules {
  return {
    ttlMinutes: intEnv(env, "EMAIL_LINK_TTL_MINUTES", 15),
    perAddress: intEnv(env, "EMAIL_LINK_LIMIT_PER_ADDRESS", 5),
    perClient: intEnv(env, "EMAIL_LINK_LIMIT_PER_CLIENT", 20),
    windowSeconds: intEnv(env, "EMAIL_LINK_LIMIT_WINDOW_SECONDS", 900),
  };
}

export interface StartRequest {
  /** the address typed in (the sign-in page) */
  email?: string | null;
  /** the invite's link token (the invite page): the link goes to the invite's address */
  inviteToken?: string | null;
  /** the client's address, for its rate limit */
  client: string | null | undefined;
  /** a same-origin path (already checked by the adapter) */
  returnTo?: string | null;
}

export interface IssuedLink {
  /** the secret for the mailed link; only its hash is stored */
  token: string;
  to: string;
  expiresAt: string;
  inviteId: string | null;
}

export type StartResult = { ok: true; link: IssuedLink } | { ok: false; retryAfterSeconds: number };

export type RedeemResult = { ok: true; link: EmailLink } | { ok: false; reason: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const hashLinkToken = (token: string): string => crypto.createHash("sha256").update(token, "utf8").digest("hex");

/** The address an invite's e-mail link goes to: the invited e-mail, or the e-mail of the user named. */
async function inviteAddress(db: Db, org: Org, token: string): Promise<{ email: string; inviteId: string }> {
  const invite = await findInviteByToken(db, token);
  if (invite.org_id !== org.id) throw invalid("this invite is for another organization");
  const status = inviteStatus(invite);
  if (status !== "pending") throw refused(`this invite is ${status}; ask an admin of ${org.name} for a new one`);
  let email = invite.email;
  if (!email && invite.user_id) email = (await db.selectFrom("users").select("email").where("id", "=", invite.user_id).executeTakeFirst())?.email ?? null;
  if (!email) throw refused(`no e-mail address is known for this invite; ask an admin of ${org.name} to invite you by e-mail`);
  return { email, inviteId: invite.id };
}

/** Checks the request, counts it against the rate limits and issues a link (stored hashed). */
export async function startEmailLink(db: Db, org: Org, req: StartRequest, rules: EmailLinkRules = emailLinkRules()): Promise<StartResult> {
  const client = await hit(db, `emaillink:client:${req.client || "unknown"}`, rules.perClient, rules.windowSeconds);
  if (!client.ok) return client;
  let to: { email: string; inviteId: string | null };
  if (req.inviteToken) {
    to = await inviteAddress(db, org, req.inviteToken);
  } else {
    if (org.email_link_sign_in !== 1)
      throw forbidden(`${org.name} does not offer sign-in by e-mail link; an admin of ${org.name} can turn it on, or send you an invite`);
    const email = req.email?.trim() ?? "";
    if (!email) throw invalid('"email" is required');
    if (email.length > BOUNDS.emailChars || !EMAIL.test(email)) throw invalid(`"email" must be an e-mail address of at most ${BOUNDS.emailChars} characters`);
    to = { email, inviteId: null };
  }
  const emailKey = to.email.toLowerCase();
  const address = await hit(db, `emaillink:address:${emailKey}`, rules.perAddress, rules.windowSeconds);
  if (!address.ok) return address;
  const token = crypto.randomBytes(32).toString("base64url");
  const t = now();
  const expiresAt = new Date(Date.parse(t) + rules.ttlMinutes * 60_000).toISOString();
  await db.insertInto("email_links").values({
    id: crypto.randomUUID(), org_id: org.id, token_hash: hashLinkToken(token), email: to.email, email_key: emailKey,
    invite_id: to.inviteId, return_to: req.returnTo ?? null, created_at: t, expires_at: expiresAt, used_at: null,
  }).execute();
  // Links long expired are of no use to anyone.
  await db.deleteFrom("email_links").where("expires_at", "<", new Date(Date.parse(t) - 86_400_000).toISOString()).execute();
  return { ok: true, link: { token, to: to.email, expiresAt, inviteId: to.inviteId } };
}

function looksLikeToken(token: unknown): token is string {
  return typeof token === "string" && token.length > 0 && token.length <= 200;
}

/** The link behind `token` while it can still be used (not used, not expired), without using it. */
export async function peekEmailLink(db: Db, token: unknown): Promise<RedeemResult> {
  if (!looksLikeToken(token)) return { ok: false, reason: "this sign-in link is not valid" };
  const row = await db.selectFrom("email_links").selectAll().where("token_hash", "=", hashLinkToken(token)).executeTakeFirst();
  return usable(row);
}

function usable(row: EmailLink | undefined, at: string = now()): RedeemResult {
  if (!row) return { ok: false, reason: "this sign-in link is not valid (it never existed, or it is long gone); ask for a new one" };
  if (row.used_at) return { ok: false, reason: "this sign-in link was used already; each link works once — ask for a new one" };
  if (row.expires_at <= at) return { ok: false, reason: `this sign-in link expired at ${row.expires_at}; ask for a new one` };
  return { ok: true, link: row };
}

/** Uses the link (once): of two concurrent redemptions only one succeeds. */
export async function redeemEmailLink(db: Db, token: unknown): Promise<RedeemResult> {
  if (!looksLikeToken(token)) return { ok: false, reason: "this sign-in link is not valid" };
  const t = now();
  const row = await db.updateTable("email_links").set({ used_at: t }).where("token_hash", "=", hashLinkToken(token))
    .where("used_at", "is", null).where("expires_at", ">", t).returningAll().executeTakeFirst();
  if (row) {
    await racePoint("email-link.redeemed");
    return { ok: true, link: row };
  }
  return usable(await db.selectFrom("email_links").selectAll().where("token_hash", "=", hashLinkToken(token)).executeTakeFirst(), t);
}

/**
 * Whether a redeemed link may still arrive: the org has the door on, or the
 * link was asked for from an invite that is still pending. Null: yes; else why not.
 */
export async function linkMayArrive(db: Db, link: EmailLink): Promise<string | null> {
  const org = await db.selectFrom("orgs").select(["name", "email_link_sign_in"]).where("id", "=", link.org_id).executeTakeFirstOrThrow();
  if (org.email_link_sign_in === 1) return null;
  if (link.invite_id) {
    const invite = await db.selectFrom("invites").selectAll().where("id", "=", link.invite_id).executeTakeFirst();
    if (invite && inviteStatus(invite) === "pending") return null;
    return `the invite this link was sent for is no longer pending, and ${org.name} does not offer sign-in by e-mail link; ask an admin of ${org.name} for a new invite`;
  }
  return `${org.name} does not offer sign-in by e-mail link (any more); an admin of ${org.name} can turn it on, or send you an invite`;
}

/**
 * The arrival a used link stands for: its address, verified. A link asked for
 * from an invite by user name went to that user's address, so proving it is
 * being that user (the invite then matches by user, as when they sign in).
 */
export async function arrivalFor(db: Db, link: EmailLink): Promise<Arrival> {
  const arrival: Arrival = { door: "email", orgId: link.org_id, email: link.email, emailVerified: true };
  if (!link.invite_id) return arrival;
  const invite = await db.selectFrom("invites").select(["user_id"]).where("id", "=", link.invite_id).executeTakeFirst();
  if (!invite?.user_id) return arrival;
  const user = await db.selectFrom("users").select(["id", "email_key"]).where("id", "=", invite.user_id).executeTakeFirst();
  return user && user.email_key === link.email_key ? { ...arrival, userId: user.id } : arrival;
}
