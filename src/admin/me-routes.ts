/**
 * Admin API: me — the signed-in member (session or their own API key): who
 * they are, their org and teams, the session's CSRF token; the teams offered
 * at sign-up (src/org/teams/joinable-teams.ts); accepting an invite while signed in
 * (through the provisioning decision, door "invite").
 */
import { findInviteByToken } from "../org/invites/invites.ts";
import { joinableTeams, joinTeamAtSignup } from "../org/teams/joinable-teams.ts";
import { arrive } from "../org/arrival/arrive.ts";
import { signedInMember, teamRoleName } from "../org/members/member-view.ts";
import { getOrg } from "../org/members/member-roles.ts";
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
        const { id, name, slug, plan } = await getOrg(db, ctx.orgId);
        res.json({ member: null, operator: true, org: { id, name, slug }, teams: [], allowed: allowedOrgActions(ctx.principal), unavailable: unavailableOptions({ plan }, ctx.config), authenticatedBy: ctx.via ?? "key", csrfToken: ctx.via === "session" ? csrfToken(req) : null });
        return;
      }
      const m = await signedInMember(db, ctx.orgId, memberId(ctx));
      res.json({
        member: {
          id: m.id, userId: m.userId, userName: m.userName, displayName: m.displayName, email: m.email, emailVerified: m.emailVerified,
          orgRole: m.orgRole, modelsSeat: m.modelsSeat, weaveRole: m.weaveRole, active: m.active,
        },
        org: m.org,
        teams: m.teams.map((t) => ({ id: t.id, name: t.name, role: teamRoleName(t) })),
        allowed: allowedOrgActions(ctx.principal),
        // What the plan or the server's configuration does not allow, with the reason (shown before submit).
        unavailable: unavailableOptions(await getOrg(db, ctx.orgId), ctx.config),
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
      const me = await signedInMember(db, ctx.orgId, id);
      const out = await arrive(db, {
        door: "invite", orgId: invite.org_id, userId: me.userId, inviteToken: token, email: me.email, emailVerified: me.emailVerified,
      }, ctx.actor);
      // The arrival refused: a rule of the org, translated like at every other door (src/http/problems.ts).
      if (!out.ok) throw refused(out.reason);
      res.json({ decision: out.decision, orgId: invite.org_id, memberId: out.memberId });
    },
  });
  registerOwnKeys(r);
}
