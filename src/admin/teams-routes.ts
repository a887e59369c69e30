/**
 * Admin API: teams and team membership. Org admins do everything; team admins,
 * holders of a custom role with team:manage-members / team:manage-settings in
 * that team, and the team's own service accounts manage it; everyone else in
 * the org reads. The access policy (src/org/access) decides.
 */
import { deleteTeam, createTeam } from "../org/teams/teams.ts";
import { teamRoster } from "../org/teams/roster.ts";
import { getTeamView, mustTeam, listTeams, removeTeamMember, setTeamMemberRole, updateTeamSettings } from "../org/teams/team-admin.ts";
import { membershipTarget } from "../org/access/targets.ts";
import { can, ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { z } from "zod";
import { bool, name, queryInt, refused, text } from "./input.ts";
import { BOUNDS } from "../org/bounds.ts";
import type { RouteRegistry } from "./openapi.ts";

const NewTeam = z.strictObject({
  name: name(),
  storageType: text(200).regex(/^[a-z0-9][a-z0-9:/._-]{0,200}$/i).optional().describe('"default" or a storage identifier (letters, digits, : / . _ -)'),
  membersCanInvite: bool().optional(), domainMatching: bool().optional(),
});
const TeamChange = z.strictObject({
  name: name().optional(), membersCanInvite: bool().optional(), domainMatching: bool().optional(),
  storageType: refused("The storage is fixed when the team is created."),
});
const RosterQuery = z.strictObject({
  q: text(BOUNDS.identifierChars).optional().describe("part of userName, display name or e-mail (case-insensitive)"),
  limit: queryInt(1, 500).default(100),
  offset: queryInt(0, Number.MAX_SAFE_INTEGER).default(0),
});
const TeamRole = z.strictObject({ role: name().describe("admin, member, view-only or a custom role's name") });

const param = (v: unknown): string => String(v);

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/teams", tag: "teams", summary: "List teams",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      const teams = await listTeams(ctx.store.db, ctx.orgId, ctx.principal.teamId ?? undefined);
      res.json({ teams: teams.filter((t) => can(ctx.principal, "team:read", { teamId: t.id }).allowed) });
    },
  });
  r.add({
    method: "post", path: "/teams", tag: "teams", summary: "Create a team (org admins)", status: 201,
    body: NewTeam,
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "team:create");
      const team = await createTeam(ctx.store.db, ctx.orgId, {
        displayName: body.name, externalId: null, storageType: body.storageType,
        membersCanInvite: body.membersCanInvite, domainMatching: body.domainMatching,
      }, [], ctx.actor);
      res.status(201).json(await getTeamView(ctx.store.db, ctx.orgId, team.id));
    },
  });
  r.add({
    method: "get", path: "/teams/:teamId", tag: "teams", summary: "One team",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "team:read", { teamId: param(req.params.teamId) });
      res.json(await getTeamView(ctx.store.db, ctx.orgId, param(req.params.teamId)));
    },
  });
  r.add({
    method: "patch", path: "/teams/:teamId", tag: "teams", summary: "Rename a team or change its settings (org admins, team admins); a team a directory connection manages is renamed there (409)",
    body: TeamChange,
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      const teamId = param(req.params.teamId);
      await getTeamView(ctx.store.db, ctx.orgId, teamId); // 404 before 403 for an unknown team
      ensureCan(ctx.principal, "team:manage-settings", { teamId });
      res.json(await updateTeamSettings(ctx.store.db, ctx.orgId, teamId, {
        name: body.name, membersCanInvite: body.membersCanInvite, domainMatching: body.domainMatching,
      }, ctx.actor));
    },
  });
  r.add({
    method: "delete", path: "/teams/:teamId", tag: "teams", summary: "Delete a team (org admins); a team a directory connection manages is deleted there (409)", status: 204,
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "team:delete");
      await mustTeam(ctx.store.db, ctx.orgId, param(req.params.teamId));
      await deleteTeam(ctx.store.db, ctx.orgId, param(req.params.teamId), ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "get", path: "/teams/:teamId/members", tag: "teams",
    summary: "A team's members and their team roles, by user name (paged: offset, limit ≤ 500, default 100; q = part of userName, display name or e-mail): { members, total, offset, limit }",
    query: RosterQuery,
    handler: async (req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "team:read", { teamId: param(req.params.teamId) });
      res.json(await teamRoster(ctx.store.db, ctx.orgId, param(req.params.teamId), query));
    },
  });
  r.add({
    method: "put", path: "/teams/:teamId/members/:memberId", tag: "teams", summary: "Add a member to a team or change their team role (org admins, team admins)",
    body: TeamRole,
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      const teamId = param(req.params.teamId);
      await getTeamView(ctx.store.db, ctx.orgId, teamId);
      ensureCan(ctx.principal, "team:manage-members", await membershipTarget(ctx.store.db, ctx.orgId, teamId, param(req.params.memberId), body.role));
      const { added, member } = await setTeamMemberRole(ctx.store.db, ctx.orgId, teamId, param(req.params.memberId), body.role, ctx.actor);
      res.status(added ? 201 : 200).json(member);
    },
  });
  r.add({
    method: "delete", path: "/teams/:teamId/members/:memberId", tag: "teams", summary: "Remove a member from a team (org admins, team admins); what they created stays", status: 204,
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const teamId = param(req.params.teamId);
      await getTeamView(ctx.store.db, ctx.orgId, teamId);
      ensureCan(ctx.principal, "team:manage-members", await membershipTarget(ctx.store.db, ctx.orgId, teamId, param(req.params.memberId)));
      await removeTeamMember(ctx.store.db, ctx.orgId, teamId, param(req.params.memberId), ctx.actor);
      res.status(204).end();
    },
  });
}
