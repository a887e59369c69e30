/**
 * The one writer of team membership (`team_members`), and of the revision bumps
 * that go with it. The rule, so ETags stay right at every door:
 * a member joining a team, leaving it or changing role there moves the team's
 * revision (the SCIM Group's `members`, the team's member list) and the member's
 * (the User's `groups`, the member's team roles). One exception: a deleted custom
 * role moves its holders' revisions only (`replaceCustomRole`: its holders are
 * locked first, and their teams are many). A removed member's teams move
 * (`leaveAllTeams`; the member's row is gone with its revision).
 * A caller that already moves a revision itself — it holds the row under
 * `lockForUpdate`, or created the row in this transaction — says so in
 * `revisionsHeld`, and that revision is left alone. Callers record their own
 * audit event in the same transaction.
 *
 * Lock order: team rows before member rows, member rows in id order, as every
 * other writer takes them (src/org/revision.ts).
 *
 * Provenance (src/org/provenance): every add names its `source`, recorded in
 * `membership_sources` (a second source of the same membership is added to it).
 * A removal that names a `source` takes away only that source's grant (and a
 * `legacy` one): the membership ends when no source is left. A removal without
 * one (an admin removing the member, the member or team deleted) ends it whole.
 *
 * @example
 * await addToTeam(trx, orgId, teamId, memberId, { role: { role: "admin", customRoleId: null } });
 */
import type { Transaction } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";
import type { GrantSource } from "../provenance/sources.ts";
import { lockExisting } from "../revision.ts";

type Trx = Transaction<Database>;

/** A team role as stored: 'admin' | 'member' | 'view-only' | 'custom' (then `customRoleId` is set). */
export interface TeamRoleRef {
  role: string;
  customRoleId: string | null;
}

export const MEMBER_ROLE: TeamRoleRef = { role: "member", customRoleId: null };

export interface MembershipOptions {
  /** The write's time: `created_at` of new rows, `updated_at` of bumped ones (default: now). */
  at?: string;
  /** The role of rows this write creates (default: member). */
  role?: TeamRoleRef;
  /** Revisions the caller moves itself (it holds the row under lockForUpdate, or just created it). */
  revisionsHeld?: { team?: boolean; member?: boolean };
  /** Adds: who grants it. Removals: whose grant is taken away (unset: the membership ends whoever granted it). */
  source?: GrantSource;
}

/** Adds always say who grants. */
export type GrantOptions = MembershipOptions & { source: GrantSource };

const CHUNK = 500;
const chunks = <T>(xs: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
};

async function bumpTeams(trx: Trx, teamIds: readonly string[], t: string): Promise<void> {
  for (const part of chunks([...new Set(teamIds)].sort()))
    await trx.updateTable("teams").set((eb) => ({ revision: eb("revision", "+", 1), updated_at: t })).where("id", "in", part).execute();
}

async function bumpMembers(trx: Trx, memberIds: readonly string[], t: string): Promise<void> {
  // Sorted, so concurrent writers take row locks in one order and cannot deadlock.
  for (const part of chunks([...new Set(memberIds)].sort()))
    await trx.updateTable("members").set((eb) => ({ revision: eb("revision", "+", 1), updated_at: t })).where("id", "in", part).execute();
}

/** The bumps of a membership change (joined, left, role changed) of these teams and members. */
async function membershipChanged(trx: Trx, teamIds: readonly string[], memberIds: readonly string[], opts: MembershipOptions, t: string): Promise<void> {
  if (!teamIds.length || !memberIds.length) return;
  if (!opts.revisionsHeld?.team) await bumpTeams(trx, teamIds, t);
  if (!opts.revisionsHeld?.member) await bumpMembers(trx, memberIds, t);
}

/** Puts the member in the team with `opts.role`; a member already there keeps their role. Returns whether they were added. */
export async function addToTeam(trx: Trx, orgId: string, teamId: string, memberId: string, opts: GrantOptions): Promise<boolean> {
  return (await addMembersToTeam(trx, orgId, teamId, [memberId], opts)).length > 0;
}

/** Takes the member out of the team. Returns the role they held there, or null when they were not in it. */
export async function removeFromTeam(trx: Trx, teamId: string, memberId: string, opts: MembershipOptions = {}): Promise<TeamRoleRef | null> {
  if (!(await withdraw(trx, teamId, [memberId], opts.source)).length) return null;
  const gone = await trx.deleteFrom("team_members").where("team_id", "=", teamId).where("member_id", "=", memberId)
    .returning(["role", "custom_role_id"]).executeTakeFirst();
  if (!gone) return null;
  await membershipChanged(trx, [teamId], [memberId], opts, opts.at ?? now());
  return { role: gone.role, customRoleId: gone.custom_role_id };
}

/**
 * Gives the member `role` in the team, joining it if they are not in it yet.
 * Returns the role held before (null: they joined) and whether anything changed.
 */
export async function setTeamRole(
  trx: Trx, orgId: string, teamId: string, memberId: string, role: TeamRoleRef, opts: GrantOptions,
): Promise<{ before: TeamRoleRef | null; changed: boolean }> {
  const current = await trx.selectFrom("team_members").select(["role", "custom_role_id"])
    .where("team_id", "=", teamId).where("member_id", "=", memberId).executeTakeFirst();
  if (!current) {
    await addToTeam(trx, orgId, teamId, memberId, { ...opts, role });
    return { before: null, changed: true };
  }
  const before = { role: current.role, customRoleId: current.custom_role_id };
  await recordSources(trx, orgId, teamId, [memberId], opts.source, opts.at ?? now());
  if (before.role === role.role && before.customRoleId === role.customRoleId) return { before, changed: false };
  await trx.updateTable("team_members").set({ role: role.role, custom_role_id: role.customRoleId })
    .where("team_id", "=", teamId).where("member_id", "=", memberId).execute();
  await membershipChanged(trx, [teamId], [memberId], opts, opts.at ?? now());
  return { before, changed: true };
}

/**
 * The bulk form for one team (SCIM Group writes): adds the members not in it yet
 * with `opts.role` and returns their ids; re-adding is a no-op, and concurrent
 * adds never lose one another's rows. The caller checks the members exist.
 */
export async function addMembersToTeam(trx: Trx, orgId: string, teamId: string, memberIds: readonly string[], opts: GrantOptions): Promise<string[]> {
  const t = opts.at ?? now();
  const role = opts.role ?? MEMBER_ROLE;
  const added: string[] = [];
  for (const part of chunks([...new Set(memberIds)])) {
    const res = await trx.insertInto("team_members")
      .values(part.map((member_id) => ({ team_id: teamId, member_id, org_id: orgId, role: role.role, custom_role_id: role.customRoleId, created_at: t })))
      .onConflict((oc) => oc.columns(["team_id", "member_id"]).doNothing())
      .returning("member_id")
      .execute();
    added.push(...res.map((r) => r.member_id));
  }
  await recordSources(trx, orgId, teamId, memberIds, opts.source, t);
  await membershipChanged(trx, [teamId], added, opts, t);
  return added;
}

/**
 * The bulk form for one team: takes the members out (with `opts.source`: only
 * those whose last source that was) and returns the ids of those who left.
 */
export async function removeMembersFromTeam(trx: Trx, teamId: string, memberIds: readonly string[], opts: MembershipOptions = {}): Promise<string[]> {
  const t = opts.at ?? now();
  const removed: string[] = [];
  for (const part of chunks(await withdraw(trx, teamId, memberIds, opts.source))) {
    const res = await trx.deleteFrom("team_members").where("team_id", "=", teamId).where("member_id", "in", part).returning("member_id").execute();
    removed.push(...res.map((r) => r.member_id));
  }
  await membershipChanged(trx, [teamId], removed, opts, t);
  return removed;
}

/** The ids of the team's members (for a replace or a remove-all). */
export async function teamMemberIds(trx: Trx, teamId: string): Promise<string[]> {
  return (await trx.selectFrom("team_members").select("member_id").where("team_id", "=", teamId).execute()).map((r) => r.member_id);
}

/**
 * The bulk form for one member (directory group sync): joins `add` (as member),
 * leaves `remove`; each changed team's revision moves once, the member's once.
 */
export async function changeMemberTeams(
  trx: Trx, orgId: string, memberId: string, change: { add: readonly string[]; remove: readonly string[] }, opts: GrantOptions,
): Promise<{ added: string[]; removed: string[] }> {
  const t = opts.at ?? now();
  const role = opts.role ?? MEMBER_ROLE;
  const added = change.add.length
    ? await trx.insertInto("team_members")
      .values(change.add.map((team_id) => ({ team_id, member_id: memberId, org_id: orgId, role: role.role, custom_role_id: role.customRoleId, created_at: t })))
      .onConflict((oc) => oc.columns(["team_id", "member_id"]).doNothing()).returning("team_id").execute()
    : [];
  for (const teamId of change.add) await recordSources(trx, orgId, teamId, [memberId], opts.source, t);
  const leaving: string[] = [];
  for (const teamId of change.remove) if ((await withdraw(trx, teamId, [memberId], opts.source)).length) leaving.push(teamId);
  const removed = leaving.length
    ? await trx.deleteFrom("team_members").where("member_id", "=", memberId).where("team_id", "in", leaving).returning("team_id").execute()
    : [];
  await membershipChanged(trx, [...added, ...removed].map((r) => r.team_id), [memberId], opts, t);
  return { added: added.map((r) => r.team_id), removed: removed.map((r) => r.team_id) };
}

/** Records `source` for these memberships (a source already recorded stays as it was). */
async function recordSources(trx: Trx, orgId: string, teamId: string, memberIds: readonly string[], source: GrantSource, t: string): Promise<void> {
  for (const part of chunks([...new Set(memberIds)])) {
    if (!part.length) continue;
    await trx.insertInto("membership_sources")
      .values(part.map((member_id) => ({ team_id: teamId, member_id, org_id: orgId, kind: source.kind, source_id: source.id, granted_at: t })))
      .onConflict((oc) => oc.columns(["team_id", "member_id", "kind", "source_id"]).doNothing())
      .execute();
  }
}

/**
 * Takes away `source`'s grant (and any legacy one) of these memberships, or every
 * grant when `source` is unset; returns the members left with no source, whose
 * membership row is to go.
 */
async function withdraw(trx: Trx, teamId: string, memberIds: readonly string[], source: GrantSource | undefined): Promise<string[]> {
  const ids = [...new Set(memberIds)];
  if (!ids.length) return [];
  for (const part of chunks(ids)) {
    let q = trx.deleteFrom("membership_sources").where("team_id", "=", teamId).where("member_id", "in", part);
    if (source) q = q.where((eb) => eb.or([eb("kind", "=", "legacy"), eb.and([eb("kind", "=", source.kind), eb("source_id", "=", source.id)])]));
    await q.execute();
  }
  if (!source) return ids;
  const kept = new Set<string>();
  for (const part of chunks(ids)) {
    const rows = await trx.selectFrom("membership_sources").select("member_id").distinct().where("team_id", "=", teamId).where("member_id", "in", part).execute();
    for (const r of rows) kept.add(r.member_id);
  }
  return ids.filter((id) => !kept.has(id));
}

/**
 * A deleted custom role: its holders drop back to `fallback` in every team; their
 * revisions move (their team roles changed). The caller locks the holders' member
 * rows first. Returns the holders' member ids, one per membership.
 */
export async function replaceCustomRole(trx: Trx, orgId: string, customRoleId: string, fallback: string, opts: MembershipOptions = {}): Promise<string[]> {
  const held = await trx.updateTable("team_members").set({ role: fallback, custom_role_id: null })
    .where("org_id", "=", orgId).where("custom_role_id", "=", customRoleId).returning("member_id").execute();
  const ids = held.map((h) => h.member_id);
  if (!opts.revisionsHeld?.member) await bumpMembers(trx, ids, opts.at ?? now());
  return ids;
}

/**
 * Locks (in id order) the teams these members are in, for a removal: called BEFORE
 * the member rows are locked, so the removal takes team rows before member rows like
 * every other writer, and a concurrent Group write queues with it instead of
 * deadlocking. A team joined after this read (its writer committed while we waited
 * for the member's lock) is locked by `leaveAllTeams`' bump.
 */
export async function lockTeamsOf(trx: Trx, orgId: string, memberIds: readonly string[]): Promise<void> {
  const teamIds = new Set<string>();
  for (const part of chunks([...new Set(memberIds)])) {
    if (!part.length) continue;
    const rows = await trx.selectFrom("team_members").select("team_id").distinct().where("org_id", "=", orgId).where("member_id", "in", part).execute();
    for (const r of rows) teamIds.add(r.team_id);
  }
  await lockExisting(trx, "teams", orgId, [...teamIds]);
}

/**
 * A removed member leaves every team, and each of those teams' revisions moves (the
 * Group's `members` changed: its ETag must too). The member row goes in the same
 * transaction; the caller took `lockTeamsOf` before the member's lock.
 */
export async function leaveAllTeams(trx: Trx, memberId: string, opts: Pick<MembershipOptions, "at"> = {}): Promise<void> {
  await trx.deleteFrom("membership_sources").where("member_id", "=", memberId).execute();
  const left = await trx.deleteFrom("team_members").where("member_id", "=", memberId).returning("team_id").execute();
  await bumpTeams(trx, left.map((r) => r.team_id), opts.at ?? now());
}
