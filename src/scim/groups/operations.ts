/**
 * The writes on /Groups as plain functions (see ../operation.ts): the HTTP routes
 * and /Bulk call the same code. Member changes are SQL deltas (src/org/teams/teams.ts).
 */
import type { Kysely } from "kysely";
import type { Database, Team } from "../../../db/types.ts";
import { rostersOf } from "../../org/teams/rosters.ts";
import { createTeam, deleteTeam, updateTeam, type MemberOp, type MembersTouched } from "../../org/teams/teams.ts";
import { applyDirectoryMappings } from "../../org/arrival/mappings.ts";
import type { ScimContext } from "../context.ts";
import { sourceOfActor } from "../../org/provenance/sources.ts";
import { unwrap } from "../errors.ts";
import type { Json } from "../json.ts";
import { asksForAttributes, type OpOptions, type OpResult, type View } from "../operation.ts";
import { applyPatch, GROUP_PATCH_SCHEMA } from "../patch/apply.ts";
import { splitGroupPatch } from "../patch/members.ts";
import { readPatchOperations } from "../patch/request.ts";
import { project, wants } from "../projection.ts";
import { GROUP_SHAPE } from "../schemas.ts";
import { validateResource } from "../validate.ts";
import { etagOf, expectedRevisionOf } from "../versioning.ts";
import { memberIdsOf, toPatchable, toScimGroup, toTeamInput, type MemberRef } from "./resource.ts";

/** SCIM group changes go through the arrival's role mapping step for the members they touch. */
const mappingsAfter = (ctx: ScimContext): MembersTouched => (trx, ids) => applyDirectoryMappings(trx, ctx.orgId, ids, ctx.actor);

/** Each team's members as SCIM member references (display: the display name, else the user name). */
export async function membersOf(db: Kysely<Database>, teamIds: string[]): Promise<Map<string, MemberRef[]>> {
  const rosters = await rostersOf(db, teamIds);
  return new Map([...rosters].map(([id, list]) => [id, list.map((e) => ({ id: e.memberId, display: e.displayName ?? e.userName }))]));
}

/** The team as a SCIM Group, projected to `view`; members are read only when the view shows them. */
export async function renderGroup(ctx: ScimContext, t: Team, view: View = {}): Promise<Json> {
  const withMembers = wants("members", view.attributes, view.excludedAttributes, GROUP_SHAPE);
  const members = withMembers ? (await membersOf(ctx.store.db, [t.id])).get(t.id)! : null;
  return project(toScimGroup(t, members, ctx.baseUrl), view.attributes, view.excludedAttributes, GROUP_SHAPE);
}

async function result(ctx: ScimContext, status: number, t: Team, view: View | null | undefined): Promise<OpResult> {
  const out: OpResult = { status, id: t.id, location: `${ctx.baseUrl}/Groups/${t.id}`, etag: etagOf(t.revision) };
  if (view !== null) out.resource = await renderGroup(ctx, t, view);
  return out;
}

/** POST /Groups → 201. */
export async function createGroupOp(ctx: ScimContext, body: unknown, opts: OpOptions = {}): Promise<OpResult> {
  const group = validateResource(body, GROUP_SHAPE);
  const t = await createTeam(ctx.store.db, ctx.orgId, toTeamInput(group), memberIdsOf(group.members), ctx.actor, mappingsAfter(ctx));
  return result(ctx, 201, t, opts.view);
}

/**
 * PUT /Groups/{id} → 200. Replaces the group's attributes; members are replaced when the
 * body has a "members" attribute and kept when it has none (a rename must not empty a team).
 */
export async function replaceGroupOp(ctx: ScimContext, id: string, body: unknown, opts: OpOptions = {}): Promise<OpResult> {
  const group = validateResource(body, GROUP_SHAPE);
  const memberOps: MemberOp[] = group.members !== undefined ? [{ kind: "replace", ids: memberIdsOf(group.members) }] : [];
  const t = await updateTeam(ctx.store.db, ctx.orgId, id, {
    fields: () => toTeamInput(group), memberOps, expectedRevision: expectedRevisionOf(opts.ifMatch), action: "team.replace", after: mappingsAfter(ctx),
  }, ctx.actor);
  return result(ctx, 200, t, opts.view);
}

/** PATCH /Groups/{id} → 204, or 200 with the group when the view asks for attributes. */
export async function patchGroupOp(ctx: ScimContext, id: string, body: unknown, opts: OpOptions = {}): Promise<OpResult> {
  const { memberOps, otherOps } = unwrap(splitGroupPatch(readPatchOperations(body, ctx.interopProfile)));
  const t = await updateTeam(ctx.store.db, ctx.orgId, id, {
    fields: (fresh) => {
      if (!otherOps.length) return null;
      const patched = unwrap(applyPatch(toPatchable(fresh), otherOps, GROUP_PATCH_SCHEMA));
      return toTeamInput(validateResource(patched, GROUP_SHAPE));
    },
    memberOps,
    expectedRevision: expectedRevisionOf(opts.ifMatch),
    action: "team.patch",
    after: mappingsAfter(ctx),
  }, ctx.actor);
  if (asksForAttributes(opts.view)) return result(ctx, 200, t, opts.view);
  return { status: 204, id: t.id, location: `${ctx.baseUrl}/Groups/${t.id}`, etag: etagOf(t.revision) };
}

/** DELETE /Groups/{id} → 204. */
export async function deleteGroupOp(ctx: ScimContext, id: string, opts: OpOptions = {}): Promise<OpResult> {
  await deleteTeam(ctx.store.db, ctx.orgId, id, ctx.actor, expectedRevisionOf(opts.ifMatch), sourceOfActor(ctx.actor), mappingsAfter(ctx));
  return { status: 204 };
}
