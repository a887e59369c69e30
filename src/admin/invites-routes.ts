/**
 * Admin API: invites. Org admins invite anyone with any role; team managers (and
 * members of teams that let members invite) invite Members and Viewers into
 * their teams, and see, resend and revoke only those invites (never one that
 * makes someone an org admin). The access policy (src/org/access) decides.
 * The link is mailed (or logged without SMTP_URL) and never stored; when it was not
 * mailed (no SMTP, no address known, the mail server refused) the answer carries it
 * as `delivery.link`, once, so the admin can hand it over (the console shows it copyable).
 */
import type { Request } from "express";
import { publicBaseUrl } from "../http/public-address.ts";
import { mailerFor, type Delivery } from "../mail/mailer.ts";
import { createInvite, getInvite, INVITE_STATUSES, listInvites, resendInvite, revokeInvite, toInviteView, type InviteStatus, type IssuedInvite } from "../org/invites/invites.ts";
import { can, ensureCan } from "../org/access/can.ts";
import { ensureCanInvite } from "../org/access/invites.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { z } from "zod";
import { getOrg, ORG_ROLES, SEAT_TYPES } from "../org/members/member-roles.ts";
import { BOUNDS } from "../org/bounds.ts";
import { choice, email, id, list, name } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const NewInvite = z.strictObject({
  email: email().nullable().optional().describe("give exactly one of email and userName"),
  userName: id().nullable().optional(),
  orgRole: choice(ORG_ROLES).default("member"),
  teamIds: list(id()).default([]).describe("teams joined as team member"),
  teamRoles: list(z.strictObject({ teamId: id(), role: name(BOUNDS.identifierChars).describe("admin, member, view-only or a custom role's name") })).default([]),
  modelsSeat: choice(SEAT_TYPES).nullable().optional().describe("default: by org role"),
  weaveRole: choice(SEAT_TYPES).nullable().optional().describe("default: by org role"),
});
const InviteQuery = z.strictObject({ status: choice(INVITE_STATUSES as [InviteStatus, ...InviteStatus[]]).optional() });

function baseUrl(req: Request, ctx: AdminContext): string {
  return publicBaseUrl(req, ctx.config);
}

/** The accept link: the sign-in flow reads the token from it. */
export const inviteLink = (base: string, token: string): string => `${base}/invites/accept?token=${encodeURIComponent(token)}`;

async function deliver(req: Request, ctx: AdminContext, issued: IssuedInvite): Promise<Delivery & { link?: string }> {
  const delivery = await mail(req, ctx, issued);
  return delivery.sent ? delivery : { ...delivery, link: inviteLink(baseUrl(req, ctx), issued.token) };
}

async function mail(req: Request, ctx: AdminContext, issued: IssuedInvite): Promise<Delivery> {
  const org = await getOrg(ctx.store.db, ctx.orgId);
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
      "You can sign in with the organization's single sign-on, or ask for a one-time sign-in link to this address on the invitation's page.",
      "",
      `The link works until ${issued.invite.expiresAt}.`,
    ].join("\n"),
  });
}

/** An invite as the access policy sees it. */
const inviteTarget = (i: { orgRole: string; teamIds: string[] }) => ({ orgRole: i.orgRole, teams: i.teamIds.map((teamId) => ({ teamId })) });

export function register(r: RouteRegistry): void {
  r.add({
    method: "post", path: "/invites", tag: "invites", status: 201, summary: "Invite a person by e-mail or user name, with an org role, team roles and seats",
    body: NewInvite,
    handler: async (req, res, { body: input }) => {
      const ctx = adminCtx(res);
      await ensureCanInvite(ctx.store.db, ctx.principal, ctx.orgId, input);
      const issued = await createInvite(ctx.store.db, ctx.orgId, input, { ttlHours: ctx.config.inviteTtlHours }, ctx.actor);
      res.status(201).json({ ...issued.invite, delivery: await deliver(req, ctx, issued) });
    },
  });
  r.add({
    method: "get", path: "/invites", tag: "invites", summary: "Invites (status pending, accepted, revoked or expired; ?status= to filter)",
    query: InviteQuery,
    handler: async (_req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "invites:list");
      const all = await listInvites(ctx.store.db, ctx.orgId, query.status);
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
