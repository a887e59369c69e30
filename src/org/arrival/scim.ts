/**
 * The SCIM door's step of the arrival decision: the org's own directory
 * assigning a person IS the admin's decision, so there is no invite or
 * auto-provisioning step. A dormant (inactive) member with the same userName
 * or externalId is reactivated with the directory's fields (Okta re-assigning
 * a person it unassigned); otherwise a new user joins — a directory's e-mail
 * never links to an existing person, but inside this org it is vouched for
 * (`member_emails.verified_by = 'scim'`): the member's own sign-in through the
 * org's IdP with that address verified is that member (link.ts, 3a).
 */
import type { Transaction } from "kysely";
import type { Database, Member, Org } from "../../../db/types.ts";
import type { Actor } from "../audit/record.ts";
import { checkMemberInput, reactivateMember, type MemberInput } from "../members/members.ts";
import { setTeamRoles } from "../members/member-roles.ts";
import { insertUser } from "./link.ts";
import { DIRECTORY, recordVerification } from "./verification.ts";
import { join } from "./join.ts";
import { sourceOfActor } from "../provenance/sources.ts";

type Trx = Transaction<Database>;

export interface DirectoryArrival {
  member: Member;
  userId: string;
  reactivated: boolean;
  newUser: boolean;
}

export async function arriveFromDirectory(trx: Trx, org: Org, input: MemberInput, actor: Actor): Promise<DirectoryArrival> {
  checkMemberInput(input);
  // org_id inside each branch, so SQLite uses both (org_id, …) indexes instead of scanning the org.
  const key = input.userName.toLowerCase();
  const existing = await trx.selectFrom("members").selectAll().where((eb) =>
    eb.or([
      eb.and([eb("org_id", "=", org.id), eb("user_name_key", "=", key)]),
      ...(input.externalId ? [eb.and([eb("org_id", "=", org.id), eb("external_id", "=", input.externalId)])] : []),
    ])).execute();
  const sameName = existing.find((m) => m.user_name_key === key);
  const dormant = sameName ? (sameName.active ? undefined : sameName) : existing.find((m) => !m.active);
  if (dormant) {
    const member = await reactivateMember(trx, org.id, dormant.id, input, actor);
    return { member, userId: member.user_id, reactivated: true, newUser: false };
  }
  // An active member holding the name: insertMember's one uniqueness check refuses it (409).
  const primary = input.emails.find((e) => e.primary) ?? input.emails[0];
  const userId = await insertUser(trx, { email: primary?.value ?? null, emailVerified: false, displayName: input.displayName });
  const member = await join(trx, org, userId, input, actor, { via: "scim" }, DIRECTORY, sourceOfActor(actor));
  for (const e of input.emails) await recordVerification(trx, userId, e.value.toLowerCase(), `${DIRECTORY} ${org.id}`, org.id);
  if (input.teamRoles) await setTeamRoles(trx, org.id, member.id, input.teamRoles, actor);
  return { member, userId, reactivated: false, newUser: true };
}
