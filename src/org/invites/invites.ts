/**
 * Invites: an admin (or a team admin, for their teams) invites a person by
 * e-mail or by user name, with an org role, a team role per team, a Models seat
 * and Weave access (invite-grants.ts). The link holds a random
 * token stored only as its SHA-256; it expires, can be revoked, and a resend
 * replaces the token. Accepting joins the org with the invite's role, team
 * roles and seats, and never the default team. Seat limits are checked when
 * inviting and when accepting (arrival/seats.ts), naming the limit.
 *
 * @example
 * const { invite, token } = await createInvite(db, orgId, { email: "ada@example.com", orgRole: "member", teamIds: [] }, { ttlHours: 168 }, actor);
 * await arrive(db, { door: "invite", orgId, userId, inviteToken: token, email, emailVerified: true }, actor); // src/org/arrival/arrive.ts
 */
import crypto from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Database, Invite, User } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { conflict, forbidden, invalid, notFound, refused, invalidField, DomainError } from "../errors.ts";
import { assertInviteSeat } from "../arrival/seats.ts";
import { applyTeamGrants, grantsOf, resolveGrants, teamRoleList, type TeamRoleGrant } from "./grants.ts";
import { requireEnterprise } from "../members/member-roles.ts";
import { findUserNameHolder } from "../members/members.ts";
import { join } from "../arrival/join.ts";

type Db = Kysely<Database>;

export type InviteStatus = "pending" | "accepted" | "revoked" | "expired";
export const INVITE_STATUSES: readonly InviteStatus[] = ["pending", "accepted", "revoked", "expired"];
const ORG_ROLES = ["admin", "member", "viewer"];

export interface InviteView {
  id: string;
  email: string | null;
  userName: string | null;
  orgRole: string;
  teamIds: string[];
  /** each team with the team role the invite grants in it */
  teamRoles: TeamRoleGrant[];
  modelsSeat: string;
  weaveRole: string;
  status: InviteStatus;
  invitedBy: string;
  createdAt: string;
  sentAt: string;
  expiresAt: string;
  acceptedAt: string | null;
  acceptedMemberId: string | null;
  revokedAt: string | null;
}

export interface IssuedInvite {
  invite: InviteView;
  /** the secret for the link; only its hash is stored */
  token: string;
  /** where to send the link: the invited e-mail, or the e-mail of the user named (null: none known) */
  to: string | null;
}

export interface InviteInput {
  email?: string | null;
  userName?: string | null;
  orgRole?: string;
  /** teams joined as member */
  teamIds?: string[];
  /** teams joined with a role (admin, member, view-only, a custom role's name) */
  teamRoles?: TeamRoleGrant[];
  /** full, viewer or none (default: viewer for the Viewer org role, otherwise full) */
  modelsSeat?: string | null;
  weaveRole?: string | null;
}

const hashToken = (token: string): string => crypto.createHash("sha256").update(token, "utf8").digest("hex");
const newToken = (): string => crypto.randomBytes(32).toString("base64url");
const expiry = (ttlHours: number, from: string): string => new Date(Date.parse(from) + ttlHours * 3_600_000).toISOString();
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function inviteStatus(i: Invite, at: string = now()): InviteStatus {
  if (i.accepted_at) return "accepted";
  if (i.revoked_at) return "revoked";
  return i.expires_at <= at ? "expired" : "pending";
}

export function toInviteView(i: Invite, at?: string): InviteView {
  const g = grantsOf(i);
  return {
    id: i.id, email: i.email, userName: i.user_name, orgRole: i.org_role, teamIds: g.teamIds, teamRoles: teamRoleList(g), modelsSeat: g.modelsSeat, weaveRole: g.weaveRole,
    status: inviteStatus(i, at), invitedBy: i.invited_by, createdAt: i.created_at, sentAt: i.sent_at, expiresAt: i.expires_at,
    acceptedAt: i.accepted_at, acceptedMemberId: i.accepted_member_id, revokedAt: i.revoked_at,
  };
}

export async function getInvite(db: Db, orgId: string, id: string): Promise<Invite> {
  const row = await db.selectFrom("invites").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound("This invite does not exist (it may have been revoked or accepted).");
  return row;
}

/** Newest first; `status` narrows to one status. */
export async function listInvites(db: Db, orgId: string, status?: InviteStatus): Promise<InviteView[]> {
  const rows = await db.selectFrom("invites").selectAll().where("org_id", "=", orgId).orderBy("created_at", "desc").orderBy("id", "desc").execute();
  const at = now();
  return rows.map((r) => toInviteView(r, at)).filter((v) => !status || v.status === status);
}

/** The global user an invite by user name means: a user known by that name in some org. */
async function userByName(trx: Transaction<Database>, userName: string): Promise<{ id: string; email: string | null }> {
  const rows = await trx.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id")
    .select(["u.id", "u.email"]).where("m.user_name_key", "=", userName.toLowerCase()).execute();
  const ids = [...new Set(rows.map((r) => r.id))];
  if (!ids.length) throw notFound(`no user named "${userName}" is known; invite them by e-mail instead`);
  if (ids.length > 1) throw invalid(`the user name "${userName}" is used by more than one person; invite by e-mail instead`);
  return rows[0]!;
}

export async function createInvite(db: Db, orgId: string, input: InviteInput, opts: { ttlHours: number }, actor: Actor): Promise<IssuedInvite> {
  const email = input.email?.trim() || null;
  const userName = input.userName?.trim() || null;
  if (!email === !userName) throw new DomainError("invalid", "Give the person's e-mail address, or their user name, but not both.", "invalidValue", [{ name: "email", reason: 'give exactly one of "email" and "userName"' }]);
  if (email && (!EMAIL.test(email) || email.length > 320)) throw invalid(`"${email}" is not an e-mail address`);
  const orgRole = (input.orgRole ?? "member").toLowerCase();
  if (!ORG_ROLES.includes(orgRole)) throw invalidField("orgRole", `must be one of ${ORG_ROLES.join(", ")}`, "Choose an org role: admin, member or viewer.");
  return db.transaction().execute(async (trx) => {
    const org = await trx.selectFrom("orgs").select(["id", "plan"]).where("id", "=", orgId).executeTakeFirstOrThrow();
    if (orgRole === "viewer") requireEnterprise(org, "the Viewer org role");
    const grants = await resolveGrants(trx, org, { orgRole, teamIds: input.teamIds, teamRoles: input.teamRoles, modelsSeat: input.modelsSeat, weaveRole: input.weaveRole });
    const teamIds = grants.teamIds;
    const user = userName ? await userByName(trx, userName) : null;
    const emailKey = email?.toLowerCase() ?? null;
    // Already in the org?
    let member = trx.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").select("m.id").where("m.org_id", "=", orgId);
    member = user ? member.where("m.user_id", "=", user.id)
      : member.where((eb) => eb.or([eb("u.email_key", "=", emailKey), eb.exists(eb.selectFrom("member_emails as e").select("e.member_id").whereRef("e.member_id", "=", "m.id").where("e.value_key", "=", emailKey!))]));
    if (await member.executeTakeFirst()) throw conflict(`${email ?? userName} is already a member of this organization`);
    // Already invited?
    const t = now();
    let pending = trx.selectFrom("invites").select("id").where("org_id", "=", orgId).where("accepted_at", "is", null).where("revoked_at", "is", null).where("expires_at", ">", t);
    pending = user ? pending.where("user_id", "=", user.id) : pending.where("email_key", "=", emailKey);
    const open = await pending.executeTakeFirst();
    if (open) throw conflict(`${email ?? userName} already has a pending invite; resend or revoke it instead`);
    await assertInviteSeat(trx, orgId, grants.modelsSeat, "invite");
    const token = newToken();
    const row: Invite = {
      id: crypto.randomUUID(), org_id: orgId, email, email_key: emailKey, user_name: userName, user_name_key: userName?.toLowerCase() ?? null,
      user_id: user?.id ?? null, org_role: orgRole, team_ids: JSON.stringify(teamIds), token_hash: hashToken(token), invited_by: actor.id,
      created_at: t, sent_at: t, expires_at: expiry(opts.ttlHours, t), accepted_at: null, accepted_member_id: null, revoked_at: null,
      team_roles: JSON.stringify(grants.teamRoles), models_seat: grants.modelsSeat, weave_role: grants.weaveRole,
    };
    await trx.insertInto("invites").values(row).execute();
    await recordAudit(trx, { orgId, actor, action: "invite.create", targetType: "invite", targetId: row.id, detail: { before: null, after: { email, userName, orgRole, teamRoles: teamRoleList(grants), modelsSeat: grants.modelsSeat, weaveRole: grants.weaveRole, expiresAt: row.expires_at } } });
    return { invite: toInviteView(row, t), token, to: email ?? user?.email ?? null };
  });
}

/** A new token and expiry for a pending or expired invite; the old link stops working. */
export async function resendInvite(db: Db, orgId: string, id: string, opts: { ttlHours: number }, actor: Actor): Promise<IssuedInvite> {
  return db.transaction().execute(async (trx) => {
    const row = await getInvite(trx, orgId, id);
    const status = inviteStatus(row);
    if (status === "accepted" || status === "revoked") throw refused(`this invite was ${status}; it cannot be resent (create a new invite)`);
    const token = newToken();
    const t = now();
    const next: Invite = { ...row, token_hash: hashToken(token), sent_at: t, expires_at: expiry(opts.ttlHours, t) };
    await trx.updateTable("invites").set({ token_hash: next.token_hash, sent_at: t, expires_at: next.expires_at }).where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "invite.resend", targetType: "invite", targetId: id, detail: { before: { expiresAt: row.expires_at, status }, after: { expiresAt: next.expires_at, status: "pending" } } });
    let to = row.email;
    if (!to && row.user_id) to = (await trx.selectFrom("users").select("email").where("id", "=", row.user_id).executeTakeFirst())?.email ?? null;
    return { invite: toInviteView(next, t), token, to };
  });
}

export async function revokeInvite(db: Db, orgId: string, id: string, actor: Actor): Promise<InviteView> {
  return db.transaction().execute(async (trx) => {
    const row = await getInvite(trx, orgId, id);
    const status = inviteStatus(row);
    if (status === "accepted") throw refused("this invite was already accepted; remove the member instead");
    if (status === "revoked") throw refused(`this invite was already revoked at ${row.revoked_at}`);
    const t = now();
    await trx.updateTable("invites").set({ revoked_at: t }).where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "invite.revoke", targetType: "invite", targetId: id, detail: { before: { status }, after: { status: "revoked" } } });
    return toInviteView({ ...row, revoked_at: t }, t);
  });
}

export interface AcceptedInvite {
  orgId: string;
  memberId: string;
  orgRole: string;
  teamIds: string[];
  teamRoles: TeamRoleGrant[];
}

/** The invite whose link holds `token` (any status), or a 404 that does not say more. */
export async function findInviteByToken(db: Db, token: string): Promise<Invite> {
  if (typeof token !== "string" || !token || token.length > 200) throw notFound("this invite link is not valid");
  const row = await db.selectFrom("invites").selectAll().where("token_hash", "=", hashToken(token)).executeTakeFirst();
  if (!row) throw notFound("this invite link is not valid (it was replaced by a newer one, or never existed)");
  return row;
}

/** Pending invites of `orgId` addressed to this user (by user id) or to this (verified) e-mail, oldest first. */
export async function pendingInvitesFor(db: Db, orgId: string, who: { userId: string | null; emailKey: string | null }): Promise<Invite[]> {
  if (!who.userId && !who.emailKey) return [];
  return db.selectFrom("invites").selectAll().where("org_id", "=", orgId)
    .where("accepted_at", "is", null).where("revoked_at", "is", null).where("expires_at", ">", now())
    .where((eb) => eb.or([
      ...(who.userId ? [eb("user_id", "=", who.userId)] : []),
      ...(who.emailKey ? [eb("email_key", "=", who.emailKey)] : []),
    ]))
    .orderBy("created_at").orderBy("id").execute();
}

/**
 * `user` joins the invite's org with its role and teams (as team member; never
 * the default team), inside the caller's transaction. `emailKey` is the
 * lower-cased e-mail the user is known to own (a verified one): an invite sent
 * to an e-mail is accepted only by its owner, an invite by user name only by
 * that user. The member is created through `insertMember`, so seat limits and
 * plan rules apply exactly as for SCIM.
 */
export async function joinByInvite(trx: Transaction<Database>, row: Invite, user: User, emailKey: string | null, actor: Actor): Promise<AcceptedInvite> {
  const status = inviteStatus(row);
  if (status === "accepted") throw refused("this invite was already accepted");
  if (status === "revoked") throw refused("this invite was revoked; ask an admin of the organization for a new one");
  if (status === "expired") throw refused(`this invite expired at ${row.expires_at}; ask an admin of the organization to resend it`);
  if (row.user_id && row.user_id !== user.id) throw forbidden("this invite is for another user");
  if (row.email_key && row.email_key !== emailKey) throw forbidden(`this invite was sent to ${row.email}; sign in with that e-mail address (verified) to accept it`);
  const orgId = row.org_id;
  if (await trx.selectFrom("members").select("id").where("org_id", "=", orgId).where("user_id", "=", user.id).executeTakeFirst())
    throw refused("you are already a member of this organization");
  const grants = grantsOf(row);
  const userName = row.user_name ?? user.email ?? row.email!;
  if (await findUserNameHolder(trx, orgId, userName))
    throw conflict(`the user name "${userName}" is already taken in this organization; ask an admin`);
  const t = now();
  // Claim the invite first: of two concurrent acceptances only one updates the row.
  const claimed = await trx.updateTable("invites").set({ accepted_at: t }).where("id", "=", row.id)
    .where("accepted_at", "is", null).where("revoked_at", "is", null).executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw refused("this invite was already accepted");
  // The seat limit, named, before the member rules would refuse the write (they run under the same org lock).
  await assertInviteSeat(trx, orgId, grants.modelsSeat, "accept");
  const email = user.email ?? row.email;
  const emails = email ? [{ value: email, type: "work", primary: true }] : [];
  // Seat limits (under the org lock), in the same transaction: a refusal rolls the acceptance back.
  const org = await trx.selectFrom("orgs").selectAll().where("id", "=", orgId).executeTakeFirstOrThrow();
  const member = await join(trx, org, user.id, {
    userName, externalId: null, displayName: user.display_name, givenName: null, familyName: null, active: true,
    emails, resource: email ? { emails } : {}, orgRole: row.org_role, modelsSeat: grants.modelsSeat, weaveRole: grants.weaveRole,
  }, actor, { via: "invite", inviteId: row.id }, null, { kind: "invite", id: row.id });
  const memberId = member.id;
  const teamRoles = await applyTeamGrants(trx, org, memberId, grants, t, row.id);
  const teamIds = teamRoles.map((r) => r.teamId);
  await trx.updateTable("invites").set({ accepted_member_id: memberId }).where("id", "=", row.id).execute();
  await recordAudit(trx, { orgId, actor, action: "invite.accept", targetType: "invite", targetId: row.id, detail: { before: { status }, after: { status: "accepted", memberId, orgRole: row.org_role, teamRoles, modelsSeat: grants.modelsSeat, weaveRole: grants.weaveRole } } });
  return { orgId, memberId, orgRole: row.org_role, teamIds, teamRoles };
}
