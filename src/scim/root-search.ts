/**
 * POST /.search at the SCIM root (RFC 7644 §3.4.3): one search over Users and Groups.
 * The filter is applied to each type; a type whose schema lacks an attribute the filter
 * names has no match (only when no type knows it is the filter invalid). Results are
 * Users, then Groups, each in id order, paged by startIndex/count over that sequence.
 * Sorting and cursors stay per resource type (/Users/.search, /Groups/.search): one order
 * over two types has no meaning RFC 7644 defines.
 */
import type { Router } from "express";
import { ctxOf, sendJson, type ScimContext } from "./context.ts";
import { badRequest, ScimError } from "./errors.ts";
import { GROUP_LIST } from "./groups/routes.ts";
import { listResources, type ResourceList } from "./list-resources.ts";
import { parseListParams, type ListParams } from "./list-params.ts";
import { URN } from "./schemas.ts";
import { USER_LIST } from "./users/routes.ts";

type Page = { totalResults: number; Resources: unknown[] };

/** One type's page, or null when the filter names an attribute that type does not have. */
async function pageOf(ctx: ScimContext, list: ResourceList<never>, params: ListParams): Promise<Page | ScimError> {
  try {
    return (await listResources(ctx, list, params)) as Page;
  } catch (err) {
    if (err instanceof ScimError && err.scimType === "invalidFilter") return err;
    throw err;
  }
}

export async function searchRoot(ctx: ScimContext, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const params = parseListParams(body, ctx.config.maxPageSize);
  if (params.cursor !== undefined) throw badRequest("invalidValue", "cursor paging is per resource type: use /Users/.search or /Groups/.search");
  if (params.sortBy !== undefined) throw badRequest("invalidValue", "sortBy is per resource type: use /Users/.search or /Groups/.search");
  const skip = params.startIndex - 1;
  const users = await pageOf(ctx, USER_LIST as ResourceList<never>, params);
  const usersTotal = users instanceof ScimError ? 0 : users.totalResults;
  const usersShown = users instanceof ScimError ? [] : users.Resources;
  // Groups continue where the Users end: skip what the window already passed, fill what is left.
  const groupParams = { ...params, startIndex: Math.max(0, skip - usersTotal) + 1, count: params.count - usersShown.length };
  const groups = await pageOf(ctx, GROUP_LIST as ResourceList<never>, groupParams);
  if (users instanceof ScimError && groups instanceof ScimError) throw users;
  const groupsShown = groups instanceof ScimError ? [] : groups.Resources;
  const resources = [...usersShown, ...groupsShown];
  return {
    schemas: [URN.listResponse],
    totalResults: usersTotal + (groups instanceof ScimError ? 0 : groups.totalResults),
    itemsPerPage: resources.length,
    startIndex: params.startIndex,
    Resources: resources,
  };
}

export function mountRootSearch(r: Router): void {
  r.post("/.search", async (req, res) => {
    const ctx = ctxOf(res);
    sendJson(res, 200, await searchRoot(ctx, (req.body ?? {}) as Record<string, unknown>));
  });
}
