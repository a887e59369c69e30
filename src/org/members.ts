/**
 * Members: a user inside one org. These functions hold the rules (uniqueness
 * of userName per org, revisions and If-Match, reactivation); adapters hand
 * them plain fields and get rows back.
 */
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database, Member } from "../../db/types.ts";
import { recordAudit, type Actor } from "./audit.ts";
import { now } from "./clock.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { conflict, invalid, notFound, preconditionFailed } from "./errors.ts";

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
  orgRole?: string;
  modelsSeat?: string;
  weaveRole?: string;
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
    ...(input.orgRole ? { org_role: input.orgRole } : {}),
    ...(input.modelsSeat ? { models_seat: input.modelsSeat } : {}),
    ...(input.weaveRole ? { weave_role: input.weaveRole } : {}),
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
 */
export async function createMember(db: Db, orgId: string, input: MemberInput, actor: Actor): Promise<{ member: Member; reactivated: boolean }> {
  checkInput(input);
  try {
    return await db.transaction().execute(async (trx) => {
      let q = trx.selectFrom("members").selectAll().where("org_id", "=", orgId).where((eb) =>
        input.externalId
          ? eb.or([eb("user_name_key", "=", input.userName.toLowerCase()), eb("external_id", "=", input.externalId)])
          : eb("user_name_key", "=", input.userName.toLowerCase()));
      const existing = await q.execute();
      const sameName = existing.find((m) => m.user_name_key === input.userName.toLowerCase());
      if (sameName?.active) throw conflict(`a User with userName "${input.userName}" already exists`);
      const dormant = sameName ?? existing.find((m) => !m.active);
      if (dormant && !dormant.active) {
        await lockForUpdate(trx, orgId, dormant.id, now());
        const member = await writeFields(trx, orgId, dormant.id, { ...input, active: true });
        await recordAudit(trx, { orgId, actor, action: "member.reactivate", targetType: "member", targetId: member.id, detail: { userName: member.user_name } });
        return { member, reactivated: true };
      }
      const t = now();
      const userId = crypto.randomUUID();
      const primary = input.emails.find((e) => e.primary) ?? input.emails[0];
      await trx.insertInto("users").values({
        id: userId, email: primary?.value ?? null, email_key: primary?.value.toLowerCase() ?? null, email_verified: 0,
        display_name: input.displayName, created_at: t, updated_at: t,
      }).execute();
      const member: Member = {
        id: crypto.randomUUID(), org_id: orgId, user_id: userId, org_role: "member", models_seat: "full", weave_role: "full",
        billing_admin: 0, revision: 1, created_at: t, updated_at: t, ...columns(input),
      };
      await trx.insertInto("members").values(member).execute();
      await writeEmails(trx, orgId, member.id, input.emails);
      await recordAudit(trx, { orgId, actor, action: "member.create", targetType: "member", targetId: member.id, detail: { userName: member.user_name } });
      return { member, reactivated: false };
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict(`a User with userName "${input.userName}" already exists`);
    throw err;
  }
}

/**
 * Bumps the revision first: the UPDATE takes the row lock, so concurrent
 * writers queue up instead of losing each other's changes, and If-Match is
 * checked against the revision the lock saw. Returns the row as it was.
 */
async function lockForUpdate(trx: Transaction<Database>, orgId: string, id: string, t: string, expected?: number): Promise<Member> {
  const bumped = await trx.updateTable("members")
    .set((eb) => ({ revision: eb("revision", "+", 1), updated_at: t }))
    .where("org_id", "=", orgId).where("id", "=", id)
    .returningAll().executeTakeFirst();
  if (!bumped) throw notFound(`no User with id ${id}`);
  const before = { ...bumped, revision: bumped.revision - 1 };
  if (expected !== undefined && before.revision !== expected) throw preconditionFailed(`User ${id} is at revision ${before.revision}, not ${expected}`);
  return before;
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
      const current = await lockForUpdate(trx, orgId, id, now(), expectedRevision);
      const member = await writeFields(trx, orgId, id, build(current));
      await recordAudit(trx, { orgId, actor, action: current.active && !member.active ? "member.deactivate" : "member.update", targetType: "member", targetId: id, detail: { userName: member.user_name } });
      return member;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw conflict("a User with that userName already exists");
    throw err;
  }
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
    await recordAudit(trx, { orgId, actor, action: "member.remove", targetType: "member", targetId: id, detail: { userName: current.user_name } });
  });
}
