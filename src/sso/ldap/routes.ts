/** /auth/{org}/ldap/… sign-in routes. */
import { Router } from "express";
import type { Store } from "../../../db/connect.ts";
import type { Config } from "../../config.ts";

export function ldapRouter(_store: Store, _config: Config, _log: (msg: string, err?: unknown) => void): Router {
  return Router({ mergeParams: true });
}
