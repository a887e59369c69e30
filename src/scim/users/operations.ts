/**
 * The writes on /Users as plain functions (see ../operation.ts): the HTTP routes
 * and /Bulk call the same code. Every query is scoped by the context's org.
 */
import type { Member } from "../../../db/types.ts";
import { arrive, arrivedMember } from "../../org/arrival/arrive.ts";
import { deleteMember, replaceMember, updateMember } from "../../org/members/members.ts";
import { type MemberTeam, teamsOfMembers } from "../../org/members/member-view.ts";
import type { ScimContext } from "../context.ts";
import type { Json } from "../json.ts";
import { normalizeUserBody, wandbPatchOperations, wandbTeamsExtension, wandbTopLevel } from "../dialects.ts";
import { unwrap } from "../errors.ts";
import type { OpOptions, OpResult, View } from "../operation.ts";
import { applyPatch, USER_PATCH_SCHEMA } from "../patch/apply.ts";
import { readPatchOperations } from "../patch/request.ts";
import { project } from "../projection.ts";
import { URN, USER_SHAPE } from "../schemas.ts";
import { validateResource } from "../validate.ts";
import { etagOf, expectedRevisionOf } from "../versioning.ts";
import { toMemberInput, toPatchable, toScimUser } from "./resource.ts";

/** The member as a SCIM User, projected to `view`. */
export async function renderUser(ctx: ScimContext, m: Member, view: View = {}): Promise<Json> {
  const groups = await teamsOfMembers(ctx.store.db, [m.id]);
  return project(toScimUser(m, groups.get(m.id) ?? [], ctx.baseUrl), view.attributes, view.excludedAttributes, USER_SHAPE);
}

async function result(ctx: ScimContext, status: number, m: Member, view: View | null | undefined): Promise<OpResult> {
  const out: OpResult = { status, id: m.id, location: `${ctx.baseUrl}/Users/${m.id}`, etag: etagOf(m.revision) };
  if (view !== null) out.resource = await renderUser(ctx, m, view);
  return out;
}

const inputOf = (body: unknown) => toMemberInput(validateResource(normalizeUserBody(wandbTopLevel(body)), USER_SHAPE));

/** POST /Users → 201: the directory's arrival (a new member, or a dormant one re-assigned). */
export async function createUserOp(ctx: ScimContext, body: unknown, opts: OpOptions = {}): Promise<OpResult> {
  // W&B's teams extension is a create-time request (its teams join as member), read on POST only.
  const out = await arrive(ctx.store.db, { door: "scim", orgId: ctx.orgId, emailVerified: false, member: inputOf(wandbTeamsExtension(body)) }, ctx.actor);
  // The SCIM door throws its domain errors (409, 400) instead of refusing; an outcome is always ok.
  if (!out.ok) throw new Error(`the SCIM arrival was refused: ${out.reason}`);
  return result(ctx, 201, await arrivedMember(ctx.store.db, out), opts.view);
}

/** PUT /Users/{id} → 200. */
export async function replaceUserOp(ctx: ScimContext, id: string, body: unknown, opts: OpOptions = {}): Promise<OpResult> {
  const input = inputOf(body);
  const m = await replaceMember(ctx.store.db, ctx.orgId, id, input, ctx.actor, expectedRevisionOf(opts.ifMatch));
  return result(ctx, 200, m, opts.view);
}

/** PATCH /Users/{id} → 200. Patches in memory (one user is small) inside the update's transaction, on the locked row. */
export async function patchUserOp(ctx: ScimContext, id: string, body: unknown, opts: OpOptions = {}): Promise<OpResult> {
  const operations = wandbPatchOperations(readPatchOperations(body, ctx.interopProfile));
  const groups = (await teamsOfMembers(ctx.store.db, [id])).get(id) ?? [];
  const m = await updateMember(ctx.store.db, ctx.orgId, id, (locked) => {
    const patched = unwrap(applyPatch(toPatchable(locked, groups), operations, USER_PATCH_SCHEMA));
    const input = toMemberInput(validateResource(normalizeUserBody(patched), USER_SHAPE));
    return removesTeamRoles(operations) ? { ...input, leaveTeams: teamsLeft(groups, input.teamRoles) } : input;
  }, ctx.actor, expectedRevisionOf(opts.ifMatch));
  return result(ctx, 200, m, opts.view);
}

const TEAM_ROLES_PATH = `${URN.rollcallUser}:teamroles`.toLowerCase();

/** A `remove` of teamRoles (all, or `teamRoles[teamName eq "…"]`): the member leaves the teams whose roles are gone. */
function removesTeamRoles(operations: unknown[]): boolean {
  return operations.some((op) => {
    if (typeof op !== "object" || op === null) return false;
    const o = op as Record<string, unknown>;
    const path = typeof o.path === "string" ? o.path.toLowerCase() : "";
    return String(o.op).toLowerCase() === "remove" && (path === TEAM_ROLES_PATH || path.startsWith(`${TEAM_ROLES_PATH}[`));
  });
}

/** The teams the member was in whose entry the patched teamRoles no longer has. */
function teamsLeft(before: MemberTeam[], after: { teamName: string }[] | undefined): string[] {
  const kept = new Set((after ?? []).map((r) => String(r.teamName).trim().toLowerCase()));
  return before.filter((g) => !kept.has(g.name.trim().toLowerCase())).map((g) => g.name);
}

/** DELETE /Users/{id} → 204. */
export async function deleteUserOp(ctx: ScimContext, id: string, opts: OpOptions = {}): Promise<OpResult> {
  await deleteMember(ctx.store.db, ctx.orgId, id, ctx.actor, expectedRevisionOf(opts.ifMatch));
  return { status: 204 };
}
