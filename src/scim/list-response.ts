/** ListResponse bodies (RFC 7644 §3.4.2, RFC 9865 for the cursor fields). */
import type { ListPage } from "./list.ts";
import { URN } from "./schemas.ts";

export function listResponse(page: ListPage<unknown>, resources: unknown[]): Record<string, unknown> {
  return {
    schemas: [URN.listResponse],
    totalResults: page.total,
    itemsPerPage: resources.length,
    ...(page.startIndex !== undefined ? { startIndex: page.startIndex } : {}),
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    ...(page.previousCursor ? { previousCursor: page.previousCursor } : {}),
    Resources: resources,
  };
}
