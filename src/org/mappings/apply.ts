/**
 * Applying the role mapping rules to members: for each member, the rules whose
 * directory group the member is in (SCIM groups: the teams a SCIM connection put
 * them in; OIDC / LDAP groups: those their last sign-in carried), highest
 * priority first. For the org role, the Models seat, the Weave access and each
 * team, the highest matching rule that sets it wins; its grant is recorded with
 * the source `mapping <rule id>`. A rule that stops matching takes its source
 * away: a team membership then ends unless another source grants it; an org
 * role or seat keeps its value (nobody's grant) until another source changes it.
 *
 * Each member's access change runs under a savepoint: one the member rules
 * refuse (the last active admin, a seat limit, a Viewer's full seat) is rolled
 * back for that member alone and reported; the others apply. Every applied
 * change is audited (`mapping.applied`) with the rule that caused it.
 */
import { sql, type Transaction } from "kysely";
import type { Database, Member } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { DomainError } from "../errors.ts";
import { changeMemberAccessIn } from "../members/members.ts";
import { withdrawAccessSources } from "../provenance/access-sources.ts";
import type { GrantSource } from "../provenance/sources.ts";
import { removeFromTeam, setTeamRole } from "../teams/membership.ts";
import { listRules, type Rule } from "./rules.ts";

type Trx = Transaction<Database>;

export interface MappingChange {
  /** 'orgRole' | 'modelsSeat' | 'weaveRole' | 'team <name>' */
  what: string;
  from: string | null;
  to: string | null;
  rule: string;
}

export interface MemberReport {
  memberId: string;
  userName: string;
  changes: MappingChange[];
  refused: { what: string; to: string; rule: string; reason: string }[];
}

const FIELDS = [["org_role", "orgRole"], ["models_seat", "modelsSeat"], ["weave_role", "weaveRole"]] as const;

const mappingSource = (r: Rule): GrantSource => ({ kind: "mapping", id: r.id });

/** Each member's directory groups, as `<match kind> <match key>`. */
async function directoryGroups(trx: Trx, orgId: string, memberIds: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map(memberIds.map((id) => [id, new Set<string>()]));
  // 500 ids a query: every member of a 100k org would pass SQLite's limit of bound variables
  for (let i = 0; i < memberIds.length; i += 500) {
    const ids = memberIds.slice(i, i + 500);
    const scim = await trx.selectFrom("membership_sources as s").innerJoin("teams as t", "t.id", "s.team_id")
      .select(["s.member_id", "t.name_key", "t.external_id"]).distinct()
      .where("s.org_id", "=", orgId).where("s.kind", "=", "scim").where("s.member_id", "in", ids).execute();
    for (const r of scim) {
      out.get(r.member_id)?.add(`scim-group ${r.name_key}`);
      if (r.external_id) out.get(r.member_id)?.add(`scim-group-external-id ${r.external_id}`);
    }
    const signedIn = await trx.selectFrom("member_directory_groups").select(["member_id", "kind", "group_key"]).where("member_id", "in", ids).execute();
    for (const r of signedIn) out.get(r.member_id)?.add(`${r.kind} ${r.group_key}`);
  }
  return out;
}

/** Whether the org has rules, or grants a deleted rule left (their removal is still to apply). */
export async function mappingsInUse(trx: Trx, orgId: string): Promise<boolean> {
  const rule = await trx.selectFrom("role_mappings").select("id").where("org_id", "=", orgId).limit(1).executeTakeFirst();
  if (rule) return true;
  return !!(await trx.selectFrom("access_sources").select("member_id").where("org_id", "=", orgId).where("kind", "=", "mapping").limit(1).executeTakeFirst()
    ?? await trx.selectFrom("membership_sources").select("member_id").where("org_id", "=", orgId).where("kind", "=", "mapping").limit(1).executeTakeFirst());
}

let savepoints = 0;

/** Runs `write` under a savepoint; a refusal by the domain rules rolls back only it and is returned. */
async function tryWrite(trx: Trx, write: () => Promise<void>): Promise<string | null> {
  const name = sql.raw(`mapping_${++savepoints}`);
  await sql`savepoint ${name}`.execute(trx);
  try {
    await write();
    await sql`release savepoint ${name}`.execute(trx);
    return null;
  } catch (err) {
    if (!(err instanceof DomainError) || (err.kind !== "rule" && err.kind !== "forbidden")) throw err;
    await sql`rollback to savepoint ${name}`.execute(trx);
    await sql`release savepoint ${name}`.execute(trx);
    return err.message;
  }
}

/**
 * Applies the org's rules to these members (all: every member of the org) and
 * returns what changed for whom, and what the member rules refused.
 */
export async function applyMappings(trx: Trx, orgId: string, memberIds: string[] | "all", actor: Actor): Promise<MemberReport[]> {
  if (!(await mappingsInUse(trx, orgId))) return [];
  const rules = await listRules(trx, orgId);
  const members = await membersToApply(trx, orgId, memberIds);
  if (!members.length) return [];
  const groups = await directoryGroups(trx, orgId, members.map((m) => m.id));
  const reports: MemberReport[] = [];
  for (const m of members) {
    const matching = rules.filter((r) => groups.get(m.id)?.has(`${r.match.kind} ${r.match.key}`));
    const report = await applyToMember(trx, orgId, m, matching, actor);
    if (report.changes.length || report.refused.length) {
      reports.push(report);
      await recordAudit(trx, { orgId, actor, action: "mapping.applied", targetType: "member", targetId: m.id, detail: { changes: report.changes, refused: report.refused } });
    }
  }
  return reports;
}

/** The members in user-name order; named ones 500 ids a query (a 50k-member group replace passes SQLite's bound-variable limit). */
async function membersToApply(trx: Trx, orgId: string, memberIds: string[] | "all"): Promise<Member[]> {
  const base = trx.selectFrom("members").selectAll().where("org_id", "=", orgId);
  if (memberIds === "all") return base.orderBy("user_name_key").orderBy("id").execute();
  const ids = [...new Set(memberIds)];
  const out: Member[] = [];
  for (let i = 0; i < ids.length; i += 500) out.push(...(await base.where("id", "in", ids.slice(i, i + 500)).execute()));
  const key = (m: Member) => `${m.user_name_key}\u0000${m.id}`;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

async function applyToMember(trx: Trx, orgId: string, m: Member, matching: Rule[], actor: Actor): Promise<MemberReport> {
  const report: MemberReport = { memberId: m.id, userName: m.user_name, changes: [], refused: [] };
  const held = await trx.selectFrom("access_sources").select(["field", "source_id"]).where("member_id", "=", m.id).where("kind", "=", "mapping").execute();
  let current = m;
  for (const [field, what] of FIELDS) {
    const winner = matching.find((r) => r[what] !== null);
    const value = winner?.[what] ?? null;
    if (winner && value !== null && (current[field] !== value || !held.some((h) => h.field === field && h.source_id === winner.id))) {
      const before = current[field];
      const reason = await tryWrite(trx, async () => {
        current = await changeMemberAccessIn(trx, orgId, m.id, { [what]: value }, { ...actor, source: mappingSource(winner) });
      });
      if (reason) report.refused.push({ what, to: value, rule: winner.id, reason });
      else if (before !== current[field]) report.changes.push({ what, from: before, to: current[field], rule: winner.id });
    }
    // Rules that no longer win this field take their source away.
    const stale = held.filter((h) => h.field === field && h.source_id !== winner?.id).map((h) => h.source_id);
    await withdrawAccessSources(trx, m.id, field, "mapping", stale);
  }
  await applyTeams(trx, orgId, m, matching, report);
  return report;
}

async function applyTeams(trx: Trx, orgId: string, m: Member, matching: Rule[], report: MemberReport): Promise<void> {
  const wanted = new Map<string, Rule>();
  for (const r of matching) if (r.team && !wanted.has(r.team.id)) wanted.set(r.team.id, r);
  const held = await trx.selectFrom("membership_sources as s").innerJoin("teams as t", "t.id", "s.team_id")
    .select(["s.team_id", "s.source_id", "t.display_name"]).where("s.member_id", "=", m.id).where("s.kind", "=", "mapping").execute();
  const names = new Map(held.map((h) => [h.team_id, h.display_name]));
  const wantedIds = [...wanted.keys()];
  if (wantedIds.length)
    for (const t of await trx.selectFrom("teams").select(["id", "display_name"]).where("id", "in", wantedIds).execute()) names.set(t.id, t.display_name);
  for (const [teamId, rule] of wanted) {
    const team = rule.team!;
    const { before, changed } = await setTeamRole(trx, orgId, teamId, m.id, { role: team.role, customRoleId: team.customRoleId }, { source: mappingSource(rule) });
    if (changed) report.changes.push({ what: `team ${names.get(teamId)}`, from: before ? before.role : null, to: team.role === "custom" ? team.roleName : team.role, rule: rule.id });
  }
  for (const h of held) {
    if (wanted.get(h.team_id)?.id === h.source_id) continue;
    const gone = await removeFromTeam(trx, h.team_id, m.id, { source: { kind: "mapping", id: h.source_id } });
    if (gone) report.changes.push({ what: `team ${names.get(h.team_id)}`, from: gone.role, to: null, rule: h.source_id });
  }
}
