/** What every admin API handler gets: the store, the caller, their org, and checks of their rights. */
import type { Response } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import type { Actor } from "../org/audit.ts";
import type { Principal } from "../org/keys.ts";
import { ProblemError } from "./errors.ts";

export interface AdminContext {
  store: Store;
  config: Config;
  principal: Principal;
  orgId: string;
  actor: Actor;
  /** how the caller authenticated: an API key, or a signed-in session (cookie) */
  via?: "key" | "session";
  /** the operator's session (one-time admin link): an org admin that is no member */
  operator?: true;
}

export const adminCtx = (res: Response): AdminContext => res.locals.admin as AdminContext;

/** Org admins (members with role admin, org-scoped service accounts) may do everything. */
export function isOrgAdmin(ctx: AdminContext): boolean {
  return ctx.principal.role === "admin" && ctx.principal.active;
}

export function requireOrgAdmin(ctx: AdminContext): void {
  if (!isOrgAdmin(ctx)) throw new ProblemError(403, "Forbidden", "only org admins may do this");
}
