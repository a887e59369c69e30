/** /Users: members of the key's org. Every query is scoped by org_id; the writes are in operations.ts. */
import { Router } from "express";
import type { Member } from "../../../db/types.ts";
import { getMember } from "../../org/members/members.ts";
import { ctxOf, sendJson } from "../context.ts";
import { USER_ATTRIBUTES } from "../filter/compile.ts";
import { sendResult, viewOf } from "../operation.ts";
import { USER_SHAPE } from "../schemas.ts";
import { etagOf, notModified } from "../versioning.ts";
import { createUserOp, deleteUserOp, patchUserOp, renderUser, replaceUserOp } from "./operations.ts";
import { teamsOfMembers } from "../../org/members/member-view.ts";
import { toScimUser } from "./resource.ts";
import { mountListRoutes, type ResourceList } from "../list-resources.ts";

export const USER_LIST: ResourceList<Member> = {
  name: "Users",
  attributes: USER_ATTRIBUTES,
  shape: USER_SHAPE,
  async render(ctx, rows) {
    const groups = await teamsOfMembers(ctx.store.db, rows.map((m) => m.id));
    return rows.map((m) => toScimUser(m, groups.get(m.id) ?? [], ctx.baseUrl));
  },
};

export function usersRouter(): Router {
  const r = Router();

  mountListRoutes(r, USER_LIST);

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
