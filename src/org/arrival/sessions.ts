/**
 * Sessions end when access ends (docs/architecture.md, "The arrival decision"): a
 * member's deactivation or removal, or the revocation of the SSO connection
 * they signed in through, DELETES the sessions it ends — in the same
 * transaction as the change — so a later reactivation revives nothing (no old
 * cookie, no old CSRF token). A member's own API key being revoked ends no
 * session: keys and sessions are separate credentials.
 *
 * Sessions are stored by src/http/session.ts in the `sessions` table, whose
 * rows name their member, org and door (migration 0009).
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";

type Db = Kysely<Database>;

/** Ends every session of the member (deactivated or removed). Returns how many ended. */
export async function endMemberSessions(db: Db, memberId: string): Promise<number> {
  const res = await db.deleteFrom("sessions").where("member_id", "=", memberId).executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Ends every session of the org that came in through `door` (its OIDC or LDAP connection was deleted or replaced). */
export async function endDoorSessions(db: Db, orgId: string, door: "oidc" | "ldap" | "email"): Promise<number> {
  const res = await db.deleteFrom("sessions").where("org_id", "=", orgId).where("door", "=", door).executeTakeFirst();
  return Number(res.numDeletedRows);
}
