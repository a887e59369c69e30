/**
 * The arrival decision: every way a person arrives — SCIM create and
 * re-assignment, OIDC login, LDAP login, invite acceptance, e-mail link —
 * goes through `arrive`, the only code that creates a member or links a login
 * (docs/architecture.md, "The arrival decision"):
 *
 * 1. who is this? (link.ts: known identity, else an e-mail verified on both
 *    sides, else a new user — never a user made from an unverified claim);
 * 2. already a member → sign in (inactive members are refused);
 * 3. pending invite (by the link's token, or matched by a verified address) →
 *    join with the invite's role and teams, not the default team;
 * 4. auto-provisioning on → join as Member (+ the default team when the
 *    verified e-mail's domain is claimed and verified by this org and the user
 *    is new), under a user name the verified owner of an address keeps
 *    (user-names.ts);
 * 5. otherwise refuse, naming what an admin can do.
 *
 * The SCIM door is the directory's decision (scim.ts): no steps 1 and 3–5,
 * and its errors stay domain errors (thrown: 409 uniqueness, 400) for SCIM
 * to translate; the sign-in doors get `{ ok: false, reason }`.
 *
 * One transaction per arrival: a refusal rolls everything back, so a refused
 * person leaves no user, identity or membership behind. Every outcome writes
 * one audit event `provision.<decision>`; a refusal's is written after the
 * rollback. With the org setting `syncGroupsToTeams`, a sign-in's directory
 * groups decide its teams (group-sync.ts).
 *
 * @example
 * const out = await arrive(db, { door: "oidc", orgId, identity: { provider: "oidc", issuer, subject: sub }, email, emailVerified: true }, { door: "sso", id: `oidc:${sub}` });
 * if (out.ok) await signIn(req, { orgId, memberId: out.memberId, userId: out.userId, door: "oidc" });
 * else res.status(403).send(out.reason);
 */
import type { Kysely, Transaction } from "kysely";
import type { Database, Member, Org } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { isUniqueViolation } from "../db-errors.ts";
import { verifiedDomainOwner } from "../orgs/domains.ts";
import { conflict, DomainError } from "../errors.ts";
import { findInviteByToken, joinByInvite, pendingInvitesFor } from "../invites/invites.ts";
import type { MemberEmail, MemberInput } from "../members/members.ts";
import { addToTeam } from "../teams/membership.ts";
import { syncGroupsToTeams } from "./group-sync.ts";
import { applyDirectoryMappings, rememberDirectoryGroups } from "./mappings.ts";
import { join } from "./join.ts";
import { recordSignIn } from "./last-sign-in.ts";
import { resolveUser, type ArrivalEmail, type Resolved } from "./link.ts";
import { Refusal, refusals } from "./refusal.ts";
import { arriveFromDirectory } from "./scim.ts";
import { newcomerSeat } from "./seats.ts";
import { chooseUserName } from "./user-names.ts";
import { sourceOf } from "./verification.ts";
import { sourceOfActor, ssoSource } from "../provenance/sources.ts";

export { syncGroupsToTeams, type TeamSync } from "./group-sync.ts";

export type ArrivalDoor = "scim" | "oidc" | "ldap" | "invite" | "email";

export interface Arrival {
  door: ArrivalDoor;
  orgId: string;
  /** the login identity (OIDC issuer + sub, LDAP server URL + DN) */
  identity?: { provider: "oidc" | "ldap"; issuer: string; subject: string };
  email?: string | null;
  /** only a verified e-mail links, captures a domain or matches an invite (door "email": the link proved it) */
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
  /** SCIM door: the directory's whole record (else one is made from the fields above) */
  member?: MemberInput;
}

export type ArrivalDecision = "signed_in" | "joined_by_invite" | "joined" | "joined_with_default_team";

export type ArrivalOutcome =
  | { ok: true; decision: ArrivalDecision; userId: string; memberId: string; newUser: boolean; linked: boolean; reactivated: boolean }
  | { ok: false; decision: "refused"; reason: string };

type Trx = Transaction<Database>;
type Ok = Extract<ArrivalOutcome, { ok: true }>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export async function arrive(db: Kysely<Database>, arrival: Arrival, actor: Actor): Promise<ArrivalOutcome> {
  const email = (arrival.member ? primaryEmail(arrival.member) : arrival.email?.trim()) || null;
  const emailKey = email?.toLowerCase() ?? null;
  const vouches = arrival.door === "invite" || sourceOf(arrival) !== null;
  const e: ArrivalEmail = { email, verifiedKey: arrival.emailVerified && vouches && emailKey && EMAIL.test(emailKey) ? emailKey : null };
  const about = {
    door: arrival.door,
    identity: arrival.identity ? { provider: arrival.identity.provider, issuer: arrival.identity.issuer, subject: arrival.identity.subject } : null,
    email,
    emailVerified: e.verifiedKey !== null,
  };
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction().execute((trx) => decide(trx, arrival, actor, e, about));
    } catch (err) {
      // Two first sign-ins of the same person at once: the loser's retry finds what the winner created.
      if (isUniqueViolation(err) && attempt === 0 && arrival.door !== "scim") continue;
      if (arrival.door === "scim") {
        if (isUniqueViolation(err)) throw conflict(`a User with userName "${arrival.member?.userName ?? arrival.userName}" already exists`);
        throw err;
      }
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

const primaryEmail = (m: MemberInput) => (m.emails.find((x) => x.primary) ?? m.emails[0])?.value ?? null;

async function decide(trx: Trx, a: Arrival, actor: Actor, e: ArrivalEmail, about: Record<string, unknown>): Promise<ArrivalOutcome> {
  const org = await trx.selectFrom("orgs").selectAll().where("id", "=", a.orgId).executeTakeFirst();
  if (!org) throw a.door === "scim" ? new DomainError("not_found", `no organization with id ${a.orgId}`) : refusals.noOrg(a.orgId);

  if (a.door === "scim") {
    const input = a.member ?? memberInput(a, e.email, a.userName?.trim() || e.email || "");
    const out = await arriveFromDirectory(trx, org, input, actor);
    const who: Who = { userId: out.userId, newUser: out.newUser, linked: false, how: out.reactivated ? "dormant member" : "new user" };
    const reason = out.reactivated ? "re-assigned by the organization's directory (SCIM)" : "assigned by the organization's directory (SCIM)";
    return finish(trx, org, a, actor, about, who, "joined", out.member.id, reason, { reactivated: out.reactivated });
  }

  // 1. who is this?
  const who = await resolveUser(trx, org, a, e);
  const { user } = who;
  const done = (decision: ArrivalDecision, memberId: string, reason: string, extra: Record<string, unknown> = {}) =>
    finish(trx, org, a, actor, about, { userId: user.id, newUser: who.newUser, linked: who.linked, how: who.how }, decision, memberId, reason, extra);

  // 2. already a member?
  const member = await trx.selectFrom("members").select(["id", "active"]).where("org_id", "=", org.id).where("user_id", "=", user.id).executeTakeFirst();
  if (member) {
    if (member.active !== 1) throw refusals.deactivated(org.name);
    return done("signed_in", member.id, "already a member");
  }

  // 3. a pending invite: by the link's token, or addressed to this user / this verified e-mail.
  const ownedEmailKey = e.verifiedKey ?? (user.email_verified === 1 ? user.email_key : null);
  const invite = a.inviteToken !== undefined
    ? await findInviteByToken(trx, a.inviteToken)
    : (await pendingInvitesFor(trx, org.id, { userId: who.newUser ? null : user.id, emailKey: e.verifiedKey }))[0];
  if (invite) {
    if (invite.org_id !== org.id) throw refusals.otherOrgInvite();
    const joined = await joinByInvite(trx, invite, user, ownedEmailKey, actor);
    return done("joined_by_invite", joined.memberId, `invite ${invite.id}`, { inviteId: invite.id, teamIds: joined.teamIds });
  }

  // 4. auto-provisioning
  if (org.auto_provisioning === 1) {
    const userName = await chooseUserName(trx, org, a, e.email, e.verifiedKey !== null);
    // Seat limit first (a refusal naming what an admin can do), or no Models seat under seatOverflow "no-seat".
    const input = { ...memberInput(a, e.email, userName), modelsSeat: await newcomerSeat(trx, org.id) };
    const m = await join(trx, org, user.id, input, actor, { via: a.door }, e.verifiedKey ? sourceOf(a) : null, a.identity ? ssoSource(a.identity) : { kind: "sso", id: a.door });
    const domain = e.verifiedKey?.split("@")[1] ?? null;
    const captured = who.newUser && domain !== null && org.default_team_id !== null && (await verifiedDomainOwner(trx, domain)) === org.id;
    if (captured) {
      // The member row was created just now, at revision 1: only the team's revision moves.
      await addToTeam(trx, org.id, org.default_team_id!, m.id, { revisionsHeld: { member: true }, source: { kind: "domain", id: domain } });
      return done("joined_with_default_team", m.id, `auto-provisioning; ${domain} is claimed and verified by this organization`, { defaultTeamId: org.default_team_id });
    }
    return done("joined", m.id, input.modelsSeat === "none" ? "auto-provisioning; the full Models seats are used up, so no Models seat (seatOverflow no-seat)" : "auto-provisioning", { modelsSeat: input.modelsSeat });
  }

  // 5. refuse, naming what an admin can do
  throw refusals.notOpen(org.name);
}

/** Who arrived, for the outcome and the audit event. */
type Who = Omit<Resolved, "user"> & { userId: string };

async function finish(
  trx: Trx, org: Org, a: Arrival, actor: Actor, about: Record<string, unknown>, who: Who,
  decision: ArrivalDecision, memberId: string, reason: string, extra: Record<string, unknown>,
): Promise<Ok> {
  if (a.groups && (a.door === "oidc" || a.door === "ldap")) await rememberDirectoryGroups(trx, org.id, memberId, a.door, a.groups);
  const sync = a.groups && org.sync_groups_to_teams === 1 && a.door !== "scim" ? await syncGroupsToTeams(trx, org, memberId, a.groups, actor, a.identity ? ssoSource(a.identity) : sourceOfActor(actor)) : null;
  const mapped = a.door === "scim" ? [] : await applyDirectoryMappings(trx, org.id, [memberId], actor);
  if (a.door !== "scim") await recordSignIn(trx, memberId, a.door);
  await recordAudit(trx, {
    orgId: org.id, actor, action: `provision.${decision}`, targetType: "member", targetId: memberId,
    detail: { ...about, decision, reason, userId: who.userId, newUser: who.newUser, linked: who.linked, user: who.how, ...extra, ...(sync ? { teamSync: sync } : {}), ...(mapped.length ? { mappings: mapped[0] } : {}) },
  });
  return { ok: true, decision, userId: who.userId, memberId, newUser: who.newUser, linked: who.linked, reactivated: extra.reactivated === true };
}

function memberInput(a: Arrival, email: string | null, userName: string): MemberInput {
  const emails: MemberEmail[] = email ? [{ value: email, type: "work", primary: true }] : [];
  const displayName = a.displayName?.trim() || [a.givenName, a.familyName].filter(Boolean).join(" ") || null;
  return {
    userName, externalId: a.externalId ?? null, displayName, givenName: a.givenName ?? null, familyName: a.familyName ?? null,
    active: true, emails, resource: {
      ...(emails.length ? { emails } : {}),
      ...(a.givenName || a.familyName ? { name: { ...(a.givenName ? { givenName: a.givenName } : {}), ...(a.familyName ? { familyName: a.familyName } : {}) } } : {}),
    },
    orgRole: "member", modelsSeat: "full", weaveRole: "full",
  };
}

/** The member row an ok outcome names (for adapters that render it, e.g. SCIM). */
export async function arrivedMember(db: Kysely<Database>, out: Ok): Promise<Member> {
  return db.selectFrom("members").selectAll().where("id", "=", out.memberId).executeTakeFirstOrThrow();
}
