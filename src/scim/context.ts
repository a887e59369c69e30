/** What every SCIM handler needs: the store, the key's org, who acts, and where we are served. */
import type { Request, Response } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import { publicBaseUrl } from "../http/public-address.ts";
import type { Actor } from "../org/audit/record.ts";
import type { Principal } from "../org/access/principals.ts";
import { SCIM_CONTENT_TYPE } from "./errors.ts";

export interface ScimContext {
  store: Store;
  config: Config;
  principal: Principal;
  orgId: string;
  actor: Actor;
  /** absolute base of this SCIM endpoint, e.g. https://host/scim/v2 (per request: tenants never share it) */
  baseUrl: string;
  /** the caller's SCIM connection follows the interop profile strictly (draft-zollner-scim-interop-profile): path-less PATCH is refused */
  interopProfile?: boolean;
}

/** ROLLCALL_BASE_URL, or the request's checked Host (never an unchecked one: src/http/public-address.ts). */
export function scimBaseUrl(req: Request, config: Config): string {
  return `${publicBaseUrl(req, config)}/scim/v2`;
}

export function ctxOf(res: Response): ScimContext {
  return res.locals.scim as ScimContext;
}

export function sendJson(res: Response, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.status(status).set(headers).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}
