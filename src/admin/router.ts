/**
 * The admin API (/api/v1): JSON REST over the org rules, authenticated by API
 * key or by a signed-in session. An Authorization header means an API key (and
 * nothing else is looked at); without one, the session's member (or the
 * operator, for a session opened by the operator's link) acts. What each caller
 * may do is decided by the access policy (src/org/access/can.ts). Cookies ride along on cross-site requests, so a state-changing call
 * (POST, PUT, PATCH, DELETE) authenticated by the session must carry the
 * session's CSRF token (GET /api/v1/me → csrfToken) in X-Rollcall-CSRF; API-key
 * calls need none.
 */
import express, { Router, type Request } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import { readApiKey } from "../http/credentials.ts";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../http/json-depth.ts";
import { refuseNulInBody } from "../http/request-checks.ts";
import { principalForKey, principalForSession } from "../org/access/authenticate.ts";
import { actorId } from "../org/access/principals.ts";
import { CSRF_HEADER, csrfMatches, currentUser } from "../http/session.ts";
import type { AdminContext } from "./context.ts";
import { badInput, ProblemError, problemHandler } from "./errors.ts";
import { RouteRegistry } from "./openapi.ts";
import { register as membersBulk } from "./members-bulk-routes.ts";
import { register as members } from "./members-routes.ts";
import { register as roles } from "./roles-routes.ts";
import { register as roleMappings } from "./role-mappings-routes.ts";
import { register as scimConnections } from "./scim-connections-routes.ts";
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
import { register as refusals } from "./refusals-routes.ts";
import { register as authorize } from "./authorize-routes.ts";
import { register as eventReceivers } from "./event-receivers-routes.ts";
import { register as connectionSetup } from "./connection-setup-routes.ts";
import { register as scimAuth } from "./scim-auth-routes.ts";

/** Each area of the admin API registers its routes (src/admin/*-routes.ts). */
const ROUTE_MODULES: ((registry: RouteRegistry) => void)[] = [membersBulk, members, roles, seats, org, teams, serviceAccounts, invites, domains, audit, me, oidc, ldap, refusals, authorize, eventReceivers, connectionSetup, scimAuth, roleMappings, scimConnections];

export function buildRegistry(): RouteRegistry {
  const registry = new RouteRegistry();
  for (const m of ROUTE_MODULES) m(registry);
  return registry;
}

export function adminRouter(store: Store, config: Config, log: (msg: string, err: unknown) => void): Router {
  const r = Router();
  const registry = buildRegistry();
  r.use(express.json({ limit: config.maxBodyBytes }));
  r.use((req, _res, next) => next(jsonDepthExceeds(req.body) ? badInput(`the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`) : undefined));
  r.use(refuseNulInBody);
  r.get("/openapi.json", (_req, res) => { res.json(registry.openapi()); });
  r.use(async (req, res, next) => {
    res.locals.admin = await authenticate(store, config, req);
    next();
  });
  const api = Router();
  registry.mount(api);
  r.use(api);
  r.use((req, _res, next) => next(new ProblemError(404, "Not Found", `no admin API route ${req.method} ${req.path}`)));
  r.use(problemHandler(log));
  return r;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** The caller of an admin API request: an API key's holder, or the session's member or operator (with the CSRF check). */
async function authenticate(store: Store, config: Config, req: Request): Promise<AdminContext> {
  if (req.get("authorization") !== undefined) {
    const key = readApiKey(req);
    const principal = key ? await principalForKey(store.db, key) : null;
    if (!principal) throw new ProblemError(401, "Unauthorized", key ? "the API key is not valid (unknown or revoked)" : "an API key is required: Authorization: Bearer <key>");
    if (principal.kind === "member" && !principal.facts.active) throw new ProblemError(403, "Forbidden", "this member is deactivated");
    return { store, config, principal, orgId: principal.orgId, via: "key", actor: { door: "admin", id: actorId(principal) } };
  }
  const user = currentUser(req);
  if (!user) throw new ProblemError(401, "Unauthorized", "an API key is required: Authorization: Bearer <key> (or sign in for a session)");
  const principal = await principalForSession(store.db, user);
  if (!principal) throw new ProblemError(401, "Unauthorized", "this session's membership is no longer active; sign in again");
  if (!SAFE_METHODS.has(req.method) && !csrfMatches(req, req.get(CSRF_HEADER)))
    throw new ProblemError(403, "Forbidden", "This change came without the page's safety token; reload the page and try again.",
      [{ name: CSRF_HEADER, reason: "a request authenticated by the session cookie must send the session's CSRF token in this header (GET /api/v1/me returns it as csrfToken)" }]);
  return { store, config, principal, orgId: user.orgId, via: "session", actor: { door: "admin", id: actorId(principal) } };
}
