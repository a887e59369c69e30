/** /Users: members of the key's org. Every query is scoped by org_id; the writes are in operations.ts. */
import { Router } from "express";
import type { Member } from "../../../db/types.ts";
import { getMember } from "../../org/members.ts";
import { unwrap } from "../errors.ts";
import { ctxOf, sendJson, type ScimContext } from "../context.ts";
import { compileFilter, sortExpression, USER_ATTRIBUTES } from "../filter/compile.ts";
import { parseFilter } from "../filter/parse.ts";
import { scopeOf } from "../cursor.ts";
import { runList } from "../list.ts";
import { parseListParams, type ListParams } from "../list-params.ts";
import { listResponse } from "../list-response.ts";
import { sendResult, viewOf } from "../operation.ts";
import { project } from "../projection.ts";
import { USER_SHAPE } from "../schemas.ts";
import { etagOf, notModified } from "../versioning.ts";
import { createUserOp, deleteUserOp, groupsOf, patchUserOp, renderUser, replaceUserOp } from "./operations.ts";
import { toScimUser } from "./resource.ts";

export async function listUsers(ctx: ScimContext, params: ListParams): Promise<Record<string, unknown>> {
  let base = ctx.store.db.selectFrom("members as m").selectAll("m").where("m.org_id", "=", ctx.orgId);
  if (params.filter !== undefined) {
    const where = unwrap(compileFilter(unwrap(parseFilter(params.filter)), USER_ATTRIBUTES, ctx.orgId));
    base = base.where(where);
  }
  const sortKey = params.sortBy ? unwrap(sortExpression(params.sortBy, USER_ATTRIBUTES)) : null;
  const page = await runList<Member>({
    base, idColumn: "m.id", sortKey, params,
    scope: scopeOf(["Users", ctx.orgId, params.filter ?? "", params.sortBy ?? "", params.descending]),
    cursorTtlSeconds: ctx.config.cursorTtlSeconds, cursorSecret: ctx.config.cursorSecret,
  });
  const groups = await groupsOf(ctx.store.db, page.rows.map((m) => m.id));
  const resources = page.rows.map((m) =>
    project(toScimUser(m, groups.get(m.id) ?? [], ctx.baseUrl), params.attributes, params.excludedAttributes, USER_SHAPE));
  return listResponse(page, resources);
}

export function usersRouter(): Router {
  const r = Router();

  r.get("/", async (req, res) => {
    const ctx = ctxOf(res);
    sendJson(res, 200, await listUsers(ctx, parseListParams(req.query as Record<string, unknown>, ctx.config.maxPageSize)));
  });

  r.post("/.search", async (req, res) => {
    const ctx = ctxOf(res);
    sendJson(res, 200, await listUsers(ctx, parseListParams((req.body ?? {}) as Record<string, unknown>, ctx.config.maxPageSize)));
  });

  r.get("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const view = viewOf(req);
    const m = await getMember(ctx.store.db, ctx.orgId, req.params.id);
    if (notModified(req, m.revision)) { res.status(304).set("ETag", etagOf(m.revision)).end(); return; }
    sendJson(res, 200, await renderUser(ctx, m, view), { ETag: etagOf(m.revision) });
  });

  r.post("/", async (req, res) => {
    sendResult(res, await createUserOp(ctxOf(res), req.body, { view: viewOf(req) }));
  });

  r.put("/:id", async (req, res) => {
    sendResult(res, await replaceUserOp(ctxOf(res), req.params.id, req.body, { view: viewOf(req), ifMatch: req.get("if-match") }));
  });

  r.patch("/:id", async (req, res) => {
    sendResult(res, await patchUserOp(ctxOf(res), req.params.id, req.body, { view: viewOf(req), ifMatch: req.get("if-match") }));
  });

  r.delete("/:id", async (req, res) => {
    sendResult(res, await deleteUserOp(ctxOf(res), req.params.id, { ifMatch: req.get("if-match") }));
  });

  return r;
}
