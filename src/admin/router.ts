/** The admin API (/api/v1): JSON REST over the org rules, authenticated by API key. */
import express, { Router } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import { readApiKey } from "../http/credentials.ts";
import { authenticateKey } from "../org/keys.ts";
import type { AdminContext } from "./context.ts";
import { ProblemError, problemHandler } from "./errors.ts";
import { RouteRegistry } from "./openapi.ts";
import { register as members } from "./members-routes.ts";
import { register as roles } from "./roles-routes.ts";
import { register as seats } from "./seats-routes.ts";
import { register as org } from "./org-routes.ts";
import { register as teams } from "./teams-routes.ts";
import { register as serviceAccounts } from "./service-accounts-routes.ts";
import { register as invites } from "./invites-routes.ts";
import { register as domains } from "./domains-routes.ts";
import { register as audit } from "./audit-routes.ts";
import { register as me } from "./me-routes.ts";
import { register as oidc } from "./oidc-routes.ts";
import { register as ldap } from "./ldap-routes.ts";

/** Each area of the admin API registers its routes (src/admin/*-routes.ts). */
const ROUTE_MODULES: ((registry: RouteRegistry) => void)[] = [members, roles, seats, org, teams, serviceAccounts, invites, domains, audit, me, oidc, ldap];

export function buildRegistry(): RouteRegistry {
  const registry = new RouteRegistry();
  for (const m of ROUTE_MODULES) m(registry);
  return registry;
}

export function adminRouter(store: Store, config: Config, log: (msg: string, err: unknown) => void): Router {
  const r = Router();
  const registry = buildRegistry();
  r.use(express.json({ limit: config.maxBodyBytes }));
  r.get("/openapi.json", (_req, res) => { res.json(registry.openapi()); });
  r.use(async (req, res, next) => {
    const key = readApiKey(req);
    const principal = key ? await authenticateKey(store.db, key) : null;
    if (!principal) throw new ProblemError(401, "Unauthorized", key ? "the API key is not valid (unknown or revoked)" : "an API key is required: Authorization: Bearer <key>");
    if (!principal.active) throw new ProblemError(403, "Forbidden", "this member is deactivated");
    const ctx: AdminContext = { store, config, principal, orgId: principal.orgId, actor: { door: "admin", id: principal.memberId ? `member:${principal.memberId}` : `key:${principal.keyId}` } };
    res.locals.admin = ctx;
    next();
  });
  const api = Router();
  registry.mount(api);
  r.use(api);
  r.use((req, _res, next) => next(new ProblemError(404, "Not Found", `no admin API route ${req.method} ${req.path}`)));
  r.use(problemHandler(log));
  return r;
}
