/**
 * Provenance: who granted a team membership, an org role or a seat. A grant can
 * have several sources; a source's reconciliation (a SCIM replace, a SCIM group
 * delete, SSO group sync) takes away only its own, and a membership ends when
 * its last source goes. `legacy` marks rows written before provenance existed:
 * their writer is unknown, so any reconciliation may take them away.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import type { Actor } from "../audit/record.ts";

export const SOURCE_KINDS = ["scim", "sso", "admin", "invite", "domain", "signup", "mapping", "legacy"] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

export interface GrantSource {
  kind: SourceKind;
  /** the SCIM connection, the SSO connection ('oidc <issuer>'), the admin principal, the invite, the domain, the rule */
  id: string;
}

export const LEGACY: GrantSource = { kind: "legacy", id: "" };

/** A SCIM caller's source: its connection (the service account the key belongs to), else the key itself. */
export function scimSource(p: { serviceAccountId: string | null; keyId: string | null }): GrantSource {
  return { kind: "scim", id: p.serviceAccountId ?? `key:${p.keyId ?? ""}` };
}

/** An SSO connection's group claims, named by issuer or server URL. */
export const ssoSource = (identity: { provider: string; issuer: string }): GrantSource => ({ kind: "sso", id: `${identity.provider} ${identity.issuer}` });

/** The source an actor writes as when the call site names none: its own (`actor.source`), else the admin or door it is. */
export function sourceOfActor(actor: Actor): GrantSource {
  if (actor.source) return actor.source;
  if (actor.door === "scim") return { kind: "scim", id: actor.id };
  if (actor.door === "sso") return { kind: "sso", id: actor.id };
  return { kind: "admin", id: actor.id };
}

/** How the API shows a source. */
export interface SourceView {
  kind: string;
  id: string;
  grantedAt: string;
}

export const sourceView = (r: { kind: string; source_id: string; granted_at: string }): SourceView =>
  ({ kind: r.kind, id: r.source_id, grantedAt: r.granted_at });

/** The sources of each membership of these teams × members, keyed `teamId memberId`. */
export async function membershipSourcesOf(
  db: Kysely<Database>, where: { teamId?: string; memberId?: string; memberIds?: string[] },
): Promise<Map<string, SourceView[]>> {
  if (where.memberIds && !where.memberIds.length) return new Map();
  let q = db.selectFrom("membership_sources").select(["team_id", "member_id", "kind", "source_id", "granted_at"]);
  if (where.teamId) q = q.where("team_id", "=", where.teamId);
  if (where.memberId) q = q.where("member_id", "=", where.memberId);
  // a page of a roster: only its members' sources (a team of 10,000 is not read whole)
  if (where.memberIds) q = q.where("member_id", "in", where.memberIds);
  const out = new Map<string, SourceView[]>();
  for (const r of await q.orderBy("granted_at").orderBy("kind").orderBy("source_id").execute()) {
    const k = `${r.team_id} ${r.member_id}`;
    out.set(k, [...(out.get(k) ?? []), sourceView(r)]);
  }
  return out;
}
