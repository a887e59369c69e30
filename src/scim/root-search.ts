/**
 * POST /.search at the SCIM root (RFC 7644 §3.4.3): one search over Users and Groups.
 * The filter is applied to each type; a comparison naming an attribute that type does not
 * have matches none of its resources (so `userName eq "a" or displayName eq "b"` finds both
 * kinds); a filter naming an attribute no type has is a 400 invalidFilter. Results are
 * Users, then Groups, each in id order, paged by startIndex/count over that sequence.
 * Sorting and cursors stay per resource type (/Users/.search, /Groups/.search): one order
 * over two types has no meaning RFC 7644 defines.
 */
import type { Router } from "express";
import { ctxOf, sendJson, type ScimContext } from "./context.ts";
import { badRequest } from "./errors.ts";
import type { FilterNode } from "./filter/ast.ts";
import { compileFilter } from "./filter/compile.ts";
import { parseFilter } from "./filter/parse.ts";
import { GROUP_LIST } from "./groups/routes.ts";
import { listResources, type ResourceList } from "./list-resources.ts";
import { parseListParams } from "./list-params.ts";
import { unwrap } from "./errors.ts";
import { URN } from "./schemas.ts";
import { USER_LIST } from "./users/routes.ts";

const LISTS = [USER_LIST, GROUP_LIST] as ResourceList<never>[];
/** Matches every resource (each has an id) / none. */
const ALL: FilterNode = { kind: "present", path: { attr: "id" } };
const NONE: FilterNode = { kind: "not", expr: ALL };

/** The filter for one type: each leaf naming an attribute the type lacks becomes NONE. `unknown` collects those leaves. */
function adapt(node: FilterNode, list: ResourceList<never>, unknown: Set<FilterNode>): FilterNode {
  switch (node.kind) {
    case "and":
    case "or":
      return { ...node, left: adapt(node.left, list, unknown), right: adapt(node.right, list, unknown) };
    case "not":
      return { ...node, expr: adapt(node.expr, list, unknown) };
    default: {
      const compiled = compileFilter(node, list.attributes);
      // Only a missing attribute is "not this type"; any other fault of the leaf is reported as it is.
      if (compiled.ok || !compiled.error.detail.startsWith("unknown attribute")) return node;
      unknown.add(node);
      return NONE;
    }
  }
}

function leaves(node: FilterNode): FilterNode[] {
  if (node.kind === "and" || node.kind === "or") return [...leaves(node.left), ...leaves(node.right)];
  return node.kind === "not" ? leaves(node.expr) : [node];
}

export async function searchRoot(ctx: ScimContext, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const params = parseListParams(body, ctx.config.maxPageSize);
  if (params.cursor !== undefined) throw badRequest("invalidValue", "cursor paging is per resource type: use /Users/.search or /Groups/.search");
  if (params.sortBy !== undefined) throw badRequest("invalidValue", "sortBy is per resource type: use /Users/.search or /Groups/.search");
  const parsed = params.filter !== undefined ? unwrap(parseFilter(params.filter)) : undefined;
  const unknownIn = LISTS.map(() => new Set<FilterNode>());
  const filters = LISTS.map((list, i) => (parsed ? adapt(parsed, list, unknownIn[i]) : undefined));
  const nowhere = parsed ? leaves(parsed).find((leaf) => unknownIn.every((u) => u.has(leaf))) : undefined;
  if (nowhere) unwrap(compileFilter(nowhere, LISTS[0].attributes)); // throws its invalidFilter

  const resources: unknown[] = [];
  let total = 0;
  let skip = params.startIndex - 1;
  for (const [i, list] of LISTS.entries()) {
    // Each type continues where the previous ended: skip what the window already passed, fill what is left.
    const page = (await listResources(ctx, list, { ...params, startIndex: skip + 1, count: params.count - resources.length }, filters[i])) as { totalResults: number; Resources: unknown[] };
    resources.push(...page.Resources);
    total += page.totalResults;
    skip = Math.max(0, skip - page.totalResults);
  }
  return { schemas: [URN.listResponse], totalResults: total, itemsPerPage: resources.length, startIndex: params.startIndex, Resources: resources };
}

export function mountRootSearch(r: Router): void {
  r.post("/.search", async (req, res) => {
    const ctx = ctxOf(res);
    sendJson(res, 200, await searchRoot(ctx, (req.body ?? {}) as Record<string, unknown>));
  });
}
