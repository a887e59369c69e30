/** Sign-in doors under /auth/{org}/…: OIDC, LDAP and e-mail links, all ending in the one arrival decision (src/org/arrival/arrive.ts). {org} is the slug (src/sso/org-address.ts). */
import { Router } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import { emailRouter } from "./email/routes.ts";
import { ldapRouter } from "./ldap/routes.ts";
import { logoutRouter } from "./logout.ts";
import { oidcRouter } from "./oidc/routes.ts";
import { oldNamesRedirect } from "./org-address.ts";

export function ssoRouter(store: Store, config: Config, log: (msg: string, err?: unknown) => void): Router {
  const r = Router();
  r.use(logoutRouter());
  // /auth/{org}: a name the org had before a rename redirects to its stable address (the slug).
  r.use("/:org", oldNamesRedirect(store.db));
  r.use("/:org/oidc", oidcRouter(store, config, log));
  r.use("/:org/ldap", ldapRouter(store, config, log));
  r.use("/:org/email", emailRouter(store, config, log));
  return r;
}
