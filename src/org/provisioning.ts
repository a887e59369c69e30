/**
 * The provisioning decision: every way a person arrives (OIDC login, LDAP
 * login, invite acceptance, and — through the same member-creation function —
 * SCIM create) goes through `provision`. See DESIGN.md:
 * 1. known login identity → that user; else a user with the same VERIFIED
 *    e-mail → link (an unverified e-mail never links, captures or joins);
 * 2. already a member → sign in (inactive members are refused);
 * 3. pending invite → join with its role and teams, not the default team;
 * 4. auto-provisioning on → join as Member (+ default team when the e-mail
 *    domain is claimed and verified by this org and the user is new);
 * 5. otherwise refuse, naming what an admin can do.
 *
 * One transaction per arrival: a refusal (including one by the member rules,
 * e.g. a full seat limit) rolls back everything, so a refused person leaves no
 * user, identity or membership behind. Every outcome writes one audit event
 * `provision.<decision>` (door, identity, decision, reason); a refusal's event
 * is written after the rollback, outside the transaction.
 *
 * Linking (step 1) uses, in order: the login identity (provider + issuer +
 * subject); a user whose own e-mail is verified and equal to the arrival's
 * verified e-mail; a member of THIS org whose e-mail (given by SCIM or an
 * admin) equals the arrival's verified e-mail — the "SCIM first, SSO later"
 * case, limited to the org whose directory asserted the address, and only
 * when exactly one person there has it. A new user's e-mail keeps its
 * verification flag.
 *
 * Directory group sync (org setting `syncGroupsToTeams`, off by default): when
 * on and the door passes `groups`, at each successful sign-in the member is put
 * in every existing team whose name equals a group (case-insensitively; teams
 * are never created), and taken out of every team whose name is NOT in the
 * list — the directory is the source of truth for team membership — except the
 * org's default team, which is the org's, not the directory's. Roles in teams
 * the member stays in are left alone; added memberships have the team role
 * `member`.
 *
 * SCIM: the SCIM route keeps calling `createMember` (members.ts), which creates
 * its user and member through the same `insertUser` / `insertMember` this
 * decision uses. SCIM skips steps 1 (SCIM e-mails are unverified, so it always
 * makes a new user — and it reactivates a dormant member with the same
 * userName/externalId, Okta's re-assignment) and 3–5: the org's own directory
 * assigning a person IS the admin's decision, so neither an invite nor
 * auto-provisioning is needed, and SCIM clients need SCIM errors (409, 400)
 * rather than a refusal outcome. `provision({ door: "scim" })` exists for
 * callers without SCIM's extra fields and behaves the same way (new user,
 * joins as Member).
 *
 * @example
 * const out = await provision(db, { door: "oidc", orgId, identity: { provider: "oidc", issuer, subject: sub }, email, emailVerified: true }, { door: "sso", id: `oidc:${sub}` });
 * if (out.ok) await signIn(req, { orgId, memberId: out.memberId, userId: out.userId, door: "oidc" });
 * else res.status(403).send(out.reason);
 */
import type { Kysely, Transaction } from "kysely";
import type { Database } from "../../db/types.ts";
import { recordAudit, type Actor } from "./audit.ts";
import { now } from "./clock.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { verifiedDomainOwner } from "./domains.ts";
import { DomainError } from "./errors.ts";
import { syncGroupsToTeams } from "./group-sync.ts";
import { Refusal, resolveUser } from "./identity-links.ts";
import { findInviteByToken, joinByInvite, pendingInvitesFor } from "./invites.ts";
import { insertMember, type MemberEmail } from "./members.ts";
import { newcomerSeat } from "./arrival/seats.ts";

export { syncGroupsToTeams, type TeamSync } from "./group-sync.ts";

export interface Arrival {
  door: "scim" | "oidc" | "ldap" | "invite" | "email";
  orgId: string;
  /** the login identity (OIDC issuer + sub, LDAP server URL + DN) */
  identity?: { provider: "oidc" | "ldap"; issuer: string; subject: string };
  email?: string | null;
  /** only a verified e-mail links, captures a domain or matches an invite */
  emailVerified: boolean;
  userName?: string | null;
  displayName?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  /** invite acceptance: the token from the link */
  inviteToken?: string;
  /** directory groups (OIDC `groups` claim, LDAP groups), for the optional team sync */
  groups?: string[];
  /** a user already signed in (e.g. accepting an invite from a session): step 1 is that user */
  userId?: string;
  /** SCIM door: the directory's id for the person */
  externalId?: string | null;
}

export type ProvisionOutcome =
  | { ok: true; decision: "signed_in" | "joined_by_invite" | "joined" | "joined_with_default_team"; userId: string; memberId: string; newUser: boolean; linked: boolean }
  | { ok: false; decision: "refused"; reason: string };

type Trx = Transaction<Database>;
type Ok = Extract<ProvisionOutcome, { ok: true }>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function provision(db: Kysely<Database>, arrival: Arrival, actor: Actor): Promise<ProvisionOutcome> {
  const email = arrival.email?.trim() || null;
  const emailKey = email?.toLowerCase() ?? null;
  const verifiedKey = arrival.emailVerified && emailKey && EMAIL.test(emailKey) && arrival.door !== "scim" ? emailKey : null;
  const about = {
    door: arrival.door,
    identity: arrival.identity ? { provider: arrival.identity.provider, issuer: arrival.identity.issuer, subject: arrival.identity.subject } : null,
    email,
    emailVerified: verifiedKey !== null,
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => decide(trx, arrival, actor, { email, verifiedKey }, about));
    } catch (err) {
      // Two first sign-ins of the same person at once: the loser's retry finds what the winner created.
      if (isUniqueViolation(err) && attempt === 0) continue;
      let reason: string;
      if (err instanceof Refusal || err instanceof DomainError) reason = err.message;
      else if (isUniqueViolation(err)) reason = "a concurrent change conflicted with this sign-in; try again";
      else throw err;
      await recordAudit(db, {
        orgId: arrival.orgId, actor, action: "provision.refused", targetType: "identity", targetId: identityLabel(arrival, email),
        detail: { ...about, decision: "refused", reason },
      });
      return { ok: false, decision: "refused", reason };
    }
  }
}

function identityLabel(a: Arrival, email: string | null): string | null {
  if (a.identity) return `${a.identity.provider}:${a.identity.issuer}#${a.identity.subject}`;
  if (a.userId) return `user:${a.userId}`;
  return email;
}


async function decide(
  trx: Trx, a: Arrival, actor: Actor, e: { email: string | null; verifiedKey: string | null }, about: Record<string, unknown>,
): Promise<ProvisionOutcome> {
  const org = await trx.selectFrom("orgs").selectAll().where("id", "=", a.orgId).executeTakeFirst();
  if (!org) throw new Refusal(`no organization with id ${a.orgId}`);

  // 1. who is this?
  const who = await resolveUser(trx, org, a, e);
  const { user } = who;

  const finish = async (decision: Ok["decision"], memberId: string, reason: string, extra: Record<string, unknown> = {}): Promise<Ok> => {
    const sync = a.groups && org.sync_groups_to_teams === 1 && a.door !== "scim" ? await syncGroupsToTeams(trx, org, memberId, a.groups, actor) : null;
    await recordAudit(trx, {
      orgId: org.id, actor, action: `provision.${decision}`, targetType: "member", targetId: memberId,
      detail: { ...about, decision, reason, userId: user.id, newUser: who.newUser, linked: who.linked, user: who.how, ...extra, ...(sync ? { teamSync: sync } : {}) },
    });
    return { ok: true, decision, userId: user.id, memberId, newUser: who.newUser, linked: who.linked };
  };

  // 2. already a member?
  const member = await trx.selectFrom("members").select(["id", "active"]).where("org_id", "=", org.id).where("user_id", "=", user.id).executeTakeFirst();
  if (member) {
    if (member.active !== 1) throw new Refusal(`your membership in ${org.name} is deactivated; an admin can reactivate it`);
    return finish("signed_in", member.id, "already a member");
  }

  // SCIM: the org's directory assigned this person; that is the admin's decision (see the module comment).
  if (a.door === "scim") {
    const m = await insertMember(trx, org.id, user.id, memberInput(a, e.email, "member"), actor, { via: "scim" });
    return finish("joined", m.id, "assigned by the organization's directory (SCIM)");
  }

  // 3. a pending invite: by the link's token, or addressed to this user / this verified e-mail.
  const ownedEmailKey = e.verifiedKey ?? (user.email_verified === 1 ? user.email_key : null);
  const invite = a.inviteToken !== undefined
    ? await findInviteByToken(trx, a.inviteToken)
    : (await pendingInvitesFor(trx, org.id, { userId: who.newUser ? null : user.id, emailKey: e.verifiedKey }))[0];
  if (invite) {
    if (invite.org_id !== org.id) throw new Refusal("this invite is for another organization");
    const joined = await joinByInvite(trx, invite, user, ownedEmailKey, actor);
    return finish("joined_by_invite", joined.memberId, `invite ${invite.id}`, { inviteId: invite.id, teamIds: joined.teamIds });
  }

  // 4. auto-provisioning
  if (org.auto_provisioning === 1) {
    // Seat limit first (refusal naming what an admin can do), or no Models seat under seatOverflow "no-seat".
    const input = { ...memberInput(a, e.email, "member"), modelsSeat: await newcomerSeat(trx, org.id) };
    const taken = await trx.selectFrom("members").select("id").where("org_id", "=", org.id).where("user_name_key", "=", input.userName.toLowerCase()).executeTakeFirst();
    if (taken) throw new Refusal(`the user name "${input.userName}" is already taken in ${org.name} by another person; an admin can rename or remove that member, or send you an invite`);
    const m = await insertMember(trx, org.id, user.id, input, actor, { via: a.door });
    const domain = e.verifiedKey?.split("@")[1] ?? null;
    const captured = who.newUser && domain !== null && org.default_team_id !== null && (await verifiedDomainOwner(trx, domain)) === org.id;
    if (captured) {
      const t = now();
      await trx.insertInto("team_members").values({ team_id: org.default_team_id!, member_id: m.id, org_id: org.id, role: "member", custom_role_id: null, created_at: t }).execute();
      await trx.updateTable("teams").set((eb) => ({ revision: eb("revision", "+", 1), updated_at: t })).where("id", "=", org.default_team_id!).execute();
      return finish("joined_with_default_team", m.id, `auto-provisioning; ${domain} is claimed and verified by this organization`, { defaultTeamId: org.default_team_id });
    }
    return finish("joined", m.id, input.modelsSeat === "none" ? "auto-provisioning; the full Models seats are used up, so no Models seat (seatOverflow no-seat)" : "auto-provisioning", { modelsSeat: input.modelsSeat });
  }

  // 5. refuse, naming what an admin can do
  throw new Refusal(`${org.name} does not add people on their own sign-in: an admin of ${org.name} can turn on auto-provisioning, or send you an invite`);
}

function memberInput(a: Arrival, email: string | null, orgRole: "member") {
  const emails: MemberEmail[] = email ? [{ value: email, type: "work", primary: true }] : [];
  const userName = a.userName?.trim() || email || (a.identity ? a.identity.subject : "");
  const displayName = a.displayName?.trim() || [a.givenName, a.familyName].filter(Boolean).join(" ") || null;
  return {
    userName, externalId: a.externalId ?? null, displayName, givenName: a.givenName ?? null, familyName: a.familyName ?? null,
    active: true, emails, resource: {
      ...(emails.length ? { emails } : {}),
      ...(a.givenName || a.familyName ? { name: { ...(a.givenName ? { givenName: a.givenName } : {}), ...(a.familyName ? { familyName: a.familyName } : {}) } } : {}),
    },
    orgRole, modelsSeat: "full", weaveRole: "full",
  };
}
