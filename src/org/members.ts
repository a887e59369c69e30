/**
 * Members: a user inside one org. These functions hold the rules (uniqueness
 * of userName per org, revisions and If-Match, reactivation, and through
 * member-roles.ts: org roles, seats and seat limits, the last active admin,
 * plans, team roles); adapters hand them plain fields and get rows back.
 */
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database, Member } from "../../db/types.ts";
import { recordAudit, type Actor } from "./audit.ts";
import { now } from "./clock.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { conflict, invalid, notFound, preconditionFailed } from "./errors.ts";
import { enforceMemberRules, parseOrgRole, parseSeat, setTeamRoles, type TeamRoleInput } from "./member-roles.ts";
import { lockForUpdate } from "./revision.ts";

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
}

/** The access fields the admin API changes on their own. */
export interface MemberAccessChange {
  orgRole?: string;
  modelsSeat?: string;
  weaveRole?: string;
  active?: boolean;
}

type Db = Kysely<Database>;

export async function findMember(db: Db, orgId: string, id: string): Promise<Member | undefined> {
  return db.selectFrom("members").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
}

export async function getMember(db: Db, orgId: string, id: string): Promise<Member> {
  const m = await findMember(db, orgId, id);
  if (!m) throw notFound(`no User with id ${id}`);
  return m;
}

function checkInput(input: MemberInput): void {
  if (!input.userName || !input.userName.trim()) throw invalid('"userName" must not be empty');
  if (input.userName.length > 256) throw invalid('"userName" must be at most 256 characters');
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
    ...accessColumns({ orgRole: input.orgRole, modelsSeat: input.modelsSeat, weaveRole: input.weaveRole, active: input.active }),
  };
}

async function writeEmails(trx: Transaction<Database>, orgId: string, memberId: string, emails: MemberEmail[]): Promise<void> {
  await trx.deleteFrom("member_emails").where("member_id", "=", memberId).execute();
  if (!emails.length) return;
  await trx
    .insertInto("member_emails")
    .values(emails.map((e, i) => ({
      member_id: memberId, org_id: orgId, position: i, value: e.value, value_key: e.value.toLowerCase(),
      type: e.type, is_primary: (e.primary ? 1 : 0) as 0 | 1,
    })))
    .execute();
}

async function assertUserNameFree(trx: Transaction<Database>, orgId: string, userName: string, exceptId?: string): Promise<void> {
  let q = trx.selectFrom("members").select("id").where("org_id", "=", orgId).where("user_name_key", "=", userName.toLowerCase());
  if (exceptId) q = q.where("id", "<>", exceptId);
  if (await q.executeTakeFirst()) throw conflict(`a User with userName "${userName}" already exists`);
}

/**
 * Creates a member (with a new global user: e-mails given by a directory are
 * not verified by us, so they never link to an existing person). An inactive
 * member with the same userName or externalId is reactivated and replaced
 * instead (Okta re-assigning a person who was unassigned earlier).
 * This is the SCIM door of the provisioning decision (src/org/provisioning.ts
 * explains why SCIM skips its invite/auto-provisioning steps); the user and
 * member are created by the same `insertUser` / `insertMember` it uses.
 */
export async function createMember(db: Db, orgId: string, input: MemberInput, actor: Actor): Promise<{ member: Member; reactivated: boolean }> {
  checkInput(input);
  try {
    return await db.transaction().execute(async (trx) => {
      // org_id inside each branch, so SQLite uses both (org_id, …) indexes instead of scanning the org.
      const key = input.userName.toLowerCase();
      const existing = await trx.selectFrom("members").selectAll().where((eb) =>
        eb.or([
          eb.and([eb("org_id", "=", orgId), eb("user_name_key", "=", key)]),
          ...(input.externalId ? [eb.and([eb("org_id", "=", orgId), eb("external_id", "=", input.externalId)])] : []),
        ])).execute();
      const sameName = existing.find((m) => m.user_name_key === input.userName.toLowerCase());
      if (sameName?.active) throw conflict(`a User with userName "${input.userName}" already exists`);
      const dormant = sameName ?? existing.find((m) => !m.active);
      if (dormant && !dormant.active) {
        const before = await lockForUpdate(trx, "members", orgId, dormant.id, now());
        const member = (await enforceMemberRules(trx, orgId, before, await writeFields(trx, orgId, dormant.id, { ...input, active: true }), input))!;
        await recordAudit(trx, { orgId, actor, action: "member.reactivate", targetType: "member", targetId: member.id, detail: { userName: member.user_name, ...accessDiff(before, member) } });
        if (input.teamRoles) await setTeamRoles(trx, orgId, member.id, input.teamRoles, actor);
        return { member, reactivated: true };
      }
      const primary = input.emails.find((e) => e.primary) ?? input.emails[0];
      const userId = await insertUser(trx, { email: primary?.value ?? null, emailVerified: false, displayName: input.displayName });
      const member = await insertMember(trx, orgId, userId, input, actor);
      if (input.teamRoles) await setTeamRoles(trx, orgId, member.id, input.teamRoles, actor);
      return { member, reactivated: false };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`a User with userName "${input.userName}" already exists`);
    throw err;
  }
}

/** Creates a global user (one person; memberships link to it). Returns its id. */
export async function insertUser(trx: Transaction<Database>, u: { email: string | null; emailVerified: boolean; displayName: string | null }): Promise<string> {
  const t = now();
  const id = crypto.randomUUID();
  await trx.insertInto("users").values({
    id, email: u.email, email_key: u.email?.toLowerCase() ?? null, email_verified: u.emailVerified ? 1 : 0,
    display_name: u.displayName, created_at: t, updated_at: t,
  }).execute();
  return id;
}

/**
 * The one way a membership comes to be (SCIM create, invite acceptance, SSO
 * just-in-time provisioning): the user `userId` joins `orgId` with `input`'s
 * fields under the member rules (userName unique per org, seat limits under the
 * org lock, plan), audited as `member.create`. Runs inside the caller's
 * transaction: a refusal throws and rolls the whole arrival back.
 */
export async function insertMember(
  trx: Transaction<Database>, orgId: string, userId: string, input: MemberInput, actor: Actor, auditDetail: Record<string, unknown> = {},
): Promise<Member> {
  checkInput(input);
  await assertUserNameFree(trx, orgId, input.userName);
  const t = now();
  const inserted: Member = {
    id: crypto.randomUUID(), org_id: orgId, user_id: userId, org_role: "member", models_seat: "full", weave_role: "full",
    billing_admin: 0, revision: 1, created_at: t, updated_at: t, ...columns(input),
  };
  await trx.insertInto("members").values(inserted).execute();
  await writeEmails(trx, orgId, inserted.id, input.emails);
  const member = (await enforceMemberRules(trx, orgId, null, inserted, input))!;
  await recordAudit(trx, { orgId, actor, action: "member.create", targetType: "member", targetId: member.id, detail: { userName: member.user_name, orgRole: member.org_role, modelsSeat: member.models_seat, weaveRole: member.weave_role, ...auditDetail } });
  return member;
}

async function writeFields(trx: Transaction<Database>, orgId: string, id: string, input: MemberInput): Promise<Member> {
  checkInput(input);
  await assertUserNameFree(trx, orgId, input.userName, id);
  await trx.updateTable("members").set(columns(input)).where("id", "=", id).execute();
  await writeEmails(trx, orgId, id, input.emails);
  return trx.selectFrom("members").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/**
 * Updates a member inside one transaction: `build` sees the locked current row
 * (so a PATCH is read-modify-write without lost updates) and returns the new
 * fields. `expectedRevision` (If-Match) must be current.
 */
export async function updateMember(
  db: Db, orgId: string, id: string, build: (current: Member) => MemberInput, actor: Actor, expectedRevision?: number,
): Promise<Member> {
  try {
    return await db.transaction().execute(async (trx) => {
      const current = await lockForUpdate(trx, "members", orgId, id, now(), expectedRevision);
      const input = build(current);
      const member = (await enforceMemberRules(trx, orgId, current, await writeFields(trx, orgId, id, input), input))!;
      await recordAudit(trx, { orgId, actor, action: current.active && !member.active ? "member.deactivate" : "member.update", targetType: "member", targetId: id, detail: { userName: member.user_name, ...accessDiff(current, member) } });
      if (input.teamRoles) await setTeamRoles(trx, orgId, id, input.teamRoles, actor);
      return member;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("a User with that userName already exists");
    throw err;
  }
}

/**
 * Changes only the access fields (org role, seats, active) — the admin API's
 * PATCH — under the same rules as every other write.
 */
export async function updateMemberAccess(
  db: Db, orgId: string, id: string, change: MemberAccessChange, actor: Actor, expectedRevision?: number,
): Promise<Member> {
  const set = accessColumns(change);
  return db.transaction().execute(async (trx) => {
    const current = await lockForUpdate(trx, "members", orgId, id, now(), expectedRevision);
    if (Object.keys(set).length) await trx.updateTable("members").set(set).where("id", "=", id).execute();
    const written = await trx.selectFrom("members").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
    const member = (await enforceMemberRules(trx, orgId, current, written, change))!;
    const action = current.active && !member.active ? "member.deactivate" : !current.active && member.active ? "member.activate" : "member.update";
    await recordAudit(trx, { orgId, actor, action, targetType: "member", targetId: id, detail: { userName: member.user_name, ...accessDiff(current, member) } });
    return member;
  });
}

export function replaceMember(db: Db, orgId: string, id: string, input: MemberInput, actor: Actor, expectedRevision?: number): Promise<Member> {
  return updateMember(db, orgId, id, () => input, actor, expectedRevision);
}

/** Removes the membership (and its team memberships); the global user stays. */
export async function deleteMember(db: Db, orgId: string, id: string, actor: Actor, expectedRevision?: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const current = await getMember(trx, orgId, id);
    if (expectedRevision !== undefined && current.revision !== expectedRevision)
      throw preconditionFailed(`User ${id} is at revision ${current.revision}, not ${expectedRevision}`);
    await trx.deleteFrom("team_members").where("member_id", "=", id).execute();
    await trx.deleteFrom("member_emails").where("member_id", "=", id).execute();
    await trx.deleteFrom("members").where("id", "=", id).execute();
    await enforceMemberRules(trx, orgId, current, null);
    await recordAudit(trx, { orgId, actor, action: "member.remove", targetType: "member", targetId: id, detail: { userName: current.user_name } });
  });
}
