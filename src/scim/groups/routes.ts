/** /Groups: teams of the key's org. Every query is scoped by org_id; the writes are in operations.ts. */
import { Router } from "express";
import type { Team } from "../../../db/types.ts";
import { getTeam } from "../../org/teams/teams.ts";
import { ctxOf, sendJson } from "../context.ts";
import { GROUP_ATTRIBUTES } from "../filter/compile.ts";
import { sendResult, viewOf } from "../operation.ts";
import { wants } from "../projection.ts";
import { GROUP_SHAPE } from "../schemas.ts";
import { etagOf, notModified } from "../versioning.ts";
import { createGroupOp, deleteGroupOp, membersOf, patchGroupOp, renderGroup, replaceGroupOp } from "./operations.ts";
import { toScimGroup } from "./resource.ts";
import { mountListRoutes, type ResourceList } from "../list-resources.ts";

export const GROUP_LIST: ResourceList<Team> = {
  name: "Groups",
  attributes: GROUP_ATTRIBUTES,
  shape: GROUP_SHAPE,
  async render(ctx, rows, params) {
    // A group read stays cheap however big the group is when members are not asked for.
    const withMembers = wants("members", params.attributes, params.excludedAttributes, GROUP_SHAPE);
    const members = withMembers ? await membersOf(ctx.store.db, rows.map((t) => t.id)) : null;
    return rows.map((t) => toScimGroup(t, members?.get(t.id) ?? null, ctx.baseUrl));
  },
};

export function groupsRouter(): Router {
  const r = Router();

  mountListRoutes(r, GROUP_LIST);

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
