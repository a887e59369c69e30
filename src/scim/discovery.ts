/** /ServiceProviderConfig, /ResourceTypes, /Schemas (RFC 7644 §4, RFC 7643 §5–7). */
import { Router, type Request, type Response } from "express";
import type { Config } from "../config.ts";
import { MAX_BULK_OPERATIONS } from "./bulk/request.ts";
import { scimBaseUrl, sendJson } from "./context.ts";
import { ScimError } from "./errors.ts";
import { DEFAULT_PAGE_SIZE } from "./list-params.ts";
import { BOUNDS } from "../org/bounds.ts";
import { MAX_FILTER_LENGTH } from "./filter/parse.ts";
import { ALL_SCHEMAS, URN } from "./schemas.ts";
import { SCIM_EVENT_URIS } from "../org/events/catalog.ts";

const SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RT_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

/**
 * `interopProfile`: the caller's connection follows draft-zollner-scim-interop-profile
 * strictly, so this answer claims it (`interopProfileConformant: true`, the draft's one
 * attribute outside RFC 7643 §5); otherwise the attribute is omitted, as the draft asks
 * of a server that accepts path-less PATCH.
 */
export function serviceProviderConfig(config: Config, base: string, interopProfile = false) {
  return {
    ...(interopProfile ? { interopProfileConformant: true } : {}),
    schemas: [SPC_URN, URN.rollcallSpc],
    documentationUri: "https://github.com/rollcall/rollcall#readme",
    patch: { supported: true },
    // maxPayloadSize is the SCIM router's body limit, which parses /Bulk bodies too
    bulk: { supported: true, maxOperations: MAX_BULK_OPERATIONS, maxPayloadSize: config.maxBodyBytes },
    filter: { supported: true, maxResults: config.maxPageSize },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    // RFC 9865
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: "index",
      // what a list without `count` gets: the default, capped like any count
      defaultPageSize: Math.min(DEFAULT_PAGE_SIZE, config.maxPageSize),
      maxPageSize: config.maxPageSize,
      cursorTimeout: config.cursorTtlSeconds,
    },
    // RFC 9967 §4: the provisioning events Rollcall emits (receivers: /api/v1/event-receivers); no asynchronous requests
    securityEvents: { asyncRequest: "none", eventUris: SCIM_EVENT_URIS },
    authenticationSchemes: [
      {
        type: "oauthbearertoken", name: "OAuth Bearer Token", primary: true, specUri: "https://www.rfc-editor.org/rfc/rfc6750",
        description: `Authorization: Bearer <credential>: an API key of the organization; an access token from ${base.replace(/\/scim(\/v2)?$/, "")}/oauth/token (OAuth 2.0 client credentials, RFC 6749 §4.4: client secret or private_key_jwt; metadata at /.well-known/oauth-authorization-server); or a federated JWT from a trusted issuer (Entra workload identity federation)`,
      },
      { type: "httpbasic", name: "HTTP Basic", description: "An empty user name and the API key as the password" },
    ],
    // Only RFC 7643 §5 (and RFC 9865) fields at the top: strict clients refuse unknown ones.
    // Our own limits sit in an extension declared in `schemas` and served by /Schemas.
    [URN.rollcallSpc]: {
      maxFilterLength: MAX_FILTER_LENGTH,
      maxIdentifierLength: BOUNDS.identifierChars,
      maxEmailLength: BOUNDS.emailChars,
      maxTextLength: BOUNDS.textChars,
      maxMultiValuedItems: BOUNDS.multiValuedItems,
      maxGroupMembersPerRequest: BOUNDS.groupMembersPerRequest,
    },
    meta: { resourceType: "ServiceProviderConfig", location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string) {
  return [
    {
      schemas: [RT_URN], id: "User", name: "User", endpoint: "/Users", description: "A member of the organization",
      schema: URN.user,
      schemaExtensions: [{ schema: URN.enterprise, required: false }, { schema: URN.rollcallUser, required: false }, { schema: URN.teamsUser, required: false }],
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [RT_URN], id: "Group", name: "Group", endpoint: "/Groups", description: "A team of the organization",
      schema: URN.group,
      schemaExtensions: [{ schema: URN.rollcallGroup, required: false }],
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/Group` },
    },
    {
      schemas: [RT_URN], id: "Role", name: "Role", endpoint: "/Roles", description: "A custom team role of the organization (enterprise plan)",
      schema: URN.role,
      schemaExtensions: [],
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/Role` },
    },
  ];
}

function schemaDocs(base: string) {
  return ALL_SCHEMAS.map((s) => ({ ...s, meta: { resourceType: "Schema", location: `${base}/Schemas/${s.id}` } }));
}

function list(res: Response, items: unknown[]): void {
  sendJson(res, 200, { schemas: [URN.listResponse], totalResults: items.length, itemsPerPage: items.length, startIndex: 1, Resources: items });
}

/** Discovery needs no key: it is the same for every org and tells nothing about any (a connection's credential only adds whether it follows the interop profile). */
export function discoveryRouter(config: Config, interopProfileOf: (req: Request, res: Response) => Promise<boolean> = async () => false): Router {
  const r = Router();
  const base = (req: Request) => scimBaseUrl(req, config);
  r.get("/ServiceProviderConfig", async (req, res) => sendJson(res, 200, serviceProviderConfig(config, base(req), await interopProfileOf(req, res))));
  r.get("/ResourceTypes", (req, res) => list(res, resourceTypes(base(req))));
  r.get("/ResourceTypes/:id", (req, res) => {
    const rt = resourceTypes(base(req)).find((t) => t.id === req.params.id);
    if (!rt) throw new ScimError(404, undefined, `no resource type "${req.params.id}"`);
    sendJson(res, 200, rt);
  });
  r.get("/Schemas", (req, res) => list(res, schemaDocs(base(req))));
  r.get("/Schemas/:id", (req, res) => {
    const s = schemaDocs(base(req)).find((d) => d.id === req.params.id);
    if (!s) throw new ScimError(404, undefined, `no schema "${req.params.id}"`);
    sendJson(res, 200, s);
  });
  return r;
}
