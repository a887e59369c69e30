/** The SCIM 2.0 endpoint: body parsing, auth, discovery, /Bulk, /Users, /Groups, /Roles, the root /.search, errors. */
import express, { Router, type NextFunction, type Request, type Response } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";
import { readApiKey } from "../http/credentials.ts";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../http/json-depth.ts";
import { refuseNulInBody } from "../http/request-checks.ts";
import { principalForKey, principalForScimToken } from "../org/access/authenticate.ts";
import type { Principal } from "../org/access/principals.ts";
import { refusedKeyHolder } from "../org/security/keys.ts";
import { isJwtShaped } from "../org/security/oauth/bearer.ts";
import { RemoteKeys } from "../org/security/oauth/remote-keys.ts";
import { oauthPlace } from "../oauth/where.ts";
import { can } from "../org/access/can.ts";
import { recordScimRequest } from "../org/connections/scim-activity.ts";
import { scimSource } from "../org/provenance/sources.ts";
import { connectionOf, hitConnection, recordConnectionRequest } from "../org/connections/scim-connections.ts";
import { bulkRouter } from "./bulk/routes.ts";
import { scimBaseUrl, type ScimContext } from "./context.ts";
import { discoveryRouter } from "./discovery.ts";
import { ScimError, scimErrorHandler } from "./errors.ts";
import { groupsRouter } from "./groups/routes.ts";
import { rolesRouter } from "./roles/routes.ts";
import { mountRootSearch } from "./root-search.ts";
import { usersRouter } from "./users/routes.ts";

const JSON_TYPES = ["application/scim+json", "application/json", "application/*+json"];

function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (!["POST", "PUT", "PATCH"].includes(req.method)) { next(); return; }
  const type = req.get("content-type");
  if (type && !req.is(JSON_TYPES)) { next(new ScimError(415, undefined, `Content-Type must be application/scim+json or application/json, got ${type}`)); return; }
  if (req.body === undefined || req.body === null) { next(new ScimError(400, "invalidSyntax", "the request needs a JSON body")); return; }
  if (jsonDepthExceeds(req.body)) { next(new ScimError(400, "invalidSyntax", `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`)); return; }
  next();
}

/** A refusal for a credential no org can be told of (no key, a key of nobody's, a bad token): counted per instance only. */
export type UnattributedRefusal = (kind: "no_credential" | "unknown_key" | "invalid_token") => void;

/**
 * A refused key that names its org (by its non-secret prefix) shows up in that
 * org's last SCIM requests with why; any other refusal is only counted.
 */
function noteRefusedKey(store: Store, req: Request, key: string, count: UnattributedRefusal): void {
  refusedKeyHolder(store.db, key).then((holder) => {
    if (!holder) { count("unknown_key"); return; }
    return recordScimRequest(store.db, { orgId: holder.orgId, method: req.method, path: req.path, status: 401, keyId: holder.keyId, why: holder.why });
  }).catch(() => { /* a log entry only */ });
}

/** An API key, or a bearer JWT (Rollcall's OAuth access token or a federated one, RFC 6750). */
async function scimPrincipal(store: Store, config: Config, keys: RemoteKeys, req: Request, res: Response, count: UnattributedRefusal): Promise<Principal> {
  const key = readApiKey(req);
  if (key && isJwtShaped(key)) {
    const found = await principalForScimToken(store.db, keys, key, oauthPlace(req, config));
    if ("principal" in found) return found.principal;
    count("invalid_token");
    res.set("WWW-Authenticate", `Bearer realm="rollcall", error="invalid_token", error_description="${found.reason.replace(/["\\]/g, "")}"`);
    throw new ScimError(401, undefined, `the bearer token is not valid: ${found.reason}`);
  }
  const principal = key ? await principalForKey(store.db, key) : null;
  if (!principal && key) noteRefusedKey(store, req, key, count);
  else if (!principal) count("no_credential");
  if (!principal) throw new ScimError(401, undefined, key ? "the API key is not valid (unknown, revoked or expired)" : "an API key or OAuth access token is required: Authorization: Bearer <key or token>");
  return principal;
}

export function scimRouter(store: Store, config: Config, log: (msg: string, err: unknown) => void, remoteKeys: RemoteKeys = new RemoteKeys(), countRefusal: UnattributedRefusal = () => {}): Router {
  const r = Router();
  r.use(express.json({ type: JSON_TYPES, limit: config.maxBodyBytes, strict: false }));
  r.use(requireJsonBody);
  r.use(refuseNulInBody);
  // /ServiceProviderConfig asked with a connection's credential says whether that connection follows the interop profile.
  r.use(discoveryRouter(config, async (req, res) => {
    if (!req.get("authorization")) return false;
    try {
      const principal = await scimPrincipal(store, config, remoteKeys, req, res, () => {});
      return (await connectionOf(store.db, principal.serviceAccountId))?.interopProfile === true;
    } catch {
      res.removeHeader("WWW-Authenticate"); // discovery needs no credential: a bad one is answered as none
      return false;
    }
  }));
  r.use(async (req, res, next) => {
    const principal = await scimPrincipal(store, config, remoteKeys, req, res, countRefusal);
    const reads = req.method === "GET" || req.method === "HEAD" || req.path.endsWith("/.search");
    const decision = can(principal, reads ? "scim:read" : "scim:write");
    if (!decision.allowed) throw new ScimError(403, undefined, decision.reason);
    // A SCIM connection has its own rate limit and request counts, and manages what it writes.
    const connection = await connectionOf(store.db, principal.serviceAccountId);
    const ctx: ScimContext = {
      store, config, principal, orgId: principal.orgId,
      actor: { door: "scim", id: `key:${principal.keyId ?? ""}`, source: scimSource(principal), ...(connection ? { connection: connection.id } : {}) },
      baseUrl: scimBaseUrl(req, config),
    };
    res.locals.scim = ctx;
    // The interop profile: a filter in the URI is for GET only; a PATCH or DELETE that names
    // its targets by filter would otherwise be applied to the id alone, silently.
    if (req.method !== "GET" && req.method !== "HEAD" && Object.keys(req.query).some((k) => k.toLowerCase() === "filter"))
      throw new ScimError(400, "invalidSyntax", `a filter in the URI is only for GET; ${req.method} addresses one resource by /{id} (searches: POST …/.search with the filter in the body)`);
    // The admin's "last requests from the IdP": written after the answer, never failing the request.
    const path = req.path;
    res.on("finish", () => {
      recordScimRequest(store.db, { orgId: ctx.orgId, method: req.method, path, status: res.statusCode, keyId: principal.keyId ?? null }).catch(() => { /* a log entry only */ });
    });
    ctx.interopProfile = connection?.interopProfile === true;
    if (connection) {
      res.on("finish", () => { recordConnectionRequest(store.db, connection.id, res.statusCode).catch((err: unknown) => log("could not record a SCIM connection's request", err)); });
      const limited = await hitConnection(store.db, connection);
      if (!limited.ok) {
        res.set("Retry-After", String(limited.retryAfterSeconds));
        throw new ScimError(429, undefined, `this SCIM connection's rate limit (${connection.rateLimitPerMinute} requests per minute) is reached; retry after ${limited.retryAfterSeconds} s`);
      }
    }
    next();
  });
  r.use("/Bulk", bulkRouter(log));
  r.use("/Users", usersRouter());
  r.use("/Groups", groupsRouter());
  r.use("/Roles", rolesRouter());
  mountRootSearch(r);
  r.use((req, _res, next) => next(new ScimError(404, undefined, `no SCIM endpoint ${req.method} ${req.path}`)));
  r.use(scimErrorHandler(log));
  return r;
}
