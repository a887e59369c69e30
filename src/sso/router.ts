/** Sign-in doors under /auth/{org}/…: OIDC, LDAP and e-mail links, all ending in the one arrival decision (src/org/arrival/arrive.ts). */
import { Router } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import { emailRouter } from "./email/routes.ts";
import { ldapRouter } from "./ldap/routes.ts";
import { logoutRouter } from "./logout.ts";
import { oidcRouter } from "./oidc/routes.ts";

export function ssoRouter(store: Store, config: Config, log: (msg: string, err?: unknown) => void): Router {
  const r = Router();
  r.use(logoutRouter());
  r.use("/:org/oidc", oidcRouter(store, config, log));
  r.use("/:org/ldap", ldapRouter(store, config, log));
  r.use("/:org/email", emailRouter(store, config, log));
  return r;
}
