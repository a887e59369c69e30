/**
 * Role mapping rules of an org: a directory group (a SCIM group by displayName
 * or externalId, an OIDC group claim, an LDAP group) → an org role, a Models
 * seat, Weave access and/or a team with a team role (custom roles included).
 * Precedence is explicit: `priority`, higher wins, unique per org — a second
 * rule with the same priority is refused at save, naming the first.
 */
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../../db/types.ts";
import { BOUNDS } from "../bounds.ts";
import { now } from "../clock.ts";
import { conflict, invalid, notFound, invalidField } from "../errors.ts";
import { getOrg, parseOrgRole, parseSeat, resolveTeamRole } from "../members/member-roles.ts";

type Db = Kysely<Database>;

export const MATCH_KINDS = ["scim-group", "scim-group-external-id", "oidc-group", "ldap-group"] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

export interface RuleInput {
  priority: number;
  match: { kind: MatchKind; value: string };
  orgRole?: string | null;
  modelsSeat?: string | null;
  weaveRole?: string | null;
  team?: { id: string; role: string } | null;
}

export interface Rule {
  id: string;
  orgId: string;
  priority: number;
  match: { kind: MatchKind; value: string; key: string };
  orgRole: string | null;
  modelsSeat: string | null;
  weaveRole: string | null;
  team: { id: string; role: string; customRoleId: string | null; roleName: string } | null;
  createdAt: string;
}

/** Group names match case-insensitively (as team names do); externalIds exactly. */
export const matchKey = (kind: string, value: string): string => (kind === "scim-group-external-id" ? value : value.trim().toLowerCase());

type Row = Database["role_mappings"];

async function toRule(db: Db, r: Row): Promise<Rule> {
  let roleName = r.team_role ?? "";
  if (r.custom_role_id) roleName = (await db.selectFrom("custom_roles").select("name").where("id", "=", r.custom_role_id).executeTakeFirst())?.name ?? "custom";
  return {
    id: r.id, orgId: r.org_id, priority: r.priority,
    match: { kind: r.match_kind as MatchKind, value: r.match_value, key: r.match_key },
    orgRole: r.org_role, modelsSeat: r.models_seat, weaveRole: r.weave_role,
    team: r.team_id ? { id: r.team_id, role: r.team_role ?? "member", customRoleId: r.custom_role_id, roleName } : null,
    createdAt: r.created_at,
  };
}

/** The org's rules, highest priority first. */
export async function listRules(db: Db, orgId: string): Promise<Rule[]> {
  const rows = await db.selectFrom("role_mappings").selectAll().where("org_id", "=", orgId).orderBy("priority", "desc").execute();
  return Promise.all(rows.map((r) => toRule(db, r)));
}

export async function getRule(db: Db, orgId: string, id: string): Promise<Rule> {
  const row = await db.selectFrom("role_mappings").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("This role mapping rule does not exist (it may have been deleted).");
  return toRule(db, row);
}

/** Checks and stores a new rule (in the caller's transaction); a tie with an existing rule is refused. */
export async function insertRule(trx: Transaction<Database>, orgId: string, input: RuleInput): Promise<Rule> {
  if (!Number.isSafeInteger(input.priority)) throw invalid('"priority" must be an integer');
  const value = input.match?.value;
  if (!MATCH_KINDS.includes(input.match?.kind)) throw invalid(`"match.kind" must be one of ${MATCH_KINDS.join(", ")}`);
  if (typeof value !== "string" || !value.trim() || value.length > BOUNDS.identifierChars) throw invalid(`"match.value" must be 1 to ${BOUNDS.identifierChars} characters`);
  const grants = [input.orgRole, input.modelsSeat, input.weaveRole, input.team].filter((g) => g !== undefined && g !== null);
  if (!grants.length) throw invalid("a rule must grant something: orgRole, modelsSeat, weaveRole or team");
  const tie = await trx.selectFrom("role_mappings").select(["id", "match_kind", "match_value"]).where("org_id", "=", orgId).where("priority", "=", input.priority).executeTakeFirst();
  if (tie) throw conflict(`priority ${input.priority} is already held by rule ${tie.id} (${tie.match_kind} "${tie.match_value}"): rules are ordered by priority, so a tie is refused; choose another priority`);
  const org = await getOrg(trx, orgId);
  let team: { id: string; role: string; customRoleId: string | null } | null = null;
  if (input.team) {
    const found = await trx.selectFrom("teams").select("id").where("org_id", "=", orgId).where("id", "=", input.team.id).executeTakeFirst();
    if (!found) throw invalidField("team.id", `no team with id ${input.team.id} in this organization`, "The rule's team does not exist in this organization (it may have been deleted).");
    const r = await resolveTeamRole(trx, org, input.team.role, "team.role");
    team = { id: found.id, role: r.role, customRoleId: r.customRoleId };
  }
  const row: Row = {
    id: crypto.randomUUID(), org_id: orgId, priority: input.priority,
    match_kind: input.match.kind, match_value: value, match_key: matchKey(input.match.kind, value),
    org_role: input.orgRole ? parseOrgRole(input.orgRole, "orgRole") : null,
    models_seat: input.modelsSeat ? parseSeat(input.modelsSeat, "modelsSeat") : null,
    weave_role: input.weaveRole ? parseSeat(input.weaveRole, "weaveRole") : null,
    team_id: team?.id ?? null, team_role: team?.role ?? null, custom_role_id: team?.customRoleId ?? null,
    created_at: now(),
  };
  await trx.insertInto("role_mappings").values(row).execute();
  return toRule(trx, row);
}
