/**
 * Names for the ids an audit page holds: who acted (a member, a service account
 * by its key, the operator, a sign-in), what was acted on (a member, a team, an
 * invite …). Resolved in a few queries per page (one per kind), so a page of 200
 * events costs the same as a page of 2. Something deleted since keeps the name its
 * event recorded, else is called what it was ("a deleted team").
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";

export interface Named { kind: string; name: string; memberId?: string }

interface Raw { actor: string; target_type: string; target_id: string | null; detail: Record<string, unknown> | null }

const memberName = (m: { display_name: string | null; user_name: string }) => (m.display_name && m.display_name !== m.user_name ? `${m.display_name} (${m.user_name})` : m.user_name);

export class AuditNames {
  constructor(
    private members: Map<string, string>, private teams: Map<string, string>, private keys: Map<string, Named>,
    private invites: Map<string, string>, private accounts: Map<string, string>, private roles: Map<string, string>,
    private domains: Map<string, string>, private orgName: string,
  ) {}

  member(id: string | undefined): string | undefined { return id ? this.members.get(id) : undefined; }
  team(id: string | undefined): string | undefined { return id ? this.teams.get(id) : undefined; }

  actor(actor: string): Named {
    const [kind, ...rest] = actor.split(":");
    const id = rest.join(":");
    if (actor === "operator") return { kind: "operator", name: "the operator" };
    if (actor === "environment") return { kind: "configuration", name: "the server's configuration" };
    if (kind === "member") return { kind: "member", name: this.members.get(id) ?? "a removed member", memberId: id };
    if (kind === "key") return this.keys.get(id) ?? { kind: "key", name: "a deleted API key" };
    if (kind === "oidc") return { kind: "sign-in", name: "a person signing in with SSO" };
    if (kind === "ldap") return { kind: "sign-in", name: `${id} signing in with LDAP` };
    if (kind === "email") return { kind: "sign-in", name: `${id} signing in with an e-mail link` };
    return { kind: "other", name: actor };
  }

  target(e: Raw): string {
    const d = e.detail ?? {};
    const after = (d.after ?? {}) as Record<string, unknown>, before = (d.before ?? {}) as Record<string, unknown>;
    const recorded = (...vals: unknown[]) => vals.find((v): v is string => typeof v === "string" && v !== "");
    const id = e.target_id ?? "";
    switch (e.target_type) {
      case "member": return this.members.get(id) ?? recorded(d.userName) ?? "a removed member";
      case "team": return this.teams.get(id) ?? recorded(d.displayName, d.team) ?? "a deleted team";
      case "invite": return this.invites.get(id) ?? recorded(after.email, after.userName) ?? "an invite";
      case "api_key": return this.keys.get(id)?.name ?? (recorded(after.prefix) ? `key ${after.prefix}…` : "an API key");
      case "service_account": return this.accounts.get(id) ?? recorded(before.name, after.name) ?? "a deleted service account";
      case "role": return this.roles.get(id) ?? recorded(d.name, before.name, after.name) ?? "a deleted custom role";
      case "domain": return this.domains.get(id) ?? recorded(d.domain, before.domain, after.domain) ?? "a domain";
      case "org": return this.orgName;
      case "oidc_connection": return "OpenID Connect sign-in";
      case "ldap_connection": return "LDAP sign-in";
      case "identity": return id.startsWith("email:") ? id.slice(6) : id.replace(/^\w+:/, "") || "someone";
      default: return e.target_type.replace(/_/g, " ");
    }
  }
}

function ids(rows: Raw[], pick: (r: Raw) => (string | undefined)[]): string[] {
  return [...new Set(rows.flatMap(pick).filter((x): x is string => !!x))];
}

const memberIdOf = (r: Raw): string | undefined => (typeof r.detail?.memberId === "string" ? r.detail.memberId : undefined);

export async function resolveAuditNames(db: Kysely<Database>, orgId: string, rows: Raw[]): Promise<AuditNames> {
  const keyIds = ids(rows, (r) => [r.actor.startsWith("key:") ? r.actor.slice(4) : undefined, r.target_type === "api_key" ? r.target_id ?? undefined : undefined]);
  const keys = keyIds.length ? await db.selectFrom("api_keys as k").leftJoin("service_accounts as s", "s.id", "k.service_account_id").leftJoin("members as m", "m.id", "k.member_id")
    .select(["k.id", "k.prefix", "k.member_id", "s.name as account", "m.user_name", "m.display_name"]).where("k.org_id", "=", orgId).where("k.id", "in", keyIds).execute() : [];
  const keyNames = new Map<string, Named>(keys.map((k) => [k.id, k.account
    ? { kind: "service account", name: `service account ${k.account}` }
    : k.user_name ? { kind: "member", name: memberName({ user_name: k.user_name, display_name: k.display_name }), memberId: k.member_id ?? undefined } : { kind: "key", name: `key ${k.prefix}…` }]));
  const teamIds = ids(rows, (r) => [r.target_type === "team" ? r.target_id ?? undefined : undefined, r.target_type === "org" ? defaultTeams(r) : undefined].flat());
  const memberIds = ids(rows, (r) => [r.actor.startsWith("member:") ? r.actor.slice(7) : undefined, r.target_type === "member" ? r.target_id ?? undefined : undefined, memberIdOf(r)]);
  const of = (type: string) => ids(rows, (r) => [r.target_type === type ? r.target_id ?? undefined : undefined]);
  const [members, teams, invites, accounts, roles, domains, org] = await Promise.all([
    memberIds.length ? db.selectFrom("members").select(["id", "user_name", "display_name"]).where("org_id", "=", orgId).where("id", "in", memberIds).execute() : [],
    teamIds.length ? db.selectFrom("teams").select(["id", "display_name"]).where("org_id", "=", orgId).where("id", "in", teamIds).execute() : [],
    of("invite").length ? db.selectFrom("invites").select(["id", "email", "user_name"]).where("org_id", "=", orgId).where("id", "in", of("invite")).execute() : [],
    of("service_account").length ? db.selectFrom("service_accounts").select(["id", "name"]).where("org_id", "=", orgId).where("id", "in", of("service_account")).execute() : [],
    of("role").length ? db.selectFrom("custom_roles").select(["id", "name"]).where("org_id", "=", orgId).where("id", "in", of("role")).execute() : [],
    of("domain").length ? db.selectFrom("domains").select(["id", "domain"]).where("org_id", "=", orgId).where("id", "in", of("domain")).execute() : [],
    db.selectFrom("orgs").select("name").where("id", "=", orgId).executeTakeFirst(),
  ]);
  return new AuditNames(
    new Map(members.map((m) => [m.id, memberName(m)])), new Map(teams.map((t) => [t.id, t.display_name])), keyNames,
    new Map(invites.map((i) => [i.id, i.email ?? i.user_name ?? "an invite"])), new Map(accounts.map((a) => [a.id, a.name])),
    new Map(roles.map((r) => [r.id, r.name])), new Map(domains.map((d) => [d.id, d.domain])), org?.name ?? "the organization",
  );
}

/** An org settings change may name default teams (before and after). */
function defaultTeams(r: Raw): (string | undefined)[] {
  const pick = (x: unknown) => (x && typeof x === "object" && typeof (x as Record<string, unknown>).defaultTeamId === "string" ? (x as Record<string, string>).defaultTeamId : undefined);
  return [pick(r.detail?.before), pick(r.detail?.after)];
}
