/**
 * Admin API: me — the signed-in member (session or their own API key): who
 * they are, their org and teams, the session's CSRF token; the teams offered
 * at sign-up (src/org/teams/joinable-teams.ts); accepting an invite while signed in
 * (through the provisioning decision, door "invite").
 */
import { findInviteByToken } from "../org/invites/invites.ts";
import { joinableTeams, joinTeamAtSignup } from "../org/teams/joinable-teams.ts";
import { arrive } from "../org/arrival/arrive.ts";
import { csrfToken } from "../http/session.ts";
import { allowedOrgActions, ensureCan } from "../org/access/can.ts";
import { forbidden, refused } from "../org/errors.ts";
import { unavailableOptions } from "../org/orgs/options.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { z } from "zod";
import { text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";
import { register as registerOwnKeys } from "./keys-routes.ts";

function memberId(ctx: AdminContext): string {
  ensureCan(ctx.principal, "me:read");
  if (!ctx.principal.memberId) throw forbidden("this endpoint is for members: the operator's session is not a member of the organization");
  return ctx.principal.memberId;
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/me", tag: "me", summary: "The signed-in member, their org and teams, what they may do (allowed), what the plan or configuration does not allow and why (unavailable), and the session's CSRF token",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "me:read");
      const db = ctx.store.db;
      if (ctx.principal.kind === "operator") {
        const { plan, ...org } = await db.selectFrom("orgs").select(["id", "name", "slug", "plan"]).where("id", "=", ctx.orgId).executeTakeFirstOrThrow();
        res.json({ member: null, operator: true, org, teams: [], allowed: allowedOrgActions(ctx.principal), unavailable: unavailableOptions({ plan }, ctx.config), authenticatedBy: ctx.via ?? "key", csrfToken: ctx.via === "session" ? csrfToken(req) : null });
        return;
      }
      const id = memberId(ctx);
      const m = await db.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").innerJoin("orgs as o", "o.id", "m.org_id")
        .select(["m.id", "m.user_id", "m.user_name", "m.display_name", "m.org_role", "m.models_seat", "m.weave_role", "m.active", "u.email", "u.email_verified", "o.id as org_id", "o.name as org_name", "o.slug as org_slug", "o.plan"])
        .where("m.id", "=", id).where("m.org_id", "=", ctx.orgId).executeTakeFirstOrThrow();
      const teams = await db.selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id").leftJoin("custom_roles as c", "c.id", "tm.custom_role_id")
        .select(["t.id", "t.display_name", "tm.role", "c.name as custom_role"]).where("tm.member_id", "=", id).orderBy("t.name_key").execute();
      res.json({
        member: {
          id: m.id, userId: m.user_id, userName: m.user_name, displayName: m.display_name, email: m.email, emailVerified: m.email_verified === 1,
          orgRole: m.org_role, modelsSeat: m.models_seat, weaveRole: m.weave_role, active: m.active === 1,
        },
        org: { id: m.org_id, name: m.org_name, slug: m.org_slug },
        teams: teams.map((t) => ({ id: t.id, name: t.display_name, role: t.custom_role ?? t.role })),
        allowed: allowedOrgActions(ctx.principal),
        // What the plan or the server's configuration does not allow, with the reason (shown before submit).
        unavailable: unavailableOptions(m, ctx.config),
        authenticatedBy: ctx.via ?? "key",
        csrfToken: ctx.via === "session" ? csrfToken(req) : null,
      });
    },
  });
  r.add({
    method: "get", path: "/me/joinable-teams", tag: "me", summary: "Teams offered at sign-up (domainMatching teams, for a verified e-mail in a verified domain of the org, when teamJoiningAtSignup is on)",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      // The operator is no member: nothing is offered to it.
      res.json({ teams: ctx.principal.kind === "operator" ? [] : await joinableTeams(ctx.store.db, ctx.orgId, memberId(ctx)) });
    },
  });
  r.add({
    method: "post", path: "/me/joinable-teams/:teamId/join", tag: "me", summary: "Join one of the teams offered at sign-up (as team member)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const team = await joinTeamAtSignup(ctx.store.db, ctx.orgId, memberId(ctx), String(req.params.teamId), ctx.actor);
      res.json({ team, role: "member" });
    },
  });
  r.add({
    method: "post", path: "/invites/accept", tag: "invites", summary: "Accept an invite as the signed-in user (joins the invite's org through the provisioning decision)",
    body: z.strictObject({ token: text(512).min(1).describe("the token of the invite link") }),
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      const id = memberId(ctx);
      const token = body.token;
      const db = ctx.store.db;
      const invite = await findInviteByToken(db, token);
      const me = await db.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").select(["u.id", "u.email", "u.email_verified"])
        .where("m.id", "=", id).executeTakeFirstOrThrow();
      const out = await arrive(db, {
        door: "invite", orgId: invite.org_id, userId: me.id, inviteToken: token, email: me.email, emailVerified: me.email_verified === 1,
      }, ctx.actor);
      // The arrival refused: a rule of the org, translated like at every other door (src/http/problems.ts).
      if (!out.ok) throw refused(out.reason);
      res.json({ decision: out.decision, orgId: invite.org_id, memberId: out.memberId });
    },
  });
  registerOwnKeys(r);
}
