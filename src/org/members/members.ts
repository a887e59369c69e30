/**
 * Members: a user inside one org. These functions hold the rules (uniqueness
 * of userName per org, revisions and If-Match, reactivation, sessions ending
 * at deactivation and removal, and through
 * member-roles.ts: org roles, seats and seat limits, the last active admin,
 * plans, team roles); adapters hand them plain fields and get rows back.
 * Members come to be only through the arrival decision (src/org/arrival/).
 */
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import { compiled, param } from "../../../db/compiled.ts";
import type { Database, Member } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { BOUNDS } from "../bounds.ts";
import { now } from "../clock.ts";
import { isUniqueViolation, lostRace } from "../db-errors.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import { revokeMemberKeys } from "../security/keys.ts";
import { enforceMemberRules, leaveTeams, parseOrgRole, parseSeat, setTeamRoles, type TeamRoleInput } from "./member-roles.ts";
import { racePoint } from "../race-points.ts";
import { lockForUpdate, type ExpectedRevision } from "../revision.ts";
import { endMemberSessions } from "../arrival/sessions.ts";
import { DIRECTORY } from "../arrival/verification.ts";
import { leaveAllTeams, lockTeamsOf } from "../teams/membership.ts";
import { recordAccessSources } from "../provenance/access-sources.ts";
import { sourceOfActor, type GrantSource } from "../provenance/sources.ts";
import { managedByWrite, refuseManagedMemberChange } from "../provenance/managed.ts";

export interface MemberEmail {
  value: string;
  type: string | null;
  primary: boolean;
}

export interface MemberInput {
  userName: string;
  externalId: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  active: boolean;
  emails: MemberEmail[];
  /** the adapter's document of everything else (SCIM attributes without a column) */
  resource: Record<string, unknown>;
  /** undefined: keep (new members: member / full / full); values are checked case-insensitively */
  orgRole?: string;
  modelsSeat?: string;
  weaveRole?: string;
  /** roles in the named teams (others are left alone); undefined: no change */
  teamRoles?: TeamRoleInput[];
  /** teams (by name) the member leaves: the directory removed those team roles; undefined: none */
  leaveTeams?: string[];
}

/** The access fields the admin API changes on their own. */
export interface MemberAccessChange {
  orgRole?: string;
  modelsSeat?: string;
  weaveRole?: string;
  active?: boolean;
}

type Db = Kysely<Database>;

const memberById = compiled<{ orgId: string; id: string }, Member>((db) =>
  db.selectFrom("members").selectAll().where("org_id", "=", param<string>("orgId")).where("id", "=", param<string>("id")));

export async function findMember(db: Db, orgId: string, id: string): Promise<Member | undefined> {
  return (await memberById(db, { orgId, id }))[0];
}

export async function getMember(db: Db, orgId: string, id: string): Promise<Member> {
  const m = await findMember(db, orgId, id);
  if (!m) throw notFound("This user does not exist in the organization (they may have been removed).");
  return m;
}

/** A string kept in an indexed column fits its bound on every database (PostgreSQL's btree: 2,704 bytes). */
function checkChars(name: string, value: string | null, max: number, bound: keyof typeof BOUNDS): void {
  if (value !== null && value.length > max) throw invalid(`"${name}" is ${value.length} characters long; at most ${max} are allowed (${bound})`);
}

/** The bounds on a member's fields (BOUNDS), checked before anything is written. */
export function checkMemberInput(input: MemberInput): void {
  if (!input.userName?.trim()) throw invalid('"userName" must not be empty');
  checkChars("userName", input.userName, BOUNDS.identifierChars, "identifierChars");
  checkChars("externalId", input.externalId, BOUNDS.identifierChars, "identifierChars");
  checkChars("displayName", input.displayName, BOUNDS.identifierChars, "identifierChars");
  // one insert binds 7 values per e-mail: a bound keeps it far below SQLite's and PostgreSQL's parameter limits
  if (input.emails.length > BOUNDS.multiValuedItems)
    throw invalid(`"emails" has ${input.emails.length} values; at most ${BOUNDS.multiValuedItems} are allowed (multiValuedItems)`);
  for (const [i, e] of input.emails.entries()) checkChars(`emails[${i}].value`, e.value, BOUNDS.emailChars, "emailChars");
}

function accessColumns(change: MemberAccessChange) {
  return {
    ...(change.orgRole !== undefined ? { org_role: parseOrgRole(change.orgRole) } : {}),
    ...(change.modelsSeat !== undefined ? { models_seat: parseSeat(change.modelsSeat, "modelsSeat") } : {}),
    ...(change.weaveRole !== undefined ? { weave_role: parseSeat(change.weaveRole, "weaveRole") } : {}),
    ...(change.active !== undefined ? { active: (change.active ? 1 : 0) as 0 | 1 } : {}),
    // The billing admin must be an active member: deactivation gives the role up.
    ...(change.active === false ? { billing_admin: 0 as const } : {}),
  };
}

/** What changed in the access fields, for the audit log. */
function accessDiff(before: Member | null, after: Member | null): Record<string, unknown> {
  const fields = ["org_role", "models_seat", "weave_role", "active", "billing_admin"] as const;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (before?.[f] !== after?.[f]) out[f] = { before: before?.[f] ?? null, after: after?.[f] ?? null };
  return out;
}

/** The directory sorts by the primary address (the first marked primary, else the first), kept on the member row with its addresses. */
const primaryEmailKey = (emails: MemberEmail[]): string | null => (emails.find((e) => e.primary) ?? emails[0])?.value.toLowerCase() ?? null;

function columns(input: MemberInput) {
  return {
    user_name: input.userName,
    user_name_key: input.userName.toLowerCase(),
    external_id: input.externalId,
    display_name: input.displayName,
    display_name_key: input.displayName?.toLowerCase() ?? null,
    given_name: input.givenName,
    family_name: input.familyName,
    active: (input.active ? 1 : 0) as 0 | 1,
    resource: JSON.stringify(input.resource),
    primary_email_key: primaryEmailKey(input.emails),
    ...accessColumns({ orgRole: input.orgRole, modelsSeat: input.modelsSeat, weaveRole: input.weaveRole, active: input.active }),
  };
}

/**
 * Replaces the member's addresses. A new address is vouched for by `verifiedBy`;
 * an address the member already had keeps who vouched for it, so re-sending an
 * unverified claimant's address (a SCIM PATCH of another field) vouches for nothing.
 */
async function writeEmails(trx: Transaction<Database>, orgId: string, memberId: string, emails: MemberEmail[], verifiedBy: string | null): Promise<void> {
  const before = await trx.selectFrom("member_emails").select(["value_key", "verified_by"]).where("member_id", "=", memberId).execute();
  const kept = new Map(before.map((r) => [r.value_key, r.verified_by]));
  await trx.deleteFrom("member_emails").where("member_id", "=", memberId).execute();
  if (!emails.length) return;
  await trx
    .insertInto("member_emails")
    .values(emails.map((e, i) => ({
      member_id: memberId, org_id: orgId, position: i, value: e.value, value_key: e.value.toLowerCase(),
      type: e.type, is_primary: (e.primary ? 1 : 0) as 0 | 1,
      verified_by: kept.has(e.value.toLowerCase()) ? kept.get(e.value.toLowerCase())! : verifiedBy,
    })))
    .execute();
}

/** The member of `orgId` holding `userName` (case-insensitively), if any: the one "user name taken" check. */
export async function findUserNameHolder(trx: Transaction<Database>, orgId: string, userName: string, exceptId?: string): Promise<Member | undefined> {
  let q = trx.selectFrom("members").selectAll().where("org_id", "=", orgId).where("user_name_key", "=", userName.toLowerCase());
  if (exceptId) q = q.where("id", "<>", exceptId);
  return q.executeTakeFirst();
}

async function assertUserNameFree(trx: Transaction<Database>, orgId: string, userName: string, exceptId?: string): Promise<void> {
  if (await findUserNameHolder(trx, orgId, userName, exceptId)) throw conflict(`a User with userName "${userName}" already exists`);
}

/**
 * The SCIM door's re-assignment (Okta assigning again a person it unassigned):
 * the dormant member `id` is reactivated and takes the directory's fields.
 * Called by the arrival decision (src/org/arrival/scim.ts), inside its transaction.
 */
export async function reactivateMember(trx: Transaction<Database>, orgId: string, id: string, input: MemberInput, actor: Actor): Promise<Member> {
  const before = await lockForUpdate(trx, "members", orgId, id, now());
  const member = (await enforceMemberRules(trx, orgId, before, await writeFields(trx, orgId, id, { ...input, active: true }, actor), input))!;
  await recordAccessSources(trx, orgId, before, member, sourceOfActor(actor));
  await recordAudit(trx, { orgId, actor, action: "member.reactivate", targetType: "member", targetId: member.id, detail: { userName: member.user_name, ...accessDiff(before, member) } });
  if (input.teamRoles) await setTeamRoles(trx, orgId, member.id, input.teamRoles, actor);
  return member;
}

/**
 * The one way a membership comes to be, called only by the arrival decision
 * (src/org/arrival/, and the invite step it runs: invites.ts `joinByInvite`):
 * the user `userId` joins `orgId` with `input`'s fields under the member rules
 * (userName unique per org, seat limits under the org lock, plan), audited as
 * `member.create`. Runs inside the caller's transaction: a refusal throws and
 * rolls the whole arrival back. `emailsVerifiedBy` says who vouches for the
 * addresses (`member_emails.verified_by`; null: nobody, an unverified claim).
 */
export async function insertMember(
  trx: Transaction<Database>, orgId: string, userId: string, input: MemberInput, actor: Actor, auditDetail: Record<string, unknown> = {},
  emailsVerifiedBy: string | null = null, source: GrantSource = sourceOfActor(actor),
): Promise<Member> {
  checkMemberInput(input);
  await assertUserNameFree(trx, orgId, input.userName);
  const t = now();
  const inserted: Member = {
    id: crypto.randomUUID(), org_id: orgId, user_id: userId, org_role: "member", models_seat: "full", weave_role: "full",
    billing_admin: 0, revision: 1, created_at: t, updated_at: t, last_sign_in_at: null, last_sign_in_door: null,
    managed_by: actor.connection ?? null, ...columns(input),
  };
  await trx.insertInto("members").values(inserted).execute();
  await writeEmails(trx, orgId, inserted.id, input.emails, emailsVerifiedBy);
  const member = (await enforceMemberRules(trx, orgId, null, inserted, input))!;
  await recordAccessSources(trx, orgId, null, member, source);
  await recordAudit(trx, { orgId, actor, action: "member.create", targetType: "member", targetId: member.id, detail: { userName: member.user_name, orgRole: member.org_role, modelsSeat: member.models_seat, weaveRole: member.weave_role, ...auditDetail } });
  return member;
}

async function writeFields(trx: Transaction<Database>, orgId: string, id: string, input: MemberInput, actor: Actor): Promise<Member> {
  checkMemberInput(input);
  await assertUserNameFree(trx, orgId, input.userName, id);
  // The connection writing the member's identity manages it from now on (provenance/managed.ts).
  await trx.updateTable("members").set({ ...columns(input), ...managedByWrite(actor) }).where("id", "=", id).execute();
  // Full writes of a member's fields come from the org's directory (SCIM PUT, PATCH, re-assignment).
  await writeEmails(trx, orgId, id, input.emails, DIRECTORY);
  return trx.selectFrom("members").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/**
 * Updates a member inside one transaction: `build` sees the locked current row
 * (so a PATCH is read-modify-write without lost updates) and returns the new
 * fields. `expectedRevision` (If-Match) must be current.
 */
export async function updateMember(
  db: Db, orgId: string, id: string, build: (current: Member) => MemberInput, actor: Actor, expectedRevision?: ExpectedRevision,
): Promise<Member> {
  try {
    return await db.transaction().execute(async (trx) => {
      const current = await lockForUpdate(trx, "members", orgId, id, now(), expectedRevision);
      await racePoint("member.update.locked");
      const input = build(current);
      const member = (await enforceMemberRules(trx, orgId, current, await writeFields(trx, orgId, id, input, actor), input))!;
      await recordAccessSources(trx, orgId, current, member, sourceOfActor(actor));
      if (current.active && !member.active) await revokeMemberKeys(trx, id);
      await recordAudit(trx, { orgId, actor, action: current.active && !member.active ? "member.deactivate" : !current.active && member.active ? "member.activate" : "member.update", targetType: "member", targetId: id, detail: { userName: member.user_name, ...accessDiff(current, member) } });
      if (!member.active) await endMemberSessions(trx, id);
      if (input.teamRoles) await setTeamRoles(trx, orgId, id, input.teamRoles, actor);
      if (input.leaveTeams) await leaveTeams(trx, orgId, id, input.leaveTeams, actor);
      return member;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("a User with that userName already exists");
    throw lostRace(err, "the User");
  }
}

/**
 * Changes only the access fields (org role, seats, active) — the admin API's
 * PATCH — under the same rules as every other write.
 */
export async function updateMemberAccess(
  db: Db, orgId: string, id: string, change: MemberAccessChange, actor: Actor, expectedRevision?: ExpectedRevision,
): Promise<Member> {
  return db.transaction().execute((trx) => changeMemberAccessIn(trx, orgId, id, change, actor, expectedRevision));
}

/** updateMemberAccess inside the caller's transaction (a bulk change runs many in one). */
export async function changeMemberAccessIn(
  trx: Transaction<Database>, orgId: string, id: string, change: MemberAccessChange, actor: Actor, expectedRevision?: ExpectedRevision,
): Promise<Member> {
  const set = accessColumns(change);
  const current = await lockForUpdate(trx, "members", orgId, id, now(), expectedRevision);
  await racePoint("member.update.locked");
  // `active` of a member the directory manages is the directory's (provenance/managed.ts); org role and seats are not.
  if (change.active !== undefined && (change.active ? 1 : 0) !== current.active)
    await refuseManagedMemberChange(trx, orgId, actor, current, change.active ? "activate" : "deactivate");
  if (Object.keys(set).length) await trx.updateTable("members").set(set).where("id", "=", id).execute();
  const written = await trx.selectFrom("members").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  const member = (await enforceMemberRules(trx, orgId, current, written, change))!;
  const named = ([["org_role", change.orgRole], ["models_seat", change.modelsSeat], ["weave_role", change.weaveRole]] as const).filter(([, v]) => v !== undefined).map(([f]) => f);
  await recordAccessSources(trx, orgId, current, member, sourceOfActor(actor), named);
  if (current.active && !member.active) await revokeMemberKeys(trx, id);
  const action = current.active && !member.active ? "member.deactivate" : !current.active && member.active ? "member.activate" : "member.update";
  await recordAudit(trx, { orgId, actor, action, targetType: "member", targetId: id, detail: { userName: member.user_name, ...accessDiff(current, member) } });
  if (!member.active) await endMemberSessions(trx, id);
  return member;
}

export function replaceMember(db: Db, orgId: string, id: string, input: MemberInput, actor: Actor, expectedRevision?: ExpectedRevision): Promise<Member> {
  return updateMember(db, orgId, id, () => input, actor, expectedRevision);
}

/** Removes the membership (and its team memberships); the global user stays. */
export async function deleteMember(db: Db, orgId: string, id: string, actor: Actor, expectedRevision?: ExpectedRevision): Promise<void> {
  await db.transaction().execute((trx) => removeMemberIn(trx, orgId, id, actor, expectedRevision))
    .catch((err: unknown) => { throw lostRace(err, "the User"); });
}

/** deleteMember inside the caller's transaction (a bulk removal runs many in one). */
export async function removeMemberIn(trx: Transaction<Database>, orgId: string, id: string, actor: Actor, expectedRevision?: ExpectedRevision): Promise<void> {
  // Team rows before the member row, the order every writer takes them (the teams' revisions move below).
  await lockTeamsOf(trx, orgId, [id]);
  const t = now();
  const current = await lockForUpdate(trx, "members", orgId, id, t, expectedRevision);
  await racePoint("member.delete.locked");
  await refuseManagedMemberChange(trx, orgId, actor, current, "remove");
  await leaveAllTeams(trx, id, { at: t });
  await trx.deleteFrom("member_emails").where("member_id", "=", id).execute();
  await trx.deleteFrom("api_keys").where("member_id", "=", id).execute(); // the member's own keys end with the membership
  await trx.deleteFrom("members").where("id", "=", id).execute();
  await enforceMemberRules(trx, orgId, current, null);
  await recordAudit(trx, { orgId, actor, action: "member.remove", targetType: "member", targetId: id, detail: { userName: current.user_name } });
  await endMemberSessions(trx, id);
}
