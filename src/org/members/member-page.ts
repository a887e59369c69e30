/**
 * The member page's read model: one member with what an admin needs to see
 * about them in one place — org role and seats, teams with their team roles,
 * open sessions, the last sign-in, their own API keys (never a secret) and the
 * newest audit events about or by them.
 *
 * @example
 * const page = await memberPage(db, orgId, memberId); // { member, teams, sessions, lastSignIn, keys, events }
 */
import type { Kysely } from "kysely";
import type { Database, Member } from "../../../db/types.ts";
import { listMemberKeys, type KeyView } from "../security/keys.ts";
import { getMember } from "./members.ts";

type Db = Kysely<Database>;

export interface MemberTeam { id: string; name: string; role: string; since: string }
export interface MemberSession { door: string | null; expiresAt: string }
export interface MemberEvent { id: number; at: string; door: string; actor: string; action: string; targetType: string; targetId: string | null; detail: unknown }

export interface MemberPage {
  member: Member & { email: string | null };
  teams: MemberTeam[];
  sessions: MemberSession[];
  lastSignIn: { at: string; door: string | null } | null;
  keys: KeyView[];
  events: MemberEvent[];
}

const EVENTS = 20;

export async function memberPage(db: Db, orgId: string, memberId: string): Promise<MemberPage> {
  const m = await getMember(db, orgId, memberId);
  const [email, teams, sessions, keys, events] = await Promise.all([
    db.selectFrom("member_emails").select("value").where("member_id", "=", memberId)
      .orderBy("is_primary", "desc").orderBy("position").limit(1).executeTakeFirst(),
    db.selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id").leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
      .select(["t.id", "t.display_name", "tm.role", "r.name as custom_role", "tm.created_at"])
      .where("tm.member_id", "=", memberId).where("tm.org_id", "=", orgId).orderBy("t.name_key").execute(),
    db.selectFrom("sessions").select(["door", "expires_at"]).where("member_id", "=", memberId).where("org_id", "=", orgId)
      .where("expires_at", ">", new Date().toISOString()).orderBy("expires_at", "desc").execute(),
    listMemberKeys(db, orgId, memberId),
    personEvents(db, orgId, memberId),
  ]);
  return {
    member: { ...m, email: email?.value ?? null },
    teams: teams.map((t) => ({ id: t.id, name: t.display_name, role: t.role === "custom" ? (t.custom_role ?? "custom") : t.role, since: t.created_at })),
    sessions: sessions.map((s) => ({ door: s.door, expiresAt: s.expires_at })),
    lastSignIn: m.last_sign_in_at ? { at: m.last_sign_in_at, door: m.last_sign_in_door } : null,
    keys,
    events,
  };
}

/** The newest events about the member (target) or done by them (actor), each side served by its own index. */
async function personEvents(db: Db, orgId: string, memberId: string): Promise<MemberEvent[]> {
  const about = db.selectFrom("audit_events").selectAll().where("org_id", "=", orgId).where("target_id", "=", memberId).orderBy("at", "desc").limit(EVENTS);
  const by = db.selectFrom("audit_events").selectAll().where("org_id", "=", orgId).where("actor", "=", `member:${memberId}`).orderBy("at", "desc").limit(EVENTS);
  const [a, b] = await Promise.all([about.execute(), by.execute()]);
  const seen = new Map([...a, ...b].map((r) => [Number(r.id), r]));
  return [...seen.values()].sort((x, y) => (x.at === y.at ? Number(y.id) - Number(x.id) : x.at < y.at ? 1 : -1)).slice(0, EVENTS).map((r) => ({
    id: Number(r.id), at: r.at, door: r.door, actor: r.actor, action: r.action, targetType: r.target_type, targetId: r.target_id,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as unknown),
  }));
}

