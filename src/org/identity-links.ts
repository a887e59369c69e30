/**
 * Step 1 of the provisioning decision (src/org/provisioning.ts; see its module
 * comment): who is this? Finds the user by login identity or verified e-mail,
 * links the identity, or creates a new user.
 */
import crypto from "node:crypto";
import type { Transaction } from "kysely";
import type { Database, Org, User } from "../../db/types.ts";
import { now } from "./clock.ts";
import { insertUser } from "./members.ts";
import type { Arrival } from "./provisioning.ts";

type Trx = Transaction<Database>;

/** Thrown inside the transaction to roll it back; becomes a refused outcome. */
export class Refusal extends Error {}

export interface Resolved {
  user: User;
  newUser: boolean;
  linked: boolean;
  /** how step 1 found the user */
  how: string;
}

export async function resolveUser(trx: Trx, org: Org, a: Arrival, e: { email: string | null; verifiedKey: string | null }): Promise<Resolved> {
  const id = a.identity;
  const known = id
    ? await trx.selectFrom("identities").select("user_id").where("provider", "=", id.provider).where("issuer", "=", id.issuer).where("subject", "=", id.subject).executeTakeFirst()
    : undefined;
  const byId = (userId: string) => trx.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirst();

  if (a.userId) {
    const user = await byId(a.userId);
    if (!user) throw new Refusal(`no user with id ${a.userId}`);
    if (known && known.user_id !== user.id) throw new Refusal("this login identity belongs to another user");
    if (id && !known) await recordIdentity(trx, user.id, id);
    return { user, newUser: false, linked: !!id && !known, how: "signed-in user" };
  }
  if (known) return { user: (await byId(known.user_id))!, newUser: false, linked: false, how: "known identity" };

  let found: { user: User; how: string } | null = null;
  if (e.verifiedKey) {
    const verified = await trx.selectFrom("users").selectAll().where("email_key", "=", e.verifiedKey).where("email_verified", "=", 1)
      .orderBy("created_at").orderBy("id").limit(1).executeTakeFirst();
    if (verified) found = { user: verified, how: "verified e-mail" };
  }
  if (!found && e.verifiedKey) {
    // A member of this org the org's directory (or an admin) gave this e-mail: the person proved owning it just now.
    const rows = await trx.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").select("u.id")
      .where("m.org_id", "=", org.id)
      .where((eb) => eb.or([
        eb.exists(eb.selectFrom("member_emails as me").select("me.member_id").whereRef("me.member_id", "=", "m.id").where("me.org_id", "=", org.id).where("me.value_key", "=", e.verifiedKey!)),
        eb("u.email_key", "=", e.verifiedKey!),
      ]))
      .execute();
    const ids = [...new Set(rows.map((r) => r.id))];
    if (ids.length === 1) {
      const user = (await byId(ids[0]!))!;
      if (user.email_key === e.verifiedKey && user.email_verified !== 1) {
        await trx.updateTable("users").set({ email_verified: 1, updated_at: now() }).where("id", "=", user.id).execute();
        user.email_verified = 1;
      }
      found = { user, how: "member e-mail of this organization" };
    }
  }
  if (found) {
    if (id) await recordIdentity(trx, found.user.id, id);
    return { user: found.user, newUser: false, linked: true, how: found.how };
  }

  // A new person; an unverified e-mail is kept, marked unverified.
  const displayName = a.displayName?.trim() || [a.givenName, a.familyName].filter(Boolean).join(" ") || null;
  const userId = await insertUser(trx, { email: e.email, emailVerified: e.verifiedKey !== null, displayName });
  if (id) await recordIdentity(trx, userId, id);
  return { user: (await byId(userId))!, newUser: true, linked: false, how: "new user" };
}

async function recordIdentity(trx: Trx, userId: string, id: NonNullable<Arrival["identity"]>): Promise<void> {
  await trx.insertInto("identities").values({
    id: crypto.randomUUID(), user_id: userId, provider: id.provider, issuer: id.issuer, subject: id.subject, created_at: now(),
  }).execute();
}
