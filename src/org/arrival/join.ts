/**
 * Joining: the arrival decision's one call of member creation (members.ts
 * `insertMember`, which holds the member rules: the user name check, seat
 * limits, plan). The SCIM step, auto-provisioning and the invite step
 * (invites.ts `joinByInvite`, run by arrive.ts) all join through here.
 */
import type { Transaction } from "kysely";
import type { Database, Member, Org } from "../../../db/types.ts";
import type { Actor } from "../audit/record.ts";
import { insertMember, type MemberInput } from "../members/members.ts";
import type { GrantSource } from "../provenance/sources.ts";

export function join(
  trx: Transaction<Database>, org: Org, userId: string, input: MemberInput, actor: Actor, detail: Record<string, unknown>, emailsVerifiedBy: string | null,
  source: GrantSource,
): Promise<Member> {
  return insertMember(trx, org.id, userId, input, actor, detail, emailsVerifiedBy, source);
}
