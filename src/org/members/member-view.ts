/**
 * Read model: a member with their teams and team roles, as every door shows
 * them (admin API, /me, SCIM Users, the sign-in doors, the CLI). The query is
 * written once here; adapters translate the view, they do not read the tables.
 *
 * @example
 * const view = await getMemberView(db, orgId, memberId); // { userName, orgRole, teams: [...] }
 */
import type { Kysely } from "kysely";
import { compiled, param } from "../../../db/compiled.ts";
import type { Database, Member } from "../../../db/types.ts";
import { notFound } from "../errors.ts";
import { getMember } from "./members.ts";
import { managedByOne, type ManagedBy } from "../provenance/managed.ts";

type Db = Kysely<Database>;

/** One of a member's teams and the role held there (`role` as stored; `customRoleName` for a custom role). */
export interface MemberTeam {
  id: string;
  name: string;
  role: string;
  customRoleName: string | null;
}

/** A team role as people name it: the custom role's name, or admin / member / view-only. */
export const teamRoleName = (t: Pick<MemberTeam, "role" | "customRoleName">): string => t.customRoleName ?? t.role;

/** A member's org role and seats: the fields the access policy reads, as the doors show them. */
export interface MemberAccess {
  orgRole: string;
  modelsSeat: string;
  weaveRole: string;
  billingAdmin: boolean;
}

export const accessOf = (m: Pick<Member, "org_role" | "models_seat" | "weave_role" | "billing_admin">): MemberAccess => ({
  orgRole: m.org_role, modelsSeat: m.models_seat, weaveRole: m.weave_role, billingAdmin: m.billing_admin === 1,
});

/** The admin API's member, and the directory's row (without `teams`). */
export interface MemberView extends MemberAccess {
  id: string;
  userName: string;
  displayName: string | null;
  email: string | null;
  externalId: string | null;
  active: boolean;
  teams?: { id: string; name: string; role: string }[];
  /** the last sign-in through any door (migration 0018), null when never */
  lastSignInAt: string | null;
  /** the SCIM connection managing the member (its identity, active state and removal: provenance/managed.ts), null when none */
  managedBy: ManagedBy | null;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export function toMemberView(m: Member, email: string | null, managedBy: ManagedBy | null, teams?: MemberTeam[]): MemberView {
  return {
    id: m.id,
    userName: m.user_name,
    displayName: m.display_name,
    email,
    externalId: m.external_id,
    active: m.active === 1,
    ...accessOf(m),
    ...(teams ? { teams: teams.map((t) => ({ id: t.id, name: t.name, role: teamRoleName(t) })) } : {}),
    lastSignInAt: m.last_sign_in_at ?? null,
    managedBy,
    createdAt: m.created_at,
    updatedAt: m.updated_at,
    version: m.revision,
  };
}

/** The teams of members: one query per 500 members (`in` list), and for one member a query compiled once (every GET /Users/{id}). */
type TeamRow = { member_id: string; id: string; display_name: string; role: string; custom_role: string | null };
const teamsQuery = (db: Db) => db.selectFrom("team_members as tm")
  .innerJoin("teams as t", "t.id", "tm.team_id")
  .leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
  .select(["tm.member_id", "t.id", "t.display_name", "tm.role", "r.name as custom_role"]);
const teamsOfOne = compiled<{ memberId: string }, TeamRow>((db) =>
  teamsQuery(db).where("tm.member_id", "=", param<string>("memberId")).orderBy("t.name_key").orderBy("t.id"));

/** Each member's teams, by team name. */
export async function teamsOfMembers(db: Db, memberIds: readonly string[]): Promise<Map<string, MemberTeam[]>> {
  const out = new Map<string, MemberTeam[]>();
  for (let i = 0; i < memberIds.length; i += 500) {
    const rows: TeamRow[] = memberIds.length === 1
      ? await teamsOfOne(db, { memberId: memberIds[0]! })
      : await teamsQuery(db).where("tm.member_id", "in", memberIds.slice(i, i + 500)).orderBy("t.name_key").orderBy("t.id").execute();
    for (const r of rows) {
      const list = out.get(r.member_id) ?? [];
      list.push({ id: r.id, name: r.display_name, role: r.role, customRoleName: r.custom_role });
      out.set(r.member_id, list);
    }
  }
  return out;
}

export async function teamsOfMember(db: Db, memberId: string): Promise<MemberTeam[]> {
  return (await teamsOfMembers(db, [memberId])).get(memberId) ?? [];
}

/** The member's primary e-mail (the first when none is marked primary), or null. */
export async function primaryEmailOf(db: Db, memberId: string): Promise<string | null> {
  const e = await db.selectFrom("member_emails").select("value").where("member_id", "=", memberId)
    .orderBy("is_primary", "desc").orderBy("position").limit(1).executeTakeFirst();
  return e?.value ?? null;
}

/** The member as the admin API shows one: with primary e-mail, teams and team roles. */
export async function memberViewOf(db: Db, m: Member): Promise<MemberView> {
  return toMemberView(m, await primaryEmailOf(db, m.id), await managedByOne(db, m.org_id, m.managed_by), await teamsOfMember(db, m.id));
}

export async function getMemberView(db: Db, orgId: string, id: string): Promise<MemberView> {
  return memberViewOf(db, await getMember(db, orgId, id));
}

/** The member as they see themselves (/me) and as the sign-in doors answer: with their user's address. */
export interface SignedInMember extends MemberAccess {
  id: string;
  userId: string;
  userName: string;
  displayName: string | null;
  /** the user's address (the identity provider's), not a member_emails row */
  email: string | null;
  emailVerified: boolean;
  active: boolean;
  org: { id: string; name: string; slug: string };
  teams: MemberTeam[];
}

export async function signedInMember(db: Db, orgId: string, memberId: string): Promise<SignedInMember> {
  const m = await db.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").innerJoin("orgs as o", "o.id", "m.org_id")
    .selectAll("m").select(["u.email", "u.email_verified", "o.name as org_name", "o.slug as org_slug"])
    .where("m.id", "=", memberId).where("m.org_id", "=", orgId).executeTakeFirst();
  if (!m) throw notFound("This member is not in the organization (they may have been removed).");
  return {
    id: m.id, userId: m.user_id, userName: m.user_name, displayName: m.display_name, email: m.email, emailVerified: m.email_verified === 1,
    active: m.active === 1, ...accessOf(m), org: { id: m.org_id, name: m.org_name, slug: m.org_slug }, teams: await teamsOfMember(db, m.id),
  };
}

/** The member of the org called `userName` (case-insensitive), or undefined. */
export async function findMemberByUserName(db: Db, orgId: string, userName: string): Promise<{ id: string; userName: string } | undefined> {
  const m = await db.selectFrom("members").select(["id", "user_name"]).where("org_id", "=", orgId)
    .where("user_name_key", "=", userName.toLowerCase()).executeTakeFirst();
  return m ? { id: m.id, userName: m.user_name } : undefined;
}
