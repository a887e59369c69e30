/**
 * From credentials to principals: an API key (a service account's, or a
 * member's own), or a signed-in session (a member, or the operator). Adapters
 * call these and then ask `can` (can.ts); targets.ts loads what a target needs.
 *
 * @example
 * const p = await principalForKey(db, key); // null: unknown or revoked
 * const s = await principalForSession(db, { orgId, memberId: null, operator: true }); // the operator
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { authenticateKey } from "../security/keys.ts";
import { verifyScimBearer } from "../security/oauth/bearer.ts";
import type { RemoteKeys } from "../security/oauth/remote-keys.ts";
import type { Audience } from "../security/oauth/tokens.ts";
import { loadMemberFacts } from "./member-facts.ts";
import { memberPrincipal, operator, serviceAccountPrincipal, type Principal } from "./principals.ts";

type Db = Kysely<Database>;

/** The principal an API key stands for, or null when the key is unknown, revoked, or its member is gone. */
export async function principalForKey(db: Db, key: string): Promise<Principal | null> {
  const holder = await authenticateKey(db, key);
  if (!holder) return null;
  if (holder.memberId) {
    const facts = await loadMemberFacts(db, holder.orgId, holder.memberId);
    return facts ? memberPrincipal(facts, holder.keyId) : null;
  }
  return holder.serviceAccountId ? serviceAccountPrincipal(holder.orgId, holder.keyId, holder.serviceAccountId, holder.teamId) : null;
}

/** A session's principal: the operator, or the member it signed in (null when that membership is gone or inactive). */
export async function principalForSession(db: Db, user: { orgId: string; memberId: string | null; operator?: boolean }): Promise<Principal | null> {
  if (user.operator) return operator(user.orgId);
  if (!user.memberId) return null;
  const facts = await loadMemberFacts(db, user.orgId, user.memberId);
  return facts?.active ? memberPrincipal(facts) : null;
}

/**
 * The principal a SCIM bearer JWT stands for (Rollcall's own access token or a
 * federated one): the org-scoped service account it names. Refusals carry the
 * reason, for `WWW-Authenticate: Bearer error="invalid_token"`.
 */
export async function principalForScimToken(db: Db, keys: RemoteKeys, token: string, where: Audience): Promise<{ principal: Principal } | { reason: string }> {
  const r = await verifyScimBearer(db, keys, token, where);
  if (!r.ok) return { reason: r.reason };
  const sa = await db.selectFrom("service_accounts").select(["id", "team_id"]).where("org_id", "=", r.orgId).where("id", "=", r.serviceAccountId).executeTakeFirst();
  if (!sa) return { reason: "the token's service account no longer exists" };
  return { principal: serviceAccountPrincipal(r.orgId, r.credential, sa.id, sa.team_id) };
}
