/**
 * One listing path for every SCIM resource type: org scope, filter compiled to
 * SQL, sort, paging (index or cursor), rendering and projection — and the two
 * routes that use it (GET / and POST /.search).
 */
import type { Router } from "express";
import { ctxOf, sendJson, type ScimContext } from "./context.ts";
import { scopeOf } from "./cursor.ts";
import { unwrap } from "./errors.ts";
import type { Kysely } from "kysely";
import { compileFilter, sortExpression, type AttributeMap, type DynamicDb } from "./filter/compile.ts";
import type { FilterNode } from "./filter/ast.ts";
import { parseFilter } from "./filter/parse.ts";
import { runList, type DynamicQuery } from "./list.ts";
import { parseListParams, type ListParams } from "./list-params.ts";
import { listResponse } from "./list-response.ts";
import { project } from "./projection.ts";
import type { ResourceShape } from "./schemas.ts";

export interface ResourceList<Row> {
  /** resource type name, e.g. "Users" (binds cursors to it) */
  name: string;
  attributes: AttributeMap;
  shape: ResourceShape;
  /** renders one page of rows (a batch, so related rows are loaded in one query) */
  render(ctx: ScimContext, rows: Row[], params: ListParams): Promise<Record<string, unknown>[]>;
}

/** `filter`: an already parsed filter to use instead of params.filter (the root search adapts one per type). */
export async function listResources<Row>(ctx: ScimContext, list: ResourceList<Row>, params: ListParams, filter?: FilterNode): Promise<Record<string, unknown>> {
  const { table, alias } = list.attributes;
  let base: DynamicQuery = (ctx.store.db as unknown as Kysely<DynamicDb>).selectFrom(`${table} as ${alias}`).selectAll(alias).where(`${alias}.org_id`, "=", ctx.orgId);
  const node = filter ?? (params.filter !== undefined ? unwrap(parseFilter(params.filter)) : undefined);
  if (node !== undefined) base = base.where(unwrap(compileFilter(node, list.attributes, ctx.orgId)));
  const sortKey = params.sortBy ? unwrap(sortExpression(params.sortBy, list.attributes)) : null;
  const page = await runList<Row>({
    base, idColumn: `${alias}.id`, sortKey, params,
    scope: scopeOf([list.name, ctx.orgId, params.filter ?? "", params.sortBy ?? "", params.descending]),
    cursorTtlSeconds: ctx.config.cursorTtlSeconds, cursorSecret: ctx.config.cursorSecret,
  });
  const rendered = await list.render(ctx, page.rows, params);
  return listResponse(page, rendered.map((r) => project(r, params.attributes, params.excludedAttributes, list.shape)));
}

/** GET / (query string) and POST /.search (SearchRequest body) on a resource router. */
export function mountListRoutes<Row>(r: Router, list: ResourceList<Row>): void {
  r.get("/", async (req, res) => {
    const ctx = ctxOf(res);
    sendJson(res, 200, await listResources(ctx, list, parseListParams(req.query as Record<string, unknown>, ctx.config.maxPageSize)));
  });
  r.post("/.search", async (req, res) => {
    const ctx = ctxOf(res);
    sendJson(res, 200, await listResources(ctx, list, parseListParams((req.body ?? {}) as Record<string, unknown>, ctx.config.maxPageSize)));
  });
}
