/**
 * One-time sign-in links for the operator ("admin links"): the way into the
 * console before any SSO is set up. A link holds a random token; only its
 * SHA-256 hash is stored (in `app_secrets`, name `admin_link:<hash>`, value
 * `{orgId, expiresAt}`), it works once (redeeming deletes the row, so two
 * concurrent uses have one winner) and for one hour.
 *
 * Redeeming signs in as the org's operator member: a real member named
 * `rollcall-operator` with org role admin and no seats (created on first use,
 * reactivated and made admin again on later uses). Choosing a real member
 * keeps every rule intact — sessions carry a member, the last-admin rule counts
 * the operator like anyone else — and it leaves a trail in the audit log. Once
 * people sign in with SSO, an admin can promote one of them and then remove or
 * deactivate the operator (the last-admin rule refuses it while the operator is
 * the only admin).
 *
 * @example
 * const { token, expiresAt } = await createAdminLink(db, org.id);
 * console.log(`${baseUrl}/admin/link/${token}`);
 * const who = await redeemAdminLink(db, token); // { orgId, memberId, userId } or null
 */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../db/types.ts";
import type { Actor } from "./audit.ts";
import { recordAudit } from "./audit.ts";
import { insertMember, insertUser, updateMemberAccess } from "./members.ts";

type Db = Kysely<Database>;

export const ADMIN_LINK_TTL_MS = 60 * 60 * 1000;
export const OPERATOR_USER_NAME = "rollcall-operator";
const PREFIX = "admin_link:";
const ACTOR: Actor = { door: "admin", id: "admin-link" };

const hashOf = (token: string) => crypto.createHash("sha256").update(token, "utf8").digest("hex");

/** Creates a link token for `orgId` (valid for one hour, once). Only its hash is stored. */
export async function createAdminLink(db: Db, orgId: string, at: Date = new Date()): Promise<{ token: string; expiresAt: string }> {
  const token = crypto.randomBytes(32).toString("base64url");
  const expiresAt = new Date(at.getTime() + ADMIN_LINK_TTL_MS).toISOString();
  await pruneExpired(db, at);
  await db.insertInto("app_secrets").values({ name: PREFIX + hashOf(token), value: JSON.stringify({ orgId, expiresAt }), created_at: at.toISOString() }).execute();
  return { token, expiresAt };
}

/** Deletes expired link rows (links are few; this reads only rows with the prefix). */
async function pruneExpired(db: Db, at: Date): Promise<void> {
  const rows = await db.selectFrom("app_secrets").select(["name", "value"]).where("name", "like", `${PREFIX}%`).execute();
  const stale = rows.filter((r) => { try { return (JSON.parse(r.value) as { expiresAt: string }).expiresAt <= at.toISOString(); } catch { return true; } }).map((r) => r.name);
  if (stale.length) await db.deleteFrom("app_secrets").where("name", "in", stale).execute();
}

/**
 * Uses up the link: null when it is unknown, already used or expired. Otherwise
 * the operator member of the link's org (created, or reactivated as admin).
 */
export async function redeemAdminLink(db: Db, token: string, at: Date = new Date()): Promise<{ orgId: string; memberId: string; userId: string } | null> {
  if (typeof token !== "string" || token.length < 20 || token.length > 200) return null;
  const name = PREFIX + hashOf(token);
  const row = await db.selectFrom("app_secrets").select("value").where("name", "=", name).executeTakeFirst();
  if (!row) return null;
  // The delete decides who used it: only the request that removed the row goes on.
  const del = await db.deleteFrom("app_secrets").where("name", "=", name).executeTakeFirst();
  if (Number(del.numDeletedRows) !== 1) return null;
  const { orgId, expiresAt } = JSON.parse(row.value) as { orgId: string; expiresAt: string };
  if (expiresAt <= at.toISOString()) return null;
  return operatorMember(db, orgId);
}

/** The org's operator member, made an active admin (created with no seats when missing). */
async function operatorMember(db: Db, orgId: string): Promise<{ orgId: string; memberId: string; userId: string }> {
  const existing = await db.selectFrom("members").select(["id", "user_id", "org_role", "active"]).where("org_id", "=", orgId)
    .where("user_name_key", "=", OPERATOR_USER_NAME).executeTakeFirst();
  if (existing) {
    // Through the member rules (revision, audit), like any other change of role or active.
    if (existing.org_role !== "admin" || existing.active !== 1) await updateMemberAccess(db, orgId, existing.id, { orgRole: "admin", active: true }, ACTOR);
    await recordAudit(db, { orgId, actor: ACTOR, action: "admin_link.used", targetType: "member", targetId: existing.id, detail: {} });
    return { orgId, memberId: existing.id, userId: existing.user_id };
  }
  return db.transaction().execute(async (trx) => {
    const userId = await insertUser(trx, { email: null, emailVerified: false, displayName: "Operator (one-time link)" });
    const member = await insertMember(trx, orgId, userId, {
      userName: OPERATOR_USER_NAME, displayName: "Operator (one-time link)", externalId: null, givenName: null, familyName: null,
      active: true, emails: [], resource: {}, orgRole: "admin", modelsSeat: "none", weaveRole: "none",
    }, ACTOR, { via: "one-time sign-in link" });
    await recordAudit(trx, { orgId, actor: ACTOR, action: "admin_link.used", targetType: "member", targetId: member.id, detail: {} });
    return { orgId, memberId: member.id, userId };
  });
}
