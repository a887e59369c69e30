/**
 * Org roles, product seats, billing admin, plans and team roles: the rules that
 * every door (SCIM, admin API, CLI, SSO) shares. members.ts calls
 * `enforceMemberRules` inside the same transaction as each write, on the state
 * after the write, so a refusal rolls the write back and changes nothing.
 *
 * Viewer means viewer: the Viewer org role holds viewer seats at most. Making a
 * member a Viewer lowers their full Models seat and Weave access to viewer in the
 * same write; asking for a full one for a Viewer (in that write, or later) is
 * refused. The same holds through every door, because every write ends here.
 *
 * Status of refusals (see errors.ts): a rule that refuses (last admin, seat limit,
 * billing admin must be active, a full seat for a Viewer) is kind "rule" → 409; a feature the org's plan
 * does not include (Viewer org role, View-Only team role, custom roles on
 * `standard`) is kind "forbidden" → 403; a value outside the allowed ones is
 * kind "invalid" → 400 (SCIM invalidValue) naming the allowed values.
 *
 * @example
 * await db.transaction().execute(async (trx) => {
 *   const before = await getMember(trx, orgId, id);
 *   await trx.updateTable("members").set({ org_role: "member" }).where("id", "=", id).execute();
 *   const after = await getMember(trx, orgId, id);
 *   const checked = await enforceMemberRules(trx, orgId, before, after); // throws "… the last active admin …" and rolls back
 * });
 */
import { removeFromTeam } from "../teams/membership.ts";
import { getOrg } from "../orgs/settings.ts";
import { PostgresAdapter, type Kysely, type Transaction } from "kysely";
import type { Database, Member, Org } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { forbidden, invalid, notFound, refused } from "../errors.ts";
import { setTeamRole } from "../teams/membership.ts";
import { sourceOfActor } from "../provenance/sources.ts";

type Db = Kysely<Database>;

export const ORG_ROLES = ["admin", "member", "viewer"] as const;
export const SEAT_TYPES = ["full", "viewer", "none"] as const;
export const TEAM_ROLES = ["admin", "member", "view-only"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];
export type PredefinedTeamRole = (typeof TEAM_ROLES)[number];

/** Other names clients use for a predefined team role: W&B calls View-Only `viewer`. We always answer with ours. */
const TEAM_ROLE_ALIASES: Record<string, PredefinedTeamRole> = { viewer: "view-only" };

/** The predefined team role a name means (any case, W&B's aliases too), or undefined for a custom role's name. */
export function predefinedTeamRole(roleName: string): PredefinedTeamRole | undefined {
  const key = roleName.trim().toLowerCase();
  return TEAM_ROLES.find((r) => r === key) ?? TEAM_ROLE_ALIASES[key];
}
export type SeatType = (typeof SEAT_TYPES)[number];

/** Canonical (lower-case) value of `v` among `allowed`, or a 400 naming the allowed values. */
function oneOf<T extends string>(v: unknown, allowed: readonly T[], field: string): T {
  const s = typeof v === "string" ? v.trim().toLowerCase() : undefined;
  const hit = allowed.find((a) => a === s);
  if (!hit) throw invalid(`"${field}" must be one of ${allowed.join(", ")}; got ${JSON.stringify(v)}`);
  return hit;
}
export const parseOrgRole = (v: unknown, field = "organizationRole"): OrgRole => oneOf(v, ORG_ROLES, field);
export const parseSeat = (v: unknown, field: string): SeatType => oneOf(v, SEAT_TYPES, field);

/** One reader of the org row: it lives with the org settings (src/org/orgs/settings.ts). */
export { getOrg };

/** Why the org's plan does not allow an enterprise feature, or null when it does (the console shows it before submit). */
export function enterpriseRefusal(org: Pick<Org, "plan">, feature: string): string | null {
  return org.plan === "enterprise" ? null : `the enterprise plan is required for ${feature}; this organization is on the ${org.plan} plan`;
}

/** Refuses an enterprise feature on the standard plan (403, naming the plan). */
export function requireEnterprise(org: Pick<Org, "plan">, feature: string): void {
  const refusal = enterpriseRefusal(org, feature);
  if (refusal) throw forbidden(refusal);
}

/**
 * Locks the org row for the rest of the transaction (a no-op UPDATE takes the row
 * lock on PostgreSQL; SQLite's transactions start with BEGIN IMMEDIATE, so the writer
 * lock is already held: a plain read, which writes no page), so two concurrent changes
 * cannot both pass a count (two demotions of the last two admins, two seats for
 * the last free one). Counts read after it see every committed change.
 */
export async function lockOrg(trx: Db, orgId: string): Promise<Org> {
  const org = trx.getExecutor().adapter instanceof PostgresAdapter
    ? await trx.updateTable("orgs").set((eb) => ({ plan: eb.ref("plan") })).where("id", "=", orgId).returningAll().executeTakeFirst()
    : await trx.selectFrom("orgs").selectAll().where("id", "=", orgId).executeTakeFirst();
  if (!org) throw notFound("This organization does not exist.");
  return org;
}

const isActiveAdmin = (m: Member | null): boolean => !!m && m.active === 1 && m.org_role === "admin";
const holds = (m: Member | null, seat: SeatType): boolean => !!m && m.active === 1 && m.models_seat === seat;

async function countActive(trx: Db, orgId: string, column: "org_role" | "models_seat", value: string): Promise<number> {
  const row = await trx.selectFrom("members").select((eb) => eb.fn.countAll().as("n"))
    .where("org_id", "=", orgId).where("active", "=", 1).where(column, "=", value).executeTakeFirstOrThrow();
  return Number(row.n);
}

const SEAT_LIMIT_COLUMN = { full: "full_models_seat_limit", viewer: "viewer_models_seat_limit" } as const;

/** The seats a write asked for explicitly (undefined: not named, the member keeps or gets the default). */
export interface SeatRequest {
  modelsSeat?: string;
  weaveRole?: string;
}

const VIEWER_CAPPED = [["models_seat", "modelsSeat", "Models seat"], ["weave_role", "weaveRole", "Weave access"]] as const;

/**
 * A Viewer holds viewer seats at most: a full seat they held is lowered (setting
 * the role sets the seats, also when a full resource echoes the old value); a
 * full seat newly asked for (at creation, or for someone who did not hold it) is refused.
 */
async function capViewerSeats(trx: Db, before: Member | null, after: Member, asked: SeatRequest): Promise<Member> {
  if (after.org_role !== "viewer") return after;
  const fix: { models_seat?: SeatType; weave_role?: SeatType } = {};
  for (const [column, field, label] of VIEWER_CAPPED) {
    if (after[column] !== "full") continue;
    if (typeof asked[field] === "string" && asked[field].trim().toLowerCase() === "full" && before?.[column] !== "full")
      throw refused(`${after.user_name} has the Viewer org role, which holds a viewer ${label} at most: a full ${label} is refused; make them a Member (or admin) first, or give them a viewer ${label}`);
    fix[column] = "viewer";
  }
  if (!Object.keys(fix).length) return after;
  await trx.updateTable("members").set(fix).where("id", "=", after.id).execute();
  return { ...after, ...fix };
}

/**
 * Checks one member's change, given the row before (null: created) and after
 * (null: deleted), on the state after the write, and returns the row as it is
 * now (a new Viewer's seats lowered). `asked` names the seats the write asked
 * for. Throws on refusal; the caller's transaction then rolls back.
 */
export async function enforceMemberRules(trx: Db, orgId: string, before: Member | null, written: Member | null, asked: SeatRequest = {}): Promise<Member | null> {
  if (written?.org_role === "viewer" && before?.org_role !== "viewer") requireEnterprise(await getOrg(trx, orgId), "the Viewer org role");
  const after = written ? await capViewerSeats(trx, before, written, asked) : null;
  const losesAdmin = isActiveAdmin(before) && !isActiveAdmin(after);
  const gainsSeat = (["full", "viewer"] as const).filter((s) => holds(after, s) && !holds(before, s));
  const becomesViewer = after?.org_role === "viewer" && before?.org_role !== "viewer";
  if (!losesAdmin && !gainsSeat.length && !becomesViewer) return after;
  const org = await lockOrg(trx, orgId);
  if (becomesViewer) requireEnterprise(org, "the Viewer org role");
  if (losesAdmin && (await countActive(trx, orgId, "org_role", "admin")) === 0) {
    const who = before!.user_name;
    const what = !after ? `delete ${who}` : after.active !== 1 ? `deactivate ${who}` : `change the org role of ${who} to ${after.org_role}`;
    throw refused(`cannot ${what}: they are the last active admin of the organization, and at least one active admin must remain; make another member an admin first`);
  }
  for (const seat of gainsSeat) {
    const limit = org[SEAT_LIMIT_COLUMN[seat]];
    if (limit === null) continue;
    const used = await countActive(trx, orgId, "models_seat", seat);
    if (used > limit) throw refused(`seat limit reached: ${used - 1} of ${limit} ${seat} Models seats in use`);
  }
  return after;
}

/**
 * Makes `memberId` the org's billing admin (null: nobody). At most one per org:
 * the previous one loses it. The member must be active.
 */
export async function setBillingAdmin(db: Db, orgId: string, memberId: string | null, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await lockOrg(trx, orgId);
    const previous = await trx.selectFrom("members").select(["id", "user_name"]).where("org_id", "=", orgId).where("billing_admin", "=", 1).executeTakeFirst();
    let target: Pick<Member, "id" | "user_name"> | undefined;
    if (memberId !== null) {
      const m = await trx.selectFrom("members").select(["id", "user_name", "active"]).where("org_id", "=", orgId).where("id", "=", memberId).executeTakeFirst();
      if (!m) throw notFound("This member is not in the organization (they may have been removed).");
      if (m.active !== 1) throw refused(`${m.user_name} is deactivated: the billing admin must be an active member`);
      target = m;
    }
    if (previous?.id === target?.id) return;
    const t = now();
    if (previous) {
      await trx.updateTable("members").set((eb) => ({ billing_admin: 0, revision: eb("revision", "+", 1), updated_at: t })).where("id", "=", previous.id).execute();
    }
    if (target) {
      await trx.updateTable("members").set((eb) => ({ billing_admin: 1, revision: eb("revision", "+", 1), updated_at: t })).where("id", "=", target.id).execute();
    }
    await recordAudit(trx, {
      orgId, actor, action: "member.billing_admin", targetType: "member", targetId: target?.id ?? previous?.id ?? null,
      detail: { before: previous?.user_name ?? null, after: target?.user_name ?? null },
    });
  });
}

export interface SeatReport {
  /** active members per Models seat type */
  models: Record<SeatType, number>;
  /** active members per Weave access type */
  weave: Record<SeatType, number>;
  limits: { fullModels: number | null; viewerModels: number | null };
  /** active members per org role */
  orgRoles: Record<OrgRole, number>;
}

/** Seat usage: counts per product and type, active members only (service accounts never take a seat). */
export async function seatUsage(db: Db, orgId: string): Promise<SeatReport> {
  const org = await getOrg(db, orgId);
  const tally = async (column: "models_seat" | "weave_role" | "org_role") => {
    const rows = await db.selectFrom("members").select([column, (eb) => eb.fn.countAll().as("n")])
      .where("org_id", "=", orgId).where("active", "=", 1).groupBy(column).execute();
    return new Map(rows.map((r) => [(r as Record<string, unknown>)[column] as string, Number(r.n)]));
  };
  const [models, weave, roles] = await Promise.all([tally("models_seat"), tally("weave_role"), tally("org_role")]);
  const pick = <T extends string>(keys: readonly T[], m: Map<string, number>) =>
    Object.fromEntries(keys.map((k) => [k, m.get(k) ?? 0])) as Record<T, number>;
  return {
    models: pick(SEAT_TYPES, models),
    weave: pick(SEAT_TYPES, weave),
    limits: { fullModels: org.full_models_seat_limit, viewerModels: org.viewer_models_seat_limit },
    orgRoles: pick(ORG_ROLES, roles),
  };
}

export interface TeamRoleInput {
  teamName: string;
  roleName: string;
}

export interface ResolvedTeamRole {
  /** 'admin' | 'member' | 'view-only' | 'custom' */
  role: string;
  customRoleId: string | null;
}

/**
 * A team role by name: the predefined ones case-insensitively, a custom role of
 * the org by its exact name. Plan rules apply (View-Only and custom roles are
 * enterprise features). Service accounts never hold team roles: team_members
 * rows are members only.
 */
export async function resolveTeamRole(db: Db, org: Pick<Org, "id" | "plan">, roleName: unknown, field = "roleName"): Promise<ResolvedTeamRole> {
  if (typeof roleName !== "string" || !roleName.trim()) throw invalid(`"${field}" must be admin, member, view-only or the name of a custom role`);
  const predefined = predefinedTeamRole(roleName);
  if (predefined) {
    if (predefined === "view-only") requireEnterprise(org, "the View-Only team role");
    return { role: predefined, customRoleId: null };
  }
  const custom = await db.selectFrom("custom_roles").select("id").where("org_id", "=", org.id).where("name", "=", roleName).executeTakeFirst();
  if (!custom) throw invalid(`"${field}" must be one of ${TEAM_ROLES.join(", ")} or the exact name of a custom role of this organization; got ${JSON.stringify(roleName)}`);
  requireEnterprise(org, "custom roles");
  return { role: "custom", customRoleId: custom.id };
}

/**
 * Sets the member's role in each named team (teams must exist; a team the member
 * is not in yet is joined with that role). Teams not named are left alone: team
 * membership as such is managed through Groups. Returns what changed.
 */
export async function setTeamRoles(trx: Transaction<Database>, orgId: string, memberId: string, entries: TeamRoleInput[], actor: Actor): Promise<number> {
  if (!entries.length) return 0;
  const org = await getOrg(trx, orgId);
  const wanted = new Map<string, { teamName: string; roleName: string; index: number }>();
  entries.forEach((e, index) => {
    if (typeof e?.teamName !== "string" || !e.teamName.trim()) throw invalid(`"teamRoles[${index}].teamName" is required`);
    wanted.set(e.teamName.trim().toLowerCase(), { teamName: e.teamName, roleName: e.roleName, index });
  });
  const teams = await trx.selectFrom("teams").select(["id", "name_key", "display_name"]).where("org_id", "=", orgId).where("name_key", "in", [...wanted.keys()]).execute();
  const current = await trx.selectFrom("team_members as tm").leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
    .select(["tm.team_id", "tm.role", "tm.custom_role_id", "r.name as custom_name"]).where("tm.member_id", "=", memberId).execute();
  const t = now();
  const changes: { team: string; role: string }[] = [];
  for (const [key, w] of wanted) {
    const team = teams.find((x) => x.name_key === key);
    if (!team) throw invalid(`"teamRoles[${w.index}].teamName": no team named ${JSON.stringify(w.teamName)} in this organization`);
    const cur = current.find((c) => c.team_id === team.id);
    // Unchanged: no plan check, nothing is being granted (a PATCH echoes every current role).
    if (cur && typeof w.roleName === "string" && (cur.custom_name !== null ? cur.custom_name === w.roleName : cur.role === w.roleName.trim().toLowerCase())) continue;
    const r = await resolveTeamRole(trx, org, w.roleName, `teamRoles[${w.index}].roleName`);
    if (cur && cur.role === r.role && cur.custom_role_id === r.customRoleId) continue;
    // The caller's member write moves the member's revision; the team's moves here.
    await setTeamRole(trx, orgId, team.id, memberId, r, { at: t, revisionsHeld: { member: true }, source: sourceOfActor(actor) });
    changes.push({ team: team.display_name, role: r.customRoleId ? w.roleName : r.role });
  }
  if (changes.length) await recordAudit(trx, { orgId, actor, action: "member.team_roles", targetType: "member", targetId: memberId, detail: { after: changes } });
  return changes.length;
}

/**
 * Takes the member out of the named teams (a directory removing the member's team roles:
 * SCIM `remove` on teamRoles). Names the member is not in are ignored: the member is out.
 */
export async function leaveTeams(trx: Transaction<Database>, orgId: string, memberId: string, teamNames: string[], actor: Actor): Promise<number> {
  if (!teamNames.length) return 0;
  const keys = teamNames.map((n) => n.trim().toLowerCase());
  const teams = await trx.selectFrom("teams").select(["id", "display_name"]).where("org_id", "=", orgId).where("name_key", "in", keys).execute();
  const left: string[] = [];
  for (const team of teams) {
    // the member's own revision moves with the member write that asked for this
    if (await removeFromTeam(trx, team.id, memberId, { revisionsHeld: { member: true } })) left.push(team.display_name);
  }
  if (left.length) await recordAudit(trx, { orgId, actor, action: "member.team_roles", targetType: "member", targetId: memberId, detail: { left } });
  return left.length;
}
