/**
 * Teams and their memberships. Membership changes are deltas in SQL inside one
 * transaction, written by membership.ts: adding a member costs the same at 100 and at 100,000 members,
 * re-adding is a no-op, and concurrent adds never lose one another's rows.
 */
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database, Team } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { BOUNDS } from "../bounds.ts";
import { now } from "../clock.ts";
import { isUniqueViolation, lostRace } from "../db-errors.ts";
import { assertNotDefaultTeam } from "./default-team.ts";
import { addMembersToTeam, removeMembersFromTeam, teamMemberIds } from "./membership.ts";
import { sourceOfActor, type GrantSource } from "../provenance/sources.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import { racePoint } from "../race-points.ts";
import { lockExisting, lockForUpdate, type ExpectedRevision } from "../revision.ts";
import { managedByWrite, refuseManagedTeamChange } from "../provenance/managed.ts";

type Db = Kysely<Database>;

export interface TeamInput {
  displayName: string;
  externalId: string | null;
  storageType?: string;
  membersCanInvite?: boolean;
  domainMatching?: boolean;
}

export type MemberOp =
  | { kind: "add"; ids: string[] }
  | { kind: "remove"; ids: string[] }
  /** a value filter (`members[value eq "…"]`): each selector is a member id or, as W&B sends it, an e-mail; one that selects no member of the team is a noTarget */
  | { kind: "removeSelected"; selectors: string[] }
  | { kind: "removeAll" }
  | { kind: "replace"; ids: string[] };

/** The org's team called `name` (case-insensitive), if any. */
export async function findTeamByName(db: Db, orgId: string, name: string): Promise<Team | undefined> {
  return db.selectFrom("teams").selectAll().where("org_id", "=", orgId).where("name_key", "=", name.trim().toLowerCase()).executeTakeFirst();
}

export async function findTeam(db: Db, orgId: string, id: string): Promise<Team | undefined> {
  return db.selectFrom("teams").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
}

export async function getTeam(db: Db, orgId: string, id: string): Promise<Team> {
  const t = await findTeam(db, orgId, id);
  if (!t) throw notFound("This group does not exist (it may have been deleted).");
  return t;
}

function checkInput(input: TeamInput): void {
  if (!input.displayName?.trim()) throw invalid('"displayName" must not be empty');
  // indexed columns: the same bound on every database (PostgreSQL's btree refuses entries over 2,704 bytes)
  for (const [name, v] of [["displayName", input.displayName], ["externalId", input.externalId]] as const) {
    if (typeof v === "string" && v.length > BOUNDS.identifierChars)
      throw invalid(`"${name}" is ${v.length} characters long; at most ${BOUNDS.identifierChars} are allowed (identifierChars)`);
  }
  if (typeof input.storageType === "string" && input.storageType.length > BOUNDS.textChars)
    throw invalid(`"storageType" is ${input.storageType.length} characters long; at most ${BOUNDS.textChars} are allowed (textChars)`);
}

function columns(input: TeamInput) {
  return {
    display_name: input.displayName,
    name_key: input.displayName.toLowerCase(),
    external_id: input.externalId,
    ...(input.storageType !== undefined ? { storage_type: input.storageType } : {}),
    ...(input.membersCanInvite !== undefined ? { members_can_invite: (input.membersCanInvite ? 1 : 0) as 0 | 1 } : {}),
    ...(input.domainMatching !== undefined ? { domain_matching: (input.domainMatching ? 1 : 0) as 0 | 1 } : {}),
  };
}

async function assertNameFree(trx: Transaction<Database>, orgId: string, name: string, exceptId?: string): Promise<void> {
  let q = trx.selectFrom("teams").select("id").where("org_id", "=", orgId).where("name_key", "=", name.toLowerCase());
  if (exceptId) q = q.where("id", "<>", exceptId);
  if (await q.executeTakeFirst()) throw conflict(`a team named "${name}" already exists`);
}

/**
 * Members must be Users of the same org; unknown ids are refused with their names.
 * The check locks the member rows, so a User deleted meanwhile is waited for and
 * then refused here (as if it had never existed), not by the foreign key.
 */
async function assertMembersExist(trx: Transaction<Database>, orgId: string, ids: string[]): Promise<void> {
  const unique = [...new Set(ids)];
  const found = await lockExisting(trx, "members", orgId, unique);
  await racePoint("team.members.locked");
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length)
    throw invalid(`unknown member id${missing.length > 1 ? "s" : ""}: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""} (members must be Users of this organization)`);
}

async function addMembers(trx: Transaction<Database>, orgId: string, teamId: string, ids: string[], t: string, source: GrantSource): Promise<void> {
  if (!ids.length) return;
  await assertMembersExist(trx, orgId, ids);
  await addMembersToTeam(trx, orgId, teamId, ids, { at: t, revisionsHeld: { team: true }, source });
}

/** The member rows are locked before their memberships (as a User's delete does), so the two cannot deadlock. */
async function removeMembers(trx: Transaction<Database>, orgId: string, teamId: string, ids: string[], t: string, source?: GrantSource): Promise<void> {
  await lockExisting(trx, "members", orgId, ids);
  await removeMembersFromTeam(trx, teamId, ids, { at: t, revisionsHeld: { team: true }, ...(source ? { source } : {}) });
}

/** The team's members the selectors name (by id, else by e-mail); a selector naming none is refused (RFC 7644 §3.5.2.2 noTarget). */
async function selectedMembers(trx: Transaction<Database>, orgId: string, teamId: string, selectors: string[]): Promise<string[]> {
  const inTeam = (q: string[]) => trx.selectFrom("team_members").select("member_id").where("team_id", "=", teamId).where("member_id", "in", q).execute();
  const byId = new Set((await inTeam(selectors)).map((r) => r.member_id));
  const rest = selectors.filter((s) => !byId.has(s));
  const byEmail = new Map<string, string>();
  if (rest.length) {
    const rows = await trx.selectFrom("member_emails as e").innerJoin("team_members as tm", (j) => j.onRef("tm.member_id", "=", "e.member_id").on("tm.team_id", "=", teamId))
      .select(["e.value_key", "e.member_id"]).where("e.org_id", "=", orgId).where("e.value_key", "in", rest.map((s) => s.toLowerCase())).execute();
    for (const r of rows) byEmail.set(r.value_key, r.member_id);
  }
  const missing = rest.filter((s) => !byEmail.has(s.toLowerCase()));
  if (missing.length) throw invalid(`no member of the team has the id or e-mail ${missing.map((m) => JSON.stringify(m)).join(", ")}: the filter selects nothing to remove`, "noTarget");
  return [...byId, ...byEmail.values()];
}

async function removeAllMembers(trx: Transaction<Database>, orgId: string, teamId: string, t: string, keep: string[] = [], source?: GrantSource): Promise<void> {
  const keepSet = new Set(keep);
  await removeMembers(trx, orgId, teamId, (await teamMemberIds(trx, teamId)).filter((id) => !keepSet.has(id)), t, source);
}

/**
 * Every member row the ops will touch is locked first, in one sorted pass: two
 * writers whose ops name overlapping members in other orders (a replace on one
 * team, a remove on another) then cannot deadlock.
 */
async function lockOpMembers(trx: Transaction<Database>, orgId: string, teamId: string, ops: MemberOp[]): Promise<void> {
  const ids = ops.flatMap((op) => ("ids" in op ? op.ids : op.kind === "removeSelected" ? op.selectors : []));
  if (ops.some((op) => op.kind === "removeAll" || op.kind === "replace"))
    ids.push(...(await teamMemberIds(trx, teamId)));
  if (ids.length) await lockExisting(trx, "members", orgId, ids);
}

/**
 * The ops are one source's (the writer's): its removals, replaces and remove-alls
 * take away only what it granted, so an admin's or another connection's member stays.
 */
async function applyOps(trx: Transaction<Database>, orgId: string, teamId: string, ops: MemberOp[], t: string, source: GrantSource): Promise<void> {
  await lockOpMembers(trx, orgId, teamId, ops);
  for (const op of ops) {
    if (op.kind === "add") await addMembers(trx, orgId, teamId, op.ids, t, source);
    else if (op.kind === "remove") await removeMembers(trx, orgId, teamId, op.ids, t, source);
    else if (op.kind === "removeSelected") await removeMembers(trx, orgId, teamId, await selectedMembers(trx, orgId, teamId, op.selectors), t, source);
    else if (op.kind === "removeAll") await removeAllMembers(trx, orgId, teamId, t, [], source);
    else {
      await assertMembersExist(trx, orgId, op.ids);
      await removeAllMembers(trx, orgId, teamId, t, op.ids, source);
      await addMembers(trx, orgId, teamId, op.ids, t, source);
    }
  }
}

function guardUnique<T>(name: string) {
  return (err: unknown): T => {
    if (isUniqueViolation(err)) throw conflict(`a team named ${name === "that name" ? "like that" : `"${name}"`} already exists`);
    throw lostRace(err, "the Group");
  };
}

/**
 * Runs after a membership change in the same transaction (the arrival's role
 * mapping step), given how to list the members it may have touched: read only
 * when asked, so an org without rules pays nothing at 100,000 members.
 */
export type MembersTouched = (trx: Transaction<Database>, memberIds: () => Promise<string[]>) => Promise<unknown>;

export async function createTeam(db: Db, orgId: string, input: TeamInput, memberIds: string[], actor: Actor, after?: MembersTouched): Promise<Team> {
  checkInput(input);
  return db.transaction().execute(async (trx) => {
    await assertNameFree(trx, orgId, input.displayName);
    const t = now();
    const team: Team = {
      id: crypto.randomUUID(), org_id: orgId, storage_type: "default", members_can_invite: 0, domain_matching: 0,
      revision: 1, created_at: t, updated_at: t, managed_by: actor.connection ?? null, ...columns(input),
    };
    await trx.insertInto("teams").values(team).execute();
    await addMembers(trx, orgId, team.id, memberIds, t, sourceOfActor(actor));
    if (after && memberIds.length) await after(trx, async () => memberIds);
    await recordAudit(trx, { orgId, actor, action: "team.create", targetType: "team", targetId: team.id, detail: { displayName: team.display_name, members: memberIds.length } });
    return team;
  }).catch(guardUnique<Team>(input.displayName));
}

/**
 * Updates a team: new fields (or null to keep them) and membership deltas, in
 * one transaction, bumping the revision with a compare-and-set so that
 * concurrent writers with the same If-Match cannot both win.
 */
export async function updateTeam(
  db: Db, orgId: string, id: string,
  change: { fields: (current: Team) => TeamInput | null; memberOps: MemberOp[]; expectedRevision?: ExpectedRevision; action: string; after?: MembersTouched },
  actor: Actor,
): Promise<Team> {
  return db.transaction().execute(async (trx) => {
    const t = now();
    const current = await lockForUpdate(trx, "teams", orgId, id, t, change.expectedRevision);
    await racePoint("team.update.locked");
    const fields = change.fields(current);
    let changes: ReturnType<typeof changedColumns> = {};
    if (fields) {
      checkInput(fields);
      // The name and externalId of a team the directory manages are the directory's (provenance/managed.ts).
      if (fields.displayName !== current.display_name || fields.externalId !== current.external_id)
        await refuseManagedTeamChange(trx, orgId, actor, current, "rename");
      if (fields.domainMatching === false && current.domain_matching === 1) await assertNotDefaultTeam(trx, orgId, id, "matching-off");
      await assertNameFree(trx, orgId, fields.displayName, id);
      changes = changedColumns(current, columns(fields));
      await trx.updateTable("teams").set({ ...columns(fields), ...managedByWrite(actor) }).where("id", "=", id).execute();
    }
    const departed = change.after && change.memberOps.some((o) => o.kind === "replace" || o.kind === "removeAll") ? await teamMemberIds(trx, id) : [];
    // A removal by filter names its members here, so the ops (and the rules that follow) see their ids.
    const ops: MemberOp[] = [];
    for (const o of change.memberOps) ops.push(o.kind === "removeSelected" ? { kind: "remove", ids: await selectedMembers(trx, orgId, id, o.selectors) } : o);
    await applyOps(trx, orgId, id, ops, t, sourceOfActor(actor));
    // The named members; a rename or a whole-list change touches everyone in the team now and
    // (removals) whoever just left, whose ids the ops name or who hold no membership row any more.
    const wide = changes.before !== undefined || change.memberOps.some((o) => o.kind === "replace" || o.kind === "removeAll");
    const named = ops.flatMap((o) => ("ids" in o ? o.ids : []));
    if (change.after) await change.after(trx, async () => [...new Set([...named, ...(wide ? await teamMemberIds(trx, id) : []), ...(wide ? departed : [])])]);
    await recordAudit(trx, { orgId, actor, action: change.action, targetType: "team", targetId: id, detail: { displayName: fields?.displayName ?? current.display_name, ...changes, memberOps: change.memberOps.map((o) => ({ kind: o.kind, count: "ids" in o ? o.ids.length : o.kind === "removeSelected" ? o.selectors.length : undefined })) } });
    return trx.selectFrom("teams").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  }).catch(guardUnique<Team>("that name"));
}

/** The audit's before/after of the columns a field change really changes (none: {}). */
function changedColumns(current: Team, next: ReturnType<typeof columns>): { before?: Record<string, unknown>; after?: Record<string, unknown> } {
  const keys = (Object.keys(next) as (keyof typeof next)[]).filter((k) => k !== "name_key" && next[k] !== current[k]);
  if (!keys.length) return {};
  return { before: Object.fromEntries(keys.map((k) => [k, current[k]])), after: Object.fromEntries(keys.map((k) => [k, next[k]])) };
}

/**
 * Deletes a team. With `reconcile` (a SCIM connection deleting its Group) only
 * that source's memberships go: when other sources still grant memberships the
 * team stays with them (audited `team.delete.kept`), so an admin's work
 * survives the directory's DELETE. Returns whether the team is gone.
 */
export async function deleteTeam(db: Db, orgId: string, id: string, actor: Actor, expectedRevision?: ExpectedRevision, reconcile?: GrantSource, after?: MembersTouched): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const current = await lockForUpdate(trx, "teams", orgId, id, now(), expectedRevision);
    await refuseManagedTeamChange(trx, orgId, actor, current, "delete");
    if (!reconcile) await assertNotDefaultTeam(trx, orgId, id, "delete");
    await racePoint("team.delete.locked");
    const before = after ? await teamMemberIds(trx, id) : [];
    await removeAllMembers(trx, orgId, id, now(), [], reconcile);
    if (after && before.length) await after(trx, async () => before);
    const left = reconcile ? (await teamMemberIds(trx, id)).length : 0;
    if (left) {
      // The directory let the group go: what stays is no longer its to manage.
      if (current.managed_by && current.managed_by === reconcile?.id) await trx.updateTable("teams").set({ managed_by: null }).where("id", "=", id).execute();
      await recordAudit(trx, { orgId, actor, action: "team.delete.kept", targetType: "team", targetId: id, detail: { displayName: current.display_name, reason: `${left} membership(s) granted by other sources remain`, source: reconcile } });
      return false;
    }
    if (reconcile) await assertNotDefaultTeam(trx, orgId, id, "delete");
    await trx.deleteFrom("teams").where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "team.delete", targetType: "team", targetId: id, detail: { displayName: current.display_name } });
    return true;
  }).catch((err: unknown) => { throw lostRace(err, "the Group"); });
}
