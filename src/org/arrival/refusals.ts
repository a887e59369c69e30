/**
 * Refused sign-ins, readable: who, when, through which door, why — from the
 * audit events the doors and the arrival decision write (`provision.refused`,
 * and `signin.refused` for refusals before the decision: LDAP allow-list,
 * wrong password, an e-mail link whose door closed). Newest first.
 *
 * @example
 * const { refusals } = await listRefusals(db, orgId, { limit: 50 });
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { invalid } from "../errors.ts";

export interface RefusalView {
  id: number;
  at: string;
  /** oidc, ldap, email, invite, … */
  door: string;
  /** the e-mail, user name or login identity the person arrived with */
  who: string;
  reason: string;
}

const ACTIONS = ["provision.refused", "signin.refused"];

interface Detail {
  door?: string;
  email?: string | null;
  reason?: string;
  identity?: { provider?: string; issuer?: string; subject?: string | null; username?: string } | null;
}

function whoOf(d: Detail, targetId: string | null, actor: string): string {
  if (d.email) return d.email;
  if (d.identity?.username) return d.identity.username;
  if (d.identity?.subject) return `${d.identity.subject} (${d.identity.provider ?? "sso"} ${d.identity.issuer ?? ""})`.trim();
  return targetId ?? actor;
}

/** `before`: an event id from a previous page (older ones follow). */
export async function listRefusals(db: Kysely<Database>, orgId: string, q: { limit?: number; before?: number } = {}): Promise<{ refusals: RefusalView[]; nextBefore: number | null }> {
  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw invalid('"limit" must be an integer from 1 to 200');
  let sel = db.selectFrom("audit_events").select(["id", "at", "actor", "target_id", "detail"])
    .where("org_id", "=", orgId).where("action", "in", ACTIONS);
  if (q.before !== undefined) sel = sel.where("id", "<", q.before);
  const rows = await sel.orderBy("id", "desc").limit(limit + 1).execute();
  const page = rows.slice(0, limit);
  return {
    refusals: page.map((r) => {
      const d = (r.detail ? JSON.parse(r.detail) : {}) as Detail;
      return { id: Number(r.id), at: r.at, door: d.door ?? "unknown", who: whoOf(d, r.target_id, r.actor), reason: d.reason ?? "" };
    }),
    nextBefore: rows.length > limit ? Number(page.at(-1)!.id) : null,
  };
}
