/**
 * Teams offered at sign-up (DESIGN: a team's `domainMatching` offers it to new
 * users of a claimed domain). Kept simple: a member is offered the org's teams
 * with `domainMatching` on, which they are not in yet, when
 * - the org has `teamJoiningAtSignup` on, and
 * - the member's user has a VERIFIED e-mail (the identity provider said so at
 *   sign-in) whose domain is claimed and verified by this org.
 * The offer is not limited to the first sign-in: a member who skipped it can
 * come back. Joining makes them a team member (role `member`).
 *
 * @example
 * const teams = await joinableTeams(db, orgId, memberId);
 * await joinTeamAtSignup(db, orgId, memberId, teams[0].id, actor);
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { verifiedDomainOwner } from "../orgs/domains.ts";
import { forbidden, notFound } from "../errors.ts";
import { addToTeam } from "./membership.ts";

type Db = Kysely<Database>;

export interface JoinableTeam {
  id: string;
  name: string;
}

/** Why nothing is offered (null: teams may be offered). */
async function notEligible(db: Db, orgId: string, memberId: string): Promise<string | null> {
  const row = await db.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").innerJoin("orgs as o", "o.id", "m.org_id")
    .select(["m.active", "u.email_key", "u.email_verified", "o.team_joining_at_signup"])
    .where("m.id", "=", memberId).where("m.org_id", "=", orgId).executeTakeFirst();
  if (!row) throw notFound("This member is not in the organization (they may have been removed).");
  if (row.active !== 1) return "this member is deactivated";
  if (row.team_joining_at_signup !== 1) return "this organization does not offer teams at sign-up (teamJoiningAtSignup is off)";
  const domain = row.email_verified === 1 ? row.email_key?.split("@")[1] : undefined;
  if (!domain) return "teams are offered to people with a verified e-mail address in a domain of this organization";
  if ((await verifiedDomainOwner(db, domain)) !== orgId) return `${domain} is not a verified domain of this organization`;
  return null;
}

export async function joinableTeams(db: Db, orgId: string, memberId: string): Promise<JoinableTeam[]> {
  if (await notEligible(db, orgId, memberId)) return [];
  const rows = await db.selectFrom("teams as t").select(["t.id", "t.display_name"])
    .where("t.org_id", "=", orgId).where("t.domain_matching", "=", 1)
    .where((eb) => eb.not(eb.exists(eb.selectFrom("team_members as tm").select("tm.member_id").whereRef("tm.team_id", "=", "t.id").where("tm.member_id", "=", memberId))))
    .orderBy("t.name_key").execute();
  return rows.map((r) => ({ id: r.id, name: r.display_name }));
}

/** The member joins one of their joinable teams as team member (idempotent). */
export async function joinTeamAtSignup(db: Db, orgId: string, memberId: string, teamId: string, actor: Actor): Promise<JoinableTeam> {
  return db.transaction().execute(async (trx) => {
    const why = await notEligible(trx, orgId, memberId);
    if (why) throw forbidden(why);
    const team = await trx.selectFrom("teams").select(["id", "display_name", "domain_matching"]).where("org_id", "=", orgId).where("id", "=", teamId).executeTakeFirst();
    if (!team) throw notFound("This team does not exist in the organization (it may have been deleted).");
    if (team.domain_matching !== 1) throw forbidden(`team ${team.display_name} is not offered at sign-up (it is not offered to new people from your domains); ask a team admin to add you`);
    if (await addToTeam(trx, orgId, team.id, memberId, { source: { kind: "signup", id: memberId } })) {
      await recordAudit(trx, { orgId, actor, action: "team.join_at_signup", targetType: "team", targetId: team.id, detail: { memberId, team: team.display_name } });
    }
    return { id: team.id, name: team.display_name };
  });
}
