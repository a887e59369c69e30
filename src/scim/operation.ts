/**
 * One write on one resource (create, replace, patch, delete) as a plain function:
 * validate → org rule → render. The HTTP routes and /Bulk both call these, so a
 * rule or a response shape lives in one place.
 *
 * @example
 * const r = await createUserOp(ctx, body, { view: viewOf(req) });
 * sendResult(res, r); // 201, Location, ETag, the user
 */
import type { Request, Response } from "express";
import { sendJson } from "./context.ts";
import { parseListParams } from "./list-params.ts";
import type { Json } from "./json.ts";

/** `attributes` / `excludedAttributes` for the rendered resource. */
export interface View {
  attributes?: string[];
  excludedAttributes?: string[];
}

export interface OpOptions {
  /** the If-Match header, or a bulk operation's `version` */
  ifMatch?: string;
  /** what to render; null renders nothing (bulk reports only location and version) */
  view?: View | null;
}

export interface OpResult {
  status: number;
  /** the resource's id (absent after a DELETE) */
  id?: string;
  /** absent for 204 and when the caller asked for no rendering */
  resource?: Json;
  /** absolute URL of the resource (absent after a DELETE) */
  location?: string;
  /** the resource's version after the write (absent after a DELETE) */
  etag?: string;
}

/** The view a request's query asks for (read before any write, so a bad query writes nothing). */
export function viewOf(req: Request): View {
  const p = parseListParams(req.query as Record<string, unknown>, Infinity);
  return { attributes: p.attributes, excludedAttributes: p.excludedAttributes };
}

export const asksForAttributes = (view: View | null | undefined): boolean => !!(view?.attributes || view?.excludedAttributes);

/** The HTTP form of a result: Location on 201, ETag when there is a version, the resource as the body. */
export function sendResult(res: Response, r: OpResult): void {
  const headers: Record<string, string> = {
    ...(r.etag ? { ETag: r.etag } : {}),
    ...(r.status === 201 && r.location ? { Location: r.location } : {}),
  };
  if (r.resource) sendJson(res, r.status, r.resource, headers);
  else res.status(r.status).set(headers).end();
}
