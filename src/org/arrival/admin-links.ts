/**
 * One-time sign-in links for the operator ("admin links"): the way into the
 * console before any SSO is set up. A link holds a random token; only its
 * SHA-256 hash is stored (in `app_secrets`, name `admin_link:<hash>`, value
 * `{orgId, expiresAt}`), it works once (redeeming deletes the row, so two
 * concurrent uses have one winner) and for one hour.
 *
 * Redeeming signs in the operator: a reserved principal, not a member — the
 * session says `operator: true` and carries no member (src/http/session.ts),
 * the admin API treats it as the org's admin, and its audit actor is
 * "operator". No door can create or take it over: a member who happens to be
 * named `rollcall-operator` (through SCIM or an OIDC preferred_username) is
 * an ordinary member and gains nothing from a link.
 *
 * @example
 * const { token, expiresAt } = await createAdminLink(db, org.id);
 * console.log(`${baseUrl}/admin/link/${token}`);
 * const who = await redeemAdminLink(db, token); // { orgId } or null → signIn(req, { orgId, memberId: null, userId: null, door: "admin-link", operator: true })
 */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import type { Actor } from "../audit/record.ts";
import { recordAudit } from "../audit/record.ts";

type Db = Kysely<Database>;

export const ADMIN_LINK_TTL_MS = 60 * 60 * 1000;
const PREFIX = "admin_link:";
/** The operator's audit actor (the admin API acts as it for an operator session). */
export const OPERATOR_ACTOR: Actor = { door: "admin", id: "operator" };

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

/** Uses up the link: null when it is unknown, already used or expired; otherwise the org the operator signs in to. */
export async function redeemAdminLink(db: Db, token: string, at: Date = new Date()): Promise<{ orgId: string } | null> {
  if (typeof token !== "string" || token.length < 20 || token.length > 200) return null;
  const name = PREFIX + hashOf(token);
  const row = await db.selectFrom("app_secrets").select("value").where("name", "=", name).executeTakeFirst();
  if (!row) return null;
  // The delete decides who used it: only the request that removed the row goes on.
  const del = await db.deleteFrom("app_secrets").where("name", "=", name).executeTakeFirst();
  if (Number(del.numDeletedRows) !== 1) return null;
  const { orgId, expiresAt } = JSON.parse(row.value) as { orgId: string; expiresAt: string };
  if (expiresAt <= at.toISOString()) return null;
  if (!(await db.selectFrom("orgs").select("id").where("id", "=", orgId).executeTakeFirst())) return null;
  await recordAudit(db, { orgId, actor: OPERATOR_ACTOR, action: "admin_link.used", targetType: "org", targetId: orgId, detail: {} });
  return { orgId };
}
