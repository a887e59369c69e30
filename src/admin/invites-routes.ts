/**
 * Admin API: invites. Org admins invite anyone with any role; team managers (and
 * members of teams that let members invite) invite Members and Viewers into
 * their teams, and see, resend and revoke only those invites (never one that
 * makes someone an org admin). The access policy (src/org/access) decides.
 * The link is mailed (or logged without SMTP_URL) and never stored.
 */
import type { Request } from "express";
import { mailerFor, type Delivery } from "../mail/mailer.ts";
import { createInvite, getInvite, INVITE_STATUSES, listInvites, resendInvite, revokeInvite, toInviteView, type InviteStatus, type IssuedInvite } from "../org/invites.ts";
import { can, ensureCan } from "../org/access/can.ts";
import { teamTargets } from "../org/access/targets.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { badInput } from "./errors.ts";
import { body, optNullableString, optString, optStringArray, queryString } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

function baseUrl(req: Request, ctx: AdminContext): string {
  return ctx.config.baseUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
}

/** The accept link: the sign-in flow reads the token from it. */
export const inviteLink = (base: string, token: string): string => `${base}/invites/accept?token=${encodeURIComponent(token)}`;

async function deliver(req: Request, ctx: AdminContext, issued: IssuedInvite): Promise<Delivery> {
  const org = await ctx.store.db.selectFrom("orgs").select("name").where("id", "=", ctx.orgId).executeTakeFirstOrThrow();
  const link = inviteLink(baseUrl(req, ctx), issued.token);
  const mailer = mailerFor(ctx.config);
  if (!issued.to) {
    console.log(`[mail] no e-mail address is known for invite ${issued.invite.id}; its link: ${link}`);
    return { sent: false, via: "log" };
  }
  return mailer.send({
    to: issued.to,
    subject: `You are invited to join ${org.name}`,
    text: [
      `You have been invited to join the organization "${org.name}" as ${issued.invite.orgRole}.`,
      "",
      `Accept the invitation: ${link}`,
      "",
      `The link works until ${issued.invite.expiresAt}.`,
    ].join("\n"),
  });
}

/** An invite as the access policy sees it. */
const inviteTarget = (i: { orgRole: string; teamIds: string[] }) => ({ orgRole: i.orgRole, teams: i.teamIds.map((teamId) => ({ teamId })) });

export function register(r: RouteRegistry): void {
  r.add({
    method: "post", path: "/invites", tag: "invites", status: 201, summary: "Invite a person by e-mail or user name, with an org role and teams",
    body: {
      type: "object",
      properties: { email: { type: "string" }, userName: { type: "string" }, orgRole: { enum: ["admin", "member", "viewer"] }, teamIds: { type: "array", items: { type: "string" } } },
    },
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const b = body(req, ["email", "userName", "orgRole", "teamIds"]);
      const input = { email: optNullableString(b, "email"), userName: optNullableString(b, "userName"), orgRole: optString(b, "orgRole") ?? "member", teamIds: optStringArray(b, "teamIds") ?? [] };
      ensureCan(ctx.principal, "invite:create", { orgRole: input.orgRole, teams: await teamTargets(ctx.store.db, ctx.orgId, input.teamIds) });
      const issued = await createInvite(ctx.store.db, ctx.orgId, input, { ttlHours: ctx.config.inviteTtlHours }, ctx.actor);
      res.status(201).json({ ...issued.invite, delivery: await deliver(req, ctx, issued) });
    },
  });
  r.add({
    method: "get", path: "/invites", tag: "invites", summary: "Invites (status pending, accepted, revoked or expired; ?status= to filter)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "invites:list");
      const status = queryString(req, "status");
      if (status !== undefined && !INVITE_STATUSES.includes(status as InviteStatus)) throw badInput(`"status" must be one of ${INVITE_STATUSES.join(", ")}`);
      const all = await listInvites(ctx.store.db, ctx.orgId, status as InviteStatus | undefined);
      res.json({ invites: all.filter((i) => can(ctx.principal, "invite:read", inviteTarget(i)).allowed) });
    },
  });
  r.add({
    method: "post", path: "/invites/:inviteId/resend", tag: "invites", summary: "Send the invite again with a new link (the old link stops working)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const invite = toInviteView(await getInvite(ctx.store.db, ctx.orgId, String(req.params.inviteId)));
      ensureCan(ctx.principal, "invite:manage", inviteTarget(invite));
      const issued = await resendInvite(ctx.store.db, ctx.orgId, invite.id, { ttlHours: ctx.config.inviteTtlHours }, ctx.actor);
      res.json({ ...issued.invite, delivery: await deliver(req, ctx, issued) });
    },
  });
  r.add({
    method: "delete", path: "/invites/:inviteId", tag: "invites", summary: "Revoke an invite",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const invite = toInviteView(await getInvite(ctx.store.db, ctx.orgId, String(req.params.inviteId)));
      ensureCan(ctx.principal, "invite:manage", inviteTarget(invite));
      res.json(await revokeInvite(ctx.store.db, ctx.orgId, invite.id, ctx.actor));
    },
  });
}
