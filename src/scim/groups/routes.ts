/** /Groups: teams of the key's org. Member changes are SQL deltas (see src/org/teams.ts). */
import { Router, type Request, type Response } from "express";
import type { Kysely } from "kysely";
import type { Database, Team } from "../../../db/types.ts";
import { createTeam, deleteTeam, getTeam, updateTeam, type MemberOp } from "../../org/teams.ts";
import { ctxOf, sendJson, type ScimContext } from "../context.ts";
import { scopeOf } from "../cursor.ts";
import { unwrap } from "../errors.ts";
import { compileFilter, GROUP_ATTRIBUTES, sortExpression } from "../filter/compile.ts";
import { parseFilter } from "../filter/parse.ts";
import { runList } from "../list.ts";
import { parseListParams, type ListParams } from "../list-params.ts";
import { listResponse } from "../list-response.ts";
import { applyPatch, GROUP_PATCH_SCHEMA } from "../patch/apply.ts";
import { splitGroupPatch } from "../patch/members.ts";
import { readPatchOperations } from "../patch/request.ts";
import { project, wants } from "../projection.ts";
import { GROUP_SHAPE } from "../schemas.ts";
import { validateResource } from "../validate.ts";
import { etagOf, expectedRevision, notModified } from "../versioning.ts";
import { memberIdsOf, toPatchable, toScimGroup, toTeamInput, type MemberRef } from "./resource.ts";

async function membersOf(db: Kysely<Database>, teamIds: string[]): Promise<Map<string, MemberRef[]>> {
  const out = new Map<string, MemberRef[]>(teamIds.map((id) => [id, []]));
  if (!teamIds.length) return out;
  const rows = await db.selectFrom("team_members as tm")
    .innerJoin("members as m", "m.id", "tm.member_id")
    .select(["tm.team_id", "m.id", "m.user_name", "m.display_name"])
    .where("tm.team_id", "in", teamIds)
    .orderBy("tm.team_id").orderBy("m.id")
    .execute();
  for (const r of rows) out.get(r.team_id)!.push({ id: r.id, display: r.display_name ?? r.user_name });
  return out;
}

function readParams(req: Request) {
  return parseListParams(req.query as Record<string, unknown>, Infinity);
}

async function render(ctx: ScimContext, req: Request, t: Team): Promise<Record<string, any>> {
  const p = readParams(req);
  const withMembers = wants("members", p.attributes, p.excludedAttributes, GROUP_SHAPE);
  const members = withMembers ? (await membersOf(ctx.store.db, [t.id])).get(t.id)! : null;
  return project(toScimGroup(t, members, ctx.baseUrl), p.attributes, p.excludedAttributes, GROUP_SHAPE);
}

function send(res: Response, status: number, group: Record<string, any>, revision: number, extra: Record<string, string> = {}): void {
  sendJson(res, status, group, { ETag: etagOf(revision), ...extra });
}

export async function listGroups(ctx: ScimContext, params: ListParams): Promise<Record<string, unknown>> {
  let base = ctx.store.db.selectFrom("teams as t").selectAll("t").where("t.org_id", "=", ctx.orgId);
  if (params.filter !== undefined) base = base.where(unwrap(compileFilter(unwrap(parseFilter(params.filter)), GROUP_ATTRIBUTES, ctx.orgId)));
  const sortKey = params.sortBy ? unwrap(sortExpression(params.sortBy, GROUP_ATTRIBUTES)) : null;
  const page = await runList<Team>({
    base, idColumn: "t.id", sortKey, params,
    scope: scopeOf(["Groups", ctx.orgId, params.filter ?? "", params.sortBy ?? "", params.descending]),
    cursorTtlSeconds: ctx.config.cursorTtlSeconds, cursorSecret: ctx.config.cursorSecret,
  });
  const withMembers = wants("members", params.attributes, params.excludedAttributes, GROUP_SHAPE);
  const members = withMembers ? await membersOf(ctx.store.db, page.rows.map((t) => t.id)) : null;
  const resources = page.rows.map((t) =>
    project(toScimGroup(t, members?.get(t.id) ?? null, ctx.baseUrl), params.attributes, params.excludedAttributes, GROUP_SHAPE));
  return listResponse(page, resources);
}

export function groupsRouter(): Router {
  const r = Router();

  r.get("/", async (req, res) => {
    const ctx = ctxOf(res);
    sendJson(res, 200, await listGroups(ctx, parseListParams(req.query as Record<string, unknown>, ctx.config.maxPageSize)));
  });

  r.post("/.search", async (req, res) => {
    const ctx = ctxOf(res);
    sendJson(res, 200, await listGroups(ctx, parseListParams((req.body ?? {}) as Record<string, unknown>, ctx.config.maxPageSize)));
  });

  r.get("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const t = await getTeam(ctx.store.db, ctx.orgId, req.params.id);
    if (notModified(req, t.revision)) { res.status(304).set("ETag", etagOf(t.revision)).end(); return; }
    send(res, 200, await render(ctx, req, t), t.revision);
  });

  r.post("/", async (req, res) => {
    const ctx = ctxOf(res);
    const body = validateResource(req.body, GROUP_SHAPE);
    const t = await createTeam(ctx.store.db, ctx.orgId, toTeamInput(body), memberIdsOf(body.members), ctx.actor);
    const group = await render(ctx, req, t);
    send(res, 201, group, t.revision, { Location: `${ctx.baseUrl}/Groups/${t.id}` });
  });

  // PUT replaces the group's attributes; members are replaced when the body has
  // a "members" attribute and kept when it has none (a rename must not empty a team).
  r.put("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const body = validateResource(req.body, GROUP_SHAPE);
    const current = await getTeam(ctx.store.db, ctx.orgId, req.params.id);
    const memberOps: MemberOp[] = body.members !== undefined ? [{ kind: "replace", ids: memberIdsOf(body.members) }] : [];
    const t = await updateTeam(ctx.store.db, ctx.orgId, current.id, {
      fields: () => toTeamInput(body), memberOps, expectedRevision: expectedRevision(req, current.revision), action: "team.replace",
    }, ctx.actor);
    send(res, 200, await render(ctx, req, t), t.revision);
  });

  r.patch("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const { memberOps, otherOps } = unwrap(splitGroupPatch(readPatchOperations(req.body)));
    const current = await getTeam(ctx.store.db, ctx.orgId, req.params.id);
    const t = await updateTeam(ctx.store.db, ctx.orgId, current.id, {
      fields: (fresh) => {
        if (!otherOps.length) return null;
        const patched = unwrap(applyPatch(toPatchable(fresh), otherOps, GROUP_PATCH_SCHEMA));
        return toTeamInput(validateResource(patched, GROUP_SHAPE));
      },
      memberOps,
      expectedRevision: expectedRevision(req, current.revision),
      action: "team.patch",
    }, ctx.actor);
    const p = readParams(req);
    if (p.attributes || p.excludedAttributes) send(res, 200, await render(ctx, req, t), t.revision);
    else res.status(204).set("ETag", etagOf(t.revision)).end();
  });

  r.delete("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const current = await getTeam(ctx.store.db, ctx.orgId, req.params.id);
    await deleteTeam(ctx.store.db, ctx.orgId, current.id, ctx.actor, expectedRevision(req, current.revision));
    res.status(204).end();
  });

  return r;
}
