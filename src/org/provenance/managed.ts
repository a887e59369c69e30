/**
 * Managed fields (issue 10, item 3). A member or team created by a SCIM
 * connection, or whose identity it last wrote, is managed by that connection
 * (`members.managed_by`, `teams.managed_by`, migration 0021). The fields the
 * identity provider owns are then changed only through the directory:
 * - a member's identity (userName, names, e-mails, externalId — only SCIM writes
 *   them anyway), `active`, and existence (removal from the org);
 * - a team's name, externalId and existence (deletion).
 * A manual change of one of them (admin API, console, CLI) is refused with the
 * reason, naming the connection and where to change it; nothing is written.
 * Grants with provenance (org role, seats, team memberships) are not managed:
 * an admin's change is recorded as the admin's source (provenance/sources.ts).
 *
 * Every SCIM write is the directory's, so it is allowed: the managing connection,
 * and also another connection or an org key on SCIM (as before). A connection
 * writing a member's or team's identity takes it over (the last writer manages).
 * Removing the connection clears the mark (the rows stay, no longer managed).
 *
 * Why refuse rather than record an override: an override the next sync keeps
 * makes Rollcall and the identity provider disagree silently (Okta shows Ada
 * active, Rollcall has her deactivated); the refusal says where the change belongs.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database, Member, Team } from "../../../db/types.ts";
import type { Actor } from "../audit/record.ts";
import { DomainError } from "../errors.ts";

type Db = Kysely<Database>;

/** The problem type (RFC 9457) of the refusal, the same at every door. */
export const MANAGED_PROBLEM = "urn:rollcall:problem:managed-by-directory";

/** How the doors show who manages a member or team. */
export interface ManagedBy {
  connectionId: string;
  name: string;
}

export type MemberChange = "deactivate" | "activate" | "remove";
export type TeamChange = "rename" | "delete";

/** The org's SCIM connections' names by id (an org has a few). */
export async function connectionNames(db: Db, orgId: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom("scim_connections").select(["service_account_id", "name"]).where("org_id", "=", orgId).execute();
  return new Map(rows.map((r) => [r.service_account_id, r.name]));
}

export function managedByOf(managedBy: string | null, names: ReadonlyMap<string, string>): ManagedBy | null {
  if (!managedBy) return null;
  return { connectionId: managedBy, name: names.get(managedBy) ?? "a removed connection" };
}

/** One row's manager, read on its own (a single member or team view). */
export async function managedByOne(db: Db, orgId: string, managedBy: string | null): Promise<ManagedBy | null> {
  return managedBy ? managedByOf(managedBy, await connectionNames(db, orgId)) : null;
}

/** The columns a write by `actor` sets: through a SCIM connection, the connection manages the row from now on. */
export const managedByWrite = (actor: Actor): { managed_by?: string } => (actor.connection ? { managed_by: actor.connection } : {});

const memberName = (m: Pick<Member, "display_name" | "user_name">) => m.display_name?.trim() || m.user_name;

const MEMBER_WHERE: Record<MemberChange, string> = {
  deactivate: "deactivate this person in",
  activate: "reactivate (assign) this person in",
  remove: "remove this person in",
};

const TEAM_WHERE: Record<TeamChange, string> = {
  rename: "rename the group in",
  delete: "delete the group in",
};

/** The reason, in words: who manages it, and where the change is made instead. */
export function memberManagedReason(m: Pick<Member, "display_name" | "user_name">, connection: string, change: MemberChange): string {
  return `${memberName(m)} is managed by the directory connection “${connection}”: ${MEMBER_WHERE[change]} ${connection}, and the next sync applies it.`;
}

export function teamManagedReason(t: Pick<Team, "display_name">, connection: string, change: TeamChange): string {
  return `The team “${t.display_name}” is managed by the directory connection “${connection}”: ${TEAM_WHERE[change]} ${connection}, and the next sync applies it.`;
}

const managedRefusal = (reason: string) => new DomainError("rule", reason, undefined, undefined, MANAGED_PROBLEM);

/** Only the directory (the SCIM door) changes what the directory owns. */
const manual = (actor: Actor) => actor.door !== "scim";

/** The one rule for members, called inside the write's transaction on the locked row: throws the refusal. */
export async function refuseManagedMemberChange(trx: Transaction<Database>, orgId: string, actor: Actor, m: Member, change: MemberChange): Promise<void> {
  if (!m.managed_by || !manual(actor)) return;
  const by = await managedByOne(trx, orgId, m.managed_by);
  throw managedRefusal(memberManagedReason(m, by!.name, change));
}

/** The one rule for teams, called inside the write's transaction on the locked row: throws the refusal. */
export async function refuseManagedTeamChange(trx: Transaction<Database>, orgId: string, actor: Actor, t: Team, change: TeamChange): Promise<void> {
  if (!t.managed_by || !manual(actor)) return;
  const by = await managedByOne(trx, orgId, t.managed_by);
  throw managedRefusal(teamManagedReason(t, by!.name, change));
}

/** What the console shows disabled, with the refusal's own words, before anyone submits. */
export interface MemberUnavailable { active?: string; remove?: string }
export interface TeamUnavailable { rename?: string; delete?: string }

export function memberUnavailable(m: Member, by: ManagedBy | null): MemberUnavailable {
  if (!by) return {};
  return { active: memberManagedReason(m, by.name, m.active ? "deactivate" : "activate"), remove: memberManagedReason(m, by.name, "remove") };
}

export function teamUnavailable(t: Team, by: ManagedBy | null): TeamUnavailable {
  if (!by) return {};
  return { rename: teamManagedReason(t, by.name, "rename"), delete: teamManagedReason(t, by.name, "delete") };
}

/** A removed connection manages nothing any more: its members and teams stay, editable. */
export async function releaseManaged(trx: Transaction<Database>, orgId: string, connectionId: string): Promise<{ members: number; teams: number }> {
  const members = await trx.updateTable("members").set({ managed_by: null }).where("org_id", "=", orgId).where("managed_by", "=", connectionId).executeTakeFirst();
  const teams = await trx.updateTable("teams").set({ managed_by: null }).where("org_id", "=", orgId).where("managed_by", "=", connectionId).executeTakeFirst();
  return { members: Number(members.numUpdatedRows), teams: Number(teams.numUpdatedRows) };
}
