/** /Groups: teams of the key's org. Every query is scoped by org_id; the writes are in operations.ts. */
import { Router } from "express";
import type { Team } from "../../../db/types.ts";
import { getTeam } from "../../org/teams.ts";
import { ctxOf, sendJson, type ScimContext } from "../context.ts";
import { scopeOf } from "../cursor.ts";
import { unwrap } from "../errors.ts";
import { compileFilter, GROUP_ATTRIBUTES, sortExpression } from "../filter/compile.ts";
import { parseFilter } from "../filter/parse.ts";
import { runList } from "../list.ts";
import { parseListParams, type ListParams } from "../list-params.ts";
import { listResponse } from "../list-response.ts";
import { sendResult, viewOf } from "../operation.ts";
import { project, wants } from "../projection.ts";
import { GROUP_SHAPE } from "../schemas.ts";
import { etagOf, notModified } from "../versioning.ts";
import { createGroupOp, deleteGroupOp, membersOf, patchGroupOp, renderGroup, replaceGroupOp } from "./operations.ts";
import { toScimGroup } from "./resource.ts";

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
    const view = viewOf(req);
    const t = await getTeam(ctx.store.db, ctx.orgId, req.params.id);
    if (notModified(req, t.revision)) { res.status(304).set("ETag", etagOf(t.revision)).end(); return; }
    sendJson(res, 200, await renderGroup(ctx, t, view), { ETag: etagOf(t.revision) });
  });

  r.post("/", async (req, res) => {
    sendResult(res, await createGroupOp(ctxOf(res), req.body, { view: viewOf(req) }));
  });

  r.put("/:id", async (req, res) => {
    sendResult(res, await replaceGroupOp(ctxOf(res), req.params.id, req.body, { view: viewOf(req), ifMatch: req.get("if-match") }));
  });

  r.patch("/:id", async (req, res) => {
    sendResult(res, await patchGroupOp(ctxOf(res), req.params.id, req.body, { view: viewOf(req), ifMatch: req.get("if-match") }));
  });

  r.delete("/:id", async (req, res) => {
    sendResult(res, await deleteGroupOp(ctxOf(res), req.params.id, { ifMatch: req.get("if-match") }));
  });

  return r;
}
