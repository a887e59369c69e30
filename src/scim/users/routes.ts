/** /Users: members of the key's org. Every query is scoped by org_id. */
import { Router, type Request, type Response } from "express";
import type { Kysely } from "kysely";
import type { Database, Member } from "../../../db/types.ts";
import { createMember, deleteMember, getMember, replaceMember, updateMember } from "../../org/members.ts";
import { normalizeUserBody, wandbPatchOperations, wandbTopLevel } from "../dialects.ts";
import { unwrap } from "../errors.ts";
import { ctxOf, sendJson, type ScimContext } from "../context.ts";
import { compileFilter, sortExpression, USER_ATTRIBUTES } from "../filter/compile.ts";
import { parseFilter } from "../filter/parse.ts";
import { scopeOf } from "../cursor.ts";
import { runList } from "../list.ts";
import { parseListParams, type ListParams } from "../list-params.ts";
import { listResponse } from "../list-response.ts";
import { applyPatch, USER_PATCH_SCHEMA } from "../patch/apply.ts";
import { readPatchOperations } from "../patch/request.ts";
import { project } from "../projection.ts";
import { USER_SHAPE } from "../schemas.ts";
import { validateResource } from "../validate.ts";
import { etagOf, expectedRevision, notModified } from "../versioning.ts";
import { toMemberInput, toPatchable, toScimUser, type GroupRef } from "./resource.ts";

async function groupsOf(db: Kysely<Database>, memberIds: string[]): Promise<Map<string, GroupRef[]>> {
  const out = new Map<string, GroupRef[]>();
  if (!memberIds.length) return out;
  const rows = await db.selectFrom("team_members as tm")
    .innerJoin("teams as t", "t.id", "tm.team_id")
    .leftJoin("custom_roles as r", "r.id", "tm.custom_role_id")
    .select(["tm.member_id", "t.id", "t.display_name", "tm.role", "r.name as custom_role"])
    .where("tm.member_id", "in", memberIds)
    .orderBy("t.name_key")
    .execute();
  for (const r of rows) {
    const list = out.get(r.member_id) ?? [];
    list.push({ id: r.id, displayName: r.display_name, role: r.role, customRoleName: r.custom_role });
    out.set(r.member_id, list);
  }
  return out;
}

async function render(ctx: ScimContext, m: Member): Promise<Record<string, any>> {
  const groups = await groupsOf(ctx.store.db, [m.id]);
  return toScimUser(m, groups.get(m.id) ?? [], ctx.baseUrl);
}

function sendUser(req: Request, res: Response, status: number, user: Record<string, any>, revision: number, extra: Record<string, string> = {}): void {
  const params = parseListParams(req.query as Record<string, unknown>, Infinity);
  sendJson(res, status, project(user, params.attributes, params.excludedAttributes, USER_SHAPE), { ETag: etagOf(revision), ...extra });
}

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

/** Patches in memory (one user is small) inside the update's transaction, on the locked row. */
async function patchUser(ctx: ScimContext, req: Request, id: string): Promise<Member> {
  const operations = wandbPatchOperations(readPatchOperations(req.body));
  const current = await getMember(ctx.store.db, ctx.orgId, id);
  const groups = (await groupsOf(ctx.store.db, [id])).get(id) ?? [];
  return updateMember(ctx.store.db, ctx.orgId, id, (locked) => {
    const patched = unwrap(applyPatch(toPatchable(locked, groups), operations, USER_PATCH_SCHEMA));
    return toMemberInput(validateResource(normalizeUserBody(patched), USER_SHAPE));
  }, ctx.actor, expectedRevision(req, current.revision));
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
    const m = await getMember(ctx.store.db, ctx.orgId, req.params.id);
    if (notModified(req, m.revision)) { res.status(304).set("ETag", etagOf(m.revision)).end(); return; }
    sendUser(req, res, 200, await render(ctx, m), m.revision);
  });

  r.post("/", async (req, res) => {
    const ctx = ctxOf(res);
    const input = toMemberInput(validateResource(normalizeUserBody(wandbTopLevel(req.body)), USER_SHAPE));
    const { member } = await createMember(ctx.store.db, ctx.orgId, input, ctx.actor);
    const user = await render(ctx, member);
    sendUser(req, res, 201, user, member.revision, { Location: user.meta.location });
  });

  r.put("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const input = toMemberInput(validateResource(normalizeUserBody(wandbTopLevel(req.body)), USER_SHAPE));
    const current = await getMember(ctx.store.db, ctx.orgId, req.params.id);
    const m = await replaceMember(ctx.store.db, ctx.orgId, current.id, input, ctx.actor, expectedRevision(req, current.revision));
    sendUser(req, res, 200, await render(ctx, m), m.revision);
  });

  r.patch("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const m = await patchUser(ctx, req, req.params.id);
    sendUser(req, res, 200, await render(ctx, m), m.revision);
  });

  r.delete("/:id", async (req, res) => {
    const ctx = ctxOf(res);
    const current = await getMember(ctx.store.db, ctx.orgId, req.params.id);
    await deleteMember(ctx.store.db, ctx.orgId, current.id, ctx.actor, expectedRevision(req, current.revision));
    res.status(204).end();
  });

  return r;
}
