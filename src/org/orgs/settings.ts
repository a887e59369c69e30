/**
 * Org settings: name (unique case-insensitively), plan, auto-provisioning, the
 * default team, team joining at sign-up, directory group sync, seat limits, e-mail link
 * sign-in and seat overflow (src/org/arrival/seat-overflow.ts). Every change is
 * audited with the fields' values before and after.
 *
 * @example
 * const org = await updateOrgSettings(db, orgId, { autoProvisioning: false }, actor);
 */
import type { Kysely } from "kysely";
import type { Database, Org } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { BOUNDS } from "../bounds.ts";
import { now } from "../clock.ts";
import { isUniqueViolation } from "../db-errors.ts";
import { recordRename } from "./addresses.ts";
import { assertDefaultTeamCandidate } from "../teams/default-team.ts";
import { conflict, invalid, notFound, refused, invalidField } from "../errors.ts";

type Db = Kysely<Database>;

export type Plan = "standard" | "enterprise";
export const PLANS: readonly Plan[] = ["standard", "enterprise"];
export type SeatOverflow = "refuse" | "no-seat";
export const SEAT_OVERFLOWS: readonly SeatOverflow[] = ["refuse", "no-seat"];

export interface OrgSettings {
  id: string;
  name: string;
  /** the stable address in sign-in, console and callback URLs; a rename does not change it */
  slug: string;
  plan: Plan;
  autoProvisioning: boolean;
  defaultTeamId: string | null;
  teamJoiningAtSignup: boolean;
  /** at each SSO sign-in, the directory's groups decide the member's teams (by name); see src/org/arrival/group-sync.ts */
  syncGroupsToTeams: boolean;
  fullModelsSeatLimit: number | null;
  viewerModelsSeatLimit: number | null;
  /** e-mail link sign-in open to everyone (invitees can always use it); off by default */
  emailLinkSignIn: boolean;
  /** a newcomer when the full Models seats are used up: refused, or joins with no Models seat */
  seatOverflow: SeatOverflow;
  createdAt: string;
  updatedAt: string;
}

export type OrgSettingsChange = Partial<Omit<OrgSettings, "id" | "slug" | "createdAt" | "updatedAt">>;

export function toSettings(o: Org): OrgSettings {
  return {
    id: o.id,
    name: o.name,
    slug: o.slug,
    plan: o.plan as Plan,
    autoProvisioning: o.auto_provisioning === 1,
    defaultTeamId: o.default_team_id,
    teamJoiningAtSignup: o.team_joining_at_signup === 1,
    syncGroupsToTeams: o.sync_groups_to_teams === 1,
    fullModelsSeatLimit: o.full_models_seat_limit,
    viewerModelsSeatLimit: o.viewer_models_seat_limit,
    emailLinkSignIn: o.email_link_sign_in === 1,
    seatOverflow: o.seat_overflow === "no-seat" ? "no-seat" : "refuse",
    createdAt: o.created_at,
    updatedAt: o.updated_at,
  };
}

export async function getOrg(db: Db, orgId: string): Promise<Org> {
  const org = await db.selectFrom("orgs").selectAll().where("id", "=", orgId).executeTakeFirst();
  if (!org) throw notFound("This organization does not exist.");
  return org;
}

export async function getOrgSettings(db: Db, orgId: string): Promise<OrgSettings> {
  return toSettings(await getOrg(db, orgId));
}

function checkLimit(name: string, v: number | null | undefined): void {
  if (v === undefined || v === null) return;
  if (!Number.isInteger(v) || v < 0) throw invalid(`"${name}" must be a non-negative integer or null (no limit)`);
  // 2^63 fits no column on PostgreSQL and would be stored rounded on SQLite: refuse it on both
  if (v > BOUNDS.maxCount) throw invalid(`"${name}" must be at most ${BOUNDS.maxCount} (maxCount), or null (no limit)`);
}

/** Members that hold a Models seat of `kind` now (active ones: deactivated members free their seat). */
async function seatsInUse(db: Db, orgId: string, kind: "full" | "viewer"): Promise<number> {
  const row = await db.selectFrom("members").select((eb) => eb.fn.countAll<number>().as("n"))
    .where("org_id", "=", orgId).where("active", "=", 1).where("models_seat", "=", kind).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What an org uses of the enterprise plan (Viewer role, View-Only team role, custom roles). */
async function enterpriseFeaturesInUse(db: Db, orgId: string): Promise<string[]> {
  const used: string[] = [];
  const viewers = await db.selectFrom("members").select("id").where("org_id", "=", orgId).where("org_role", "=", "viewer").limit(1).executeTakeFirst();
  if (viewers) used.push("members with the Viewer org role");
  const viewOnly = await db.selectFrom("team_members").select("member_id").where("org_id", "=", orgId).where("role", "in", ["view-only", "custom"]).limit(1).executeTakeFirst();
  if (viewOnly) used.push("team members with the View-Only or a custom team role");
  const custom = await db.selectFrom("custom_roles").select("id").where("org_id", "=", orgId).limit(1).executeTakeFirst();
  if (custom) used.push("custom roles");
  return used;
}

/** Applies `change` (only the fields present) and records before/after of what changed. */
export async function updateOrgSettings(db: Db, orgId: string, change: OrgSettingsChange, actor: Actor): Promise<OrgSettings> {
  const name = change.name?.trim();
  if (change.name !== undefined && (!name || name.length > 200)) throw invalid("an organization name must be 1 to 200 characters");
  if (change.plan !== undefined && !PLANS.includes(change.plan)) throw invalid(`"plan" must be one of ${PLANS.join(", ")}`);
  if (change.seatOverflow !== undefined && !SEAT_OVERFLOWS.includes(change.seatOverflow)) throw invalidField("seatOverflow", `must be one of ${SEAT_OVERFLOWS.join(", ")}`, "Choose what happens when the seats run out: refuse the sign-in, or let the person in without a seat.");
  checkLimit("fullModelsSeatLimit", change.fullModelsSeatLimit);
  checkLimit("viewerModelsSeatLimit", change.viewerModelsSeatLimit);
  try {
    return await db.transaction().execute(async (trx) => {
      const before = toSettings(await getOrg(trx, orgId));
      if (name !== undefined && name.toLowerCase() !== before.name.toLowerCase()) {
        const taken = await trx.selectFrom("orgs").select("id").where("name_key", "=", name.toLowerCase()).where("id", "<>", orgId).executeTakeFirst();
        if (taken) throw conflict(`an organization named "${name}" already exists`);
      }
      if (change.defaultTeamId && change.defaultTeamId !== before.defaultTeamId) await assertDefaultTeamCandidate(trx, orgId, change.defaultTeamId);
      if (change.plan === "standard" && before.plan !== "standard") {
        const used = await enterpriseFeaturesInUse(trx, orgId);
        if (used.length) throw refused(`cannot move to the standard plan while the organization uses enterprise features: ${used.join("; ")}; change or remove them first`);
      }
      for (const [field, kind] of [["fullModelsSeatLimit", "full"], ["viewerModelsSeatLimit", "viewer"]] as const) {
        const limit = change[field];
        if (limit === undefined || limit === null) continue;
        const inUse = await seatsInUse(trx, orgId, kind);
        if (limit < inUse) throw refused(`the ${kind} Models seat limit cannot be ${limit}: ${inUse} active members hold a ${kind} Models seat; free seats first`);
      }
      const after: OrgSettings = { ...before, ...stripUndefined(change), ...(name !== undefined ? { name } : {}), slug: before.slug };
      const changed = (Object.keys(after) as (keyof OrgSettings)[]).filter((k) => after[k] !== before[k]);
      if (!changed.length) return before;
      const t = now();
      await trx.updateTable("orgs").set({
        name: after.name,
        name_key: after.name.toLowerCase(),
        plan: after.plan,
        auto_provisioning: after.autoProvisioning ? 1 : 0,
        default_team_id: after.defaultTeamId,
        team_joining_at_signup: after.teamJoiningAtSignup ? 1 : 0,
        sync_groups_to_teams: after.syncGroupsToTeams ? 1 : 0,
        full_models_seat_limit: after.fullModelsSeatLimit,
        viewer_models_seat_limit: after.viewerModelsSeatLimit,
        email_link_sign_in: after.emailLinkSignIn ? 1 : 0,
        seat_overflow: after.seatOverflow,
        updated_at: t,
      }).where("id", "=", orgId).execute();
      // The old name keeps leading here (old URLs redirect to the slug, ROLLCALL_ORG_NAME keeps working).
      if (after.name !== before.name) await recordRename(trx, orgId, before.name, after.name);
      await recordAudit(trx, {
        orgId, actor, action: "org.update", targetType: "org", targetId: orgId,
        detail: { before: pick(before, changed), after: pick(after, changed) },
      });
      return { ...after, updatedAt: t };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`an organization named "${name}" already exists`);
    throw err;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function pick<T extends object>(o: T, keys: (keyof T)[]): Partial<T> {
  const out: Partial<T> = {};
  for (const k of keys) out[k] = o[k];
  return out;
}
