/** What every admin API handler gets: the store, the caller (a principal of the access policy), their org. */
import type { Response } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import type { Principal } from "../org/access/principals.ts";
import type { Actor } from "../org/audit/record.ts";

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
