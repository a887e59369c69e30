/**
 * Admin API: teams and team membership. Org admins do everything; team admins,
 * holders of a custom role with team:manage-members / team:manage-settings in
 * that team, and the team's own service accounts manage it; everyone else in
 * the org reads. The access policy (src/org/access) decides.
 */
import { deleteTeam, createTeam } from "../org/teams.ts";
import { getTeamView, listTeamMembers, mustTeam, listTeams, removeTeamMember, setTeamMemberRole, updateTeamSettings } from "../org/team-admin.ts";
import { membershipTarget } from "../org/access/targets.ts";
import { can, ensureCan } from "../org/access/can.ts";
import { adminCtx } from "./context.ts";
import { badInput } from "./errors.ts";
import { body, optBool, optString, reqString } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

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
    body: { type: "object", required: ["name"], properties: { name: { type: "string" }, storageType: { type: "string" }, membersCanInvite: { type: "boolean" }, domainMatching: { type: "boolean" } } },
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "team:create");
      const b = body(req, ["name", "storageType", "membersCanInvite", "domainMatching"]);
      const storageType = optString(b, "storageType");
      if (storageType !== undefined && !/^[a-z0-9][a-z0-9:/._-]{0,200}$/i.test(storageType)) throw badInput(`"storageType" must be "default" or a storage identifier (letters, digits, : / . _ -)`);
      const team = await createTeam(ctx.store.db, ctx.orgId, {
        displayName: reqString(b, "name").trim(), externalId: null, storageType,
        membersCanInvite: optBool(b, "membersCanInvite"), domainMatching: optBool(b, "domainMatching"),
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
    method: "patch", path: "/teams/:teamId", tag: "teams", summary: "Rename a team or change its settings (org admins, team admins)",
    body: { type: "object", properties: { name: { type: "string" }, membersCanInvite: { type: "boolean" }, domainMatching: { type: "boolean" } }, additionalProperties: false },
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const teamId = param(req.params.teamId);
      await getTeamView(ctx.store.db, ctx.orgId, teamId); // 404 before 403 for an unknown team
      ensureCan(ctx.principal, "team:manage-settings", { teamId });
      const b = body(req, ["name", "membersCanInvite", "domainMatching", "storageType"]);
      if (b.storageType !== undefined) throw badInput(`"storageType" is fixed when the team is created`);
      const name = optString(b, "name");
      if (name !== undefined && !name.trim()) throw badInput(`"name" must not be empty`);
      res.json(await updateTeamSettings(ctx.store.db, ctx.orgId, teamId, {
        name: name?.trim(), membersCanInvite: optBool(b, "membersCanInvite"), domainMatching: optBool(b, "domainMatching"),
      }, ctx.actor));
    },
  });
  r.add({
    method: "delete", path: "/teams/:teamId", tag: "teams", summary: "Delete a team (org admins)", status: 204,
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "team:delete");
      await mustTeam(ctx.store.db, ctx.orgId, param(req.params.teamId));
      await deleteTeam(ctx.store.db, ctx.orgId, param(req.params.teamId), ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "get", path: "/teams/:teamId/members", tag: "teams", summary: "A team's members and their team roles",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "team:read", { teamId: param(req.params.teamId) });
      res.json({ members: await listTeamMembers(ctx.store.db, ctx.orgId, param(req.params.teamId)) });
    },
  });
  r.add({
    method: "put", path: "/teams/:teamId/members/:memberId", tag: "teams", summary: "Add a member to a team or change their team role (org admins, team admins)",
    body: { type: "object", required: ["role"], properties: { role: { type: "string", description: "admin, member, view-only or a custom role's name" } } },
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      const teamId = param(req.params.teamId);
      await getTeamView(ctx.store.db, ctx.orgId, teamId);
      const role = reqString(body(req, ["role"]), "role");
      ensureCan(ctx.principal, "team:manage-members", await membershipTarget(ctx.store.db, ctx.orgId, teamId, param(req.params.memberId), role));
      const { added, member } = await setTeamMemberRole(ctx.store.db, ctx.orgId, teamId, param(req.params.memberId), role, ctx.actor);
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
