/**
 * Who asks: the principals of the access policy. Every door turns its caller
 * into one of these before it asks `can` (can.ts):
 *
 * - a member (by their own API key or a browser session they signed in) with
 *   their org role, seats and team roles (member-facts.ts);
 * - an org-scoped service account (acts for the whole org, like an org admin);
 * - a team-scoped service account (acts only inside its team);
 * - the operator: the person running the deployment (the CLI, or a console
 *   session opened by the operator's one-time link). It is a reserved
 *   principal, never a user name, so no member can become it by naming itself.
 *
 * Every variant carries memberId / serviceAccountId / teamId / keyId (null when
 * not applicable), so adapters can read them without narrowing.
 */
import type { MemberFacts } from "./member-facts.ts";

interface Ids {
  orgId: string;
  /** the API key used, or null (session, CLI) */
  keyId: string | null;
  memberId: string | null;
  serviceAccountId: string | null;
  teamId: string | null;
}

export interface MemberPrincipal extends Ids {
  kind: "member";
  memberId: string;
  serviceAccountId: null;
  teamId: null;
  facts: MemberFacts;
}

export interface OrgServiceAccountPrincipal extends Ids {
  kind: "org-service-account";
  keyId: string;
  memberId: null;
  serviceAccountId: string;
  teamId: null;
}

export interface TeamServiceAccountPrincipal extends Ids {
  kind: "team-service-account";
  keyId: string;
  memberId: null;
  serviceAccountId: string;
  teamId: string;
}

export interface OperatorPrincipal extends Ids {
  kind: "operator";
  keyId: null;
  memberId: null;
  serviceAccountId: null;
  teamId: null;
}

export type Principal = MemberPrincipal | OrgServiceAccountPrincipal | TeamServiceAccountPrincipal | OperatorPrincipal;
export type PrincipalKind = Principal["kind"];

export const operator = (orgId: string): OperatorPrincipal => ({ kind: "operator", orgId, keyId: null, memberId: null, serviceAccountId: null, teamId: null });

export const memberPrincipal = (facts: MemberFacts, keyId: string | null = null): MemberPrincipal => ({
  kind: "member", orgId: facts.orgId, keyId, memberId: facts.memberId, serviceAccountId: null, teamId: null, facts,
});

export function serviceAccountPrincipal(orgId: string, keyId: string, serviceAccountId: string, teamId: string | null): OrgServiceAccountPrincipal | TeamServiceAccountPrincipal {
  return teamId
    ? { kind: "team-service-account", orgId, keyId, memberId: null, serviceAccountId, teamId }
    : { kind: "org-service-account", orgId, keyId, memberId: null, serviceAccountId, teamId: null };
}

/** How audit events name the principal. */
export function actorId(p: Principal): string {
  if (p.kind === "operator") return "operator";
  if (p.kind === "member") return `member:${p.memberId}`;
  return `key:${p.keyId}`;
}

/** A short description for refusals and answers ("alice (org role member)"). */
export function describe(p: Principal): string {
  switch (p.kind) {
    case "member": return `${p.facts.userName} (org role ${p.facts.orgRole})`;
    case "org-service-account": return "an org-scoped service account";
    case "team-service-account": return "a team-scoped service account";
    case "operator": return "the operator";
  }
}
