/**
 * The operator's CLI: `rollcall org create <name>`, `key create --org <name> [--member <userName>]`,
 * `key list --org <name>`, `key revoke <key-id>`, `oauth-client create --org <name>`, `admin-link --org <name>`, `domain verify|release <domain>`, `member list --org <name>`,
 * `member set-role|deactivate|remove --org <name> <userName> …`, `team rename|delete --org <name> <team> …`, `org set-plan <org> <plan>`, `migrate`. Uses DATABASE_URL.
 * The CLI is the operator (src/org/access: a reserved principal, never a user name); each org command
 * asks the access policy as the operator, like every other door. The plan is the operator's alone.
 * Member changes go through src/org/members/members.ts, under the same rules as SCIM and the admin API
 * (the last active admin, seats, plans); a refusal prints `error: <message>` and exits 1.
 *
 * Exit status: 0 done, 1 refused or failed (unknown org, duplicate name, database error),
 * 2 bad command line (usage printed). The command line is checked before the database is opened.
 */
import { deleteTeam, findTeamByName } from "./org/teams/teams.ts";
import { updateTeamSettings } from "./org/teams/team-admin.ts";
import { firstOrgServiceAccount } from "./org/security/service-accounts.ts";
import { openDatabase, type Store } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";
import { markDomainVerified, releaseDomainClaims } from "./org/orgs/domains.ts";
import { createAdminLink } from "./org/arrival/admin-links.ts";
import type { Actor } from "./org/audit/record.ts";
import { DomainError, notFound } from "./org/errors.ts";
import { ensureCan } from "./org/access/can.ts";
import { operator } from "./org/access/principals.ts";
import { ORG_ROLES, type OrgRole } from "./org/members/member-roles.ts";
import { PLANS, updateOrgSettings, type Plan } from "./org/orgs/settings.ts";
import { deleteMember, updateMemberAccess } from "./org/members/members.ts";
import { createMemberKey, listKeys, revokeKey } from "./org/security/keys.ts";
import { createOAuthClient } from "./org/security/oauth/clients.ts";
import { createOrg, createOrgKey, findOrgById, getOrgByName } from "./org/orgs/orgs.ts";
import { allMembers } from "./org/members/directory.ts";
import { accessOf, findMemberByUserName } from "./org/members/member-view.ts";
import { createRule, deleteRule, dryRunRule, listRules, MATCH_KINDS, type MemberReport, type RuleInput } from "./org/mappings/mappings.ts";
import type { MatchKind } from "./org/mappings/rules.ts";

const USAGE = `usage: rollcall <command>
  org create <name> [--plan standard|enterprise]   create an organization; prints its first API key last
  org set-plan <name> <standard|enterprise>         change the organization's plan (the operator's decision)
  key create --org <name> [--label <text>]          create an API key for the org's provisioning account
  key create --org <name> --member <userName> [--label <text>]   create a member's own API key (acts as that member)
  key list --org <name>                             list the org's keys (never the secrets)
  key revoke <key-id>                               revoke a key
  oauth-client create --org <name> [--name <text>] [--lifetime-minutes <5..360>] [--secret-expires <ISO time>]
                                                    an OAuth client (client credentials) for the org's provisioning account; prints its client_id and secret
  admin-link --org <name> [--base-url <url>]        print a one-time console sign-in link (works once, for 1 hour)
  domain verify <domain> [--org <name>]             mark a claimed domain verified (no public DNS needed)
  domain release <domain> [--org <name>]            release a claim: the org's, else the verified one, else every pending one
  member list --org <name>                          list the org's members: userName, org role, seats, active, the directory managing them
  member set-role --org <name> <userName> <admin|member|viewer>   change a member's org role
  member deactivate --org <name> <userName>         deactivate a member (keeps the membership)
  member remove --org <name> <userName>             remove a member from the org (the user stays)
  team rename --org <name> <team> <new name>        rename a team
  team delete --org <name> <team>                   delete a team (its members stay in the org)
  mapping list --org <name>                         list the role mapping rules, highest priority first
  mapping add --org <name> --priority <n> --match <kind>:<group> [--org-role r] [--models-seat s] [--weave-role w]
              [--team <teamName> --team-role <role>] [--dry-run true]   save a rule (or only print what it would change for whom)
  mapping remove --org <name> <rule-id>             delete a rule; prints what it alone granted and is taken away
  migrate                                           apply database migrations
  help                                              show this text
The database is DATABASE_URL (unset: SQLite at ./data/rollcall.db; sqlite:PATH; postgres://…).`;

class UsageError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string>;
}

/** Splits `args` into positionals and `--name value` / `--name=value` flags; only `allowed` flags are accepted. */
function parse(args: string[], allowed: string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("--")) { positional.push(a); continue; }
    const eq = a.indexOf("=");
    const name = a.slice(2, eq >= 0 ? eq : undefined);
    if (!allowed.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq >= 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return { positional, flags };
}

function exactly(p: Parsed, n: number, what: string): string[] {
  if (p.positional.length < n) throw new UsageError(`missing ${what}`);
  if (p.positional.length > n) throw new UsageError(`unexpected argument "${p.positional[n]}"`);
  return p.positional;
}

function need(p: Parsed, name: string): string {
  const v = p.flags.get(name);
  if (!v) throw new UsageError(`missing --${name} <${name === "org" ? "name" : "value"}>`);
  return v;
}

type Action = (store: Store) => Promise<void>;

const OPERATOR: Actor = { door: "cli", id: "operator" };

/** The member of `orgName` called `userName` (case-insensitive), or a not-found error naming both. */
async function memberByName(store: Store, orgName: string, userName: string, action: "member:change-access" | "member:remove" | "member-keys:manage"): Promise<{ orgId: string; id: string; userName: string }> {
  const org = await getOrgByName(store.db, orgName);
  const m = await findMemberByUserName(store.db, org.id, userName);
  if (!m) throw notFound(`no member named "${userName}" in organization "${org.name}"`);
  if (action === "member-keys:manage") ensureCan(operator(org.id), action, { memberId: m.id });
  else ensureCan(operator(org.id), action);
  return { orgId: org.id, id: m.id, userName: m.userName };
}

/** The command line as an action on the database; throws UsageError without touching any database. */
function command(args: string[]): Action {
  const [cmd, sub, ...rest] = args;
  if (!cmd) throw new UsageError("no command given");
  if (cmd === "migrate") {
    exactly(parse(args.slice(1), []), 0, "");
    return async () => {};
  }
  if (cmd === "org" && sub === "create") {
    const p = parse(rest, ["plan"]);
    const [name] = exactly(p, 1, "organization name");
    const plan = p.flags.get("plan");
    if (plan !== undefined && plan !== "standard" && plan !== "enterprise") throw new UsageError("--plan must be standard or enterprise");
    return async (store) => {
      const { org, key } = await createOrg(store.db, name!, { plan });
      console.log(`created organization "${org.name}" (${org.id}), plan ${org.plan}`);
      console.log(`API key id ${key.id}; the key (shown once):`);
      console.log(key.key);
    };
  }
  if (cmd === "org" && sub === "set-plan") {
    const [name, plan] = exactly(parse(rest, []), 2, "<name> <standard|enterprise>");
    if (!PLANS.includes(plan as Plan)) throw new UsageError(`the plan must be one of ${PLANS.join(", ")}`);
    return async (store) => {
      const org = await getOrgByName(store.db, name!);
      ensureCan(operator(org.id), "org:change-plan");
      const after = await updateOrgSettings(store.db, org.id, { plan: plan as Plan }, OPERATOR);
      console.log(after.plan === org.plan ? `"${after.name}" is already on the ${after.plan} plan` : `"${after.name}" is now on the ${after.plan} plan (was ${org.plan})`);
    };
  }
  if (cmd === "key" && sub === "create") {
    const p = parse(rest, ["org", "label", "member"]);
    exactly(p, 0, "");
    const orgName = need(p, "org");
    const memberName = p.flags.get("member");
    return async (store) => {
      const owner = memberName === undefined ? null : await memberByName(store, orgName, memberName, "member-keys:manage");
      const key = owner
        ? await createMemberKey(store.db, owner.orgId, owner.id, p.flags.get("label"), OPERATOR)
        : await createOrgKey(store.db, orgName, p.flags.get("label"));
      if (owner) console.log(`a key of member ${owner.userName}: it acts with exactly their rights`);
      console.log(`API key id ${key.id}; the key (shown once):`);
      console.log(key.key);
    };
  }
  if (cmd === "key" && sub === "list") {
    const p = parse(rest, ["org"]);
    exactly(p, 0, "");
    const orgName = need(p, "org");
    return async (store) => {
      const org = await getOrgByName(store.db, orgName);
      ensureCan(operator(org.id), "service-accounts:list");
      const keys = await listKeys(store.db, org.id);
      if (!keys.length) console.log("no keys");
      for (const k of keys)
        console.log(`${k.id}  ${k.prefix}…  ${k.owner}${k.label ? ` (${k.label})` : ""}  created ${k.createdAt}  last used ${k.lastUsedAt ?? "never"}${k.revokedAt ? `  REVOKED ${k.revokedAt}` : ""}`);
    };
  }
  if (cmd === "oauth-client" && sub === "create") {
    const p = parse(rest, ["org", "name", "lifetime-minutes", "secret-expires"]);
    exactly(p, 0, "");
    const orgName = need(p, "org");
    const lifetime = p.flags.get("lifetime-minutes");
    if (lifetime !== undefined && !/^\d+$/.test(lifetime)) throw new UsageError("--lifetime-minutes must be a whole number of minutes (5 to 360)");
    return async (store) => {
      const org = await getOrgByName(store.db, orgName);
      ensureCan(operator(org.id), "scim-auth:manage");
      const sa = await firstOrgServiceAccount(store.db, org.id);
      if (!sa) throw notFound(`"${org.name}" has no org-scoped service account; create a key first (rollcall key create --org ${org.name})`);
      const { client, secret } = await createOAuthClient(store.db, org.id, {
        serviceAccountId: sa.id, name: p.flags.get("name") ?? "identity provider",
        tokenLifetimeMinutes: lifetime === undefined ? undefined : Number(lifetime), secretExpiresAt: p.flags.get("secret-expires"),
      }, OPERATOR);
      console.log(`OAuth client ${client.id} for the provisioning account; token endpoint <base URL>/oauth/token, tokens live ${client.tokenLifetimeMinutes} minutes`);
      console.log(`client_id: ${client.clientId}`);
      console.log(`client_secret (shown once${secret?.expiresAt ? `, expires ${secret.expiresAt}` : ""}):`);
      console.log(secret?.secret ?? "");
    };
  }
  if (cmd === "key" && sub === "revoke") {
    const [id] = exactly(parse(rest, []), 1, "key id");
    return async (store) => {
      await revokeKey(store.db, id!);
      console.log(`revoked ${id}`);
    };
  }
  if (cmd === "admin-link") {
    const p = parse(args.slice(1), ["org", "base-url"]);
    exactly(p, 0, "");
    const orgName = need(p, "org");
    return async (store) => {
      const org = await getOrgByName(store.db, orgName);
      const { token, expiresAt } = await createAdminLink(store.db, org.id);
      const base = (p.flags.get("base-url") ?? process.env.ROLLCALL_BASE_URL ?? `http://localhost:${process.env.PORT ?? 8080}`).replace(/\/+$/, "");
      console.log(`one-time console sign-in link for "${org.name}" (works once, until ${expiresAt}):`);
      console.log(`${base}/admin/link/${token}`);
    };
  }
  if (cmd === "domain" && sub === "verify") {
    const p = parse(rest, ["org"]);
    const [domain] = exactly(p, 1, "domain");
    return async (store) => {
      const orgName = p.flags.get("org");
      const orgId = orgName ? (await getOrgByName(store.db, orgName)).id : undefined;
      const { domain: d, already } = await markDomainVerified(store.db, domain!, OPERATOR, orgId);
      console.log(already ? `${d.domain} was already verified (${d.verifiedAt})` : `verified ${d.domain}`);
    };
  }
  if (cmd === "domain" && sub === "release") {
    const p = parse(rest, ["org"]);
    const [domain] = exactly(p, 1, "domain");
    return async (store) => {
      const orgName = p.flags.get("org");
      const orgId = orgName ? (await getOrgByName(store.db, orgName)).id : undefined;
      const released = await releaseDomainClaims(store.db, domain!, OPERATOR, orgId);
      for (const r of released) {
        const org = await findOrgById(store.db, r.orgId);
        console.log(`released the ${r.status} claim of ${domain!.trim().toLowerCase().replace(/\.$/, "")} by "${org?.name ?? r.orgId}"`);
      }
    };
  }
  if (cmd === "member" && sub === "list") {
    const p = parse(rest, ["org"]);
    exactly(p, 0, "");
    const orgName = need(p, "org");
    return async (store) => {
      const org = await getOrgByName(store.db, orgName);
      ensureCan(operator(org.id), "members:read");
      let none = true;
      for await (const m of allMembers(store.db, org.id)) {
        none = false;
        console.log(`${m.userName}  ${m.orgRole}  models ${m.modelsSeat}  weave ${m.weaveRole}  ${m.active ? "active" : "inactive"}${m.managedBy ? `  managed by ${m.managedBy.name}` : ""}`);
      }
      if (none) console.log("no members");
    };
  }
  if (cmd === "member" && sub === "set-role") {
    const p = parse(rest, ["org"]);
    const [userName, given] = exactly(p, 2, "<userName> <admin|member|viewer>");
    const orgName = need(p, "org");
    const role = given!.toLowerCase();
    if (!ORG_ROLES.includes(role as OrgRole)) throw new UsageError(`the role must be one of ${ORG_ROLES.join(", ")}`);
    return async (store) => {
      const m = await memberByName(store, orgName, userName!, "member:change-access");
      const after = await updateMemberAccess(store.db, m.orgId, m.id, { orgRole: role }, OPERATOR);
      console.log(`${after.user_name} is now ${accessOf(after).orgRole}`);
    };
  }
  if (cmd === "member" && sub === "deactivate") {
    const p = parse(rest, ["org"]);
    const [userName] = exactly(p, 1, "<userName>");
    const orgName = need(p, "org");
    return async (store) => {
      const m = await memberByName(store, orgName, userName!, "member:change-access");
      const after = await updateMemberAccess(store.db, m.orgId, m.id, { active: false }, OPERATOR);
      console.log(`deactivated ${after.user_name}`);
    };
  }
  if (cmd === "member" && sub === "remove") {
    const p = parse(rest, ["org"]);
    const [userName] = exactly(p, 1, "<userName>");
    const orgName = need(p, "org");
    return async (store) => {
      const m = await memberByName(store, orgName, userName!, "member:remove");
      await deleteMember(store.db, m.orgId, m.id, OPERATOR);
      console.log(`removed ${m.userName}`);
    };
  }
  if (cmd === "team" && (sub === "rename" || sub === "delete")) return teamCommand(sub, rest);
  if (cmd === "mapping") return mappingCommand(sub, rest);
  throw new UsageError(`unknown command: ${args.join(" ")}`);
}

const printReport = (report: MemberReport[]) => {
  if (!report.length) console.log("no member changes");
  for (const r of report) {
    for (const c of r.changes) console.log(`${r.userName}  ${c.what}: ${c.from ?? "-"} → ${c.to ?? "-"}  (rule ${c.rule})`);
    for (const x of r.refused) console.log(`${r.userName}  ${x.what}: refused (${x.reason})  (rule ${x.rule})`);
  }
};

/** `team rename|delete`: the admin API's PATCH / DELETE /teams/{id}, as the operator, under the same rules (a managed team, the default team). */
function teamCommand(sub: "rename" | "delete", rest: string[]): Action {
  const p = parse(rest, ["org"]);
  const [teamName, newName] = exactly(p, sub === "rename" ? 2 : 1, sub === "rename" ? "<team> <new name>" : "<team>");
  const orgName = need(p, "org");
  return async (store) => {
    const org = await getOrgByName(store.db, orgName);
    const team = await findTeamByName(store.db, org.id, teamName!);
    if (!team) throw notFound(`no team named "${teamName}" in organization "${org.name}"`);
    if (sub === "rename") {
      ensureCan(operator(org.id), "team:manage-settings", { teamId: team.id });
      const after = await updateTeamSettings(store.db, org.id, team.id, { name: newName!.trim() }, OPERATOR);
      console.log(`renamed team "${team.display_name}" to "${after.name}"`);
    } else {
      ensureCan(operator(org.id), "team:delete");
      await deleteTeam(store.db, org.id, team.id, OPERATOR);
      console.log(`deleted team "${team.display_name}"`);
    }
  };
}

/** `mapping list|add|remove`: the admin API's /role-mappings, as the operator, through src/org/mappings. */
function mappingCommand(sub: string | undefined, rest: string[]): (store: Store) => Promise<void> {
  if (sub === "list") {
    const p = parse(rest, ["org"]);
    exactly(p, 0, "");
    const orgName = need(p, "org");
    return async (store) => {
      const org = await getOrgByName(store.db, orgName);
      ensureCan(operator(org.id), "role-mappings:read");
      const rules = await listRules(store.db, org.id);
      if (!rules.length) console.log("no rules");
      for (const r of rules) {
        const grants = [r.orgRole && `org role ${r.orgRole}`, r.modelsSeat && `models ${r.modelsSeat}`, r.weaveRole && `weave ${r.weaveRole}`, r.team && `team ${r.team.id} as ${r.team.roleName}`].filter(Boolean);
        console.log(`${r.priority}  ${r.match.kind}:${r.match.value}  → ${grants.join(", ")}  (${r.id})`);
      }
    };
  }
  if (sub === "add") {
    const p = parse(rest, ["org", "priority", "match", "org-role", "models-seat", "weave-role", "team", "team-role", "dry-run"]);
    exactly(p, 0, "");
    const orgName = need(p, "org");
    const priority = Number(need(p, "priority"));
    if (!Number.isSafeInteger(priority)) throw new UsageError("--priority must be an integer");
    const match = need(p, "match");
    const colon = match.indexOf(":");
    const kind = match.slice(0, colon);
    if (colon < 1 || !MATCH_KINDS.includes(kind as MatchKind)) throw new UsageError(`--match must be <kind>:<group> with kind one of ${MATCH_KINDS.join(", ")}`);
    if (p.flags.has("team") !== p.flags.has("team-role")) throw new UsageError("--team and --team-role go together");
    const dry = p.flags.get("dry-run");
    if (dry !== undefined && dry !== "true") throw new UsageError("--dry-run takes the value true");
    return async (store) => {
      const org = await getOrgByName(store.db, orgName);
      ensureCan(operator(org.id), "role-mappings:manage");
      const teamName = p.flags.get("team");
      const team = teamName ? await findTeamByName(store.db, org.id, teamName) : undefined;
      if (teamName && !team) throw notFound(`no team named ${teamName} in ${org.name}`);
      const input: RuleInput = {
        priority, match: { kind: kind as MatchKind, value: match.slice(colon + 1) },
        orgRole: p.flags.get("org-role") ?? null, modelsSeat: p.flags.get("models-seat") ?? null, weaveRole: p.flags.get("weave-role") ?? null,
        team: team ? { id: team.id, role: p.flags.get("team-role")! } : null,
      };
      const out = dry ? await dryRunRule(store.db, org.id, input, OPERATOR) : await createRule(store.db, org.id, input, OPERATOR);
      console.log(dry ? "dry run: nothing saved" : `saved rule ${out.rule.id}`);
      printReport(out.report);
    };
  }
  if (sub === "remove") {
    const p = parse(rest, ["org"]);
    const [id] = exactly(p, 1, "<rule-id>");
    const orgName = need(p, "org");
    return async (store) => {
      const org = await getOrgByName(store.db, orgName);
      ensureCan(operator(org.id), "role-mappings:manage");
      printReport(await deleteRule(store.db, org.id, id!, OPERATOR));
    };
  }
  throw new UsageError(`unknown command: mapping ${sub ?? ""}`);
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args[0] === "--help" || args[0] === "-h" || args[0] === "help") { console.log(USAGE); return 0; }
  let store: Store | undefined;
  try {
    const action = command(args);
    store = openDatabase(process.env.DATABASE_URL);
    // Every command works on a current schema; `migrate` reports what this applied.
    const applied = await migrateToLatest(store);
    if (args[0] === "migrate") console.log(applied.length ? `applied: ${applied.join(", ")}` : "database is up to date");
    else await action(store);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) { console.error(`${err.message}\n${USAGE}`); return 2; }
    if (err instanceof DomainError) { console.error(`error: ${err.message}`); return 1; }
    console.error("error:", err instanceof Error ? err.message : err);
    return 1;
  } finally {
    await store?.close().catch(() => {});
  }
}

process.exitCode = await main();
