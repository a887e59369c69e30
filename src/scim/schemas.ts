/**
 * The SCIM schemas this server speaks: the core User, Group and enterprise
 * User schemas come from scimmy's definitions; ours are JSON files in schemas/.
 * The same definitions drive /Schemas, /ResourceTypes and body validation.
 */
import fs from "node:fs";
import SCIMMY from "scimmy";
import { boundOf, describeBound } from "./attribute-bounds.ts";

export const URN = {
  user: "urn:ietf:params:scim:schemas:core:2.0:User",
  group: "urn:ietf:params:scim:schemas:core:2.0:Group",
  enterprise: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
  rollcallUser: "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User",
  rollcallGroup: "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Group",
  /** W&B's: the teams a user created by POST joins (src/scim/dialects.ts reads it) */
  teamsUser: "urn:ietf:params:scim:schemas:extension:teams:2.0:User",
  role: "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Role",
  /** our limits, next to the RFC 7643 §5 attributes of /ServiceProviderConfig */
  rollcallSpc: "urn:ietf:params:scim:schemas:extension:rollcall:2.0:ServiceProviderConfig",
  listResponse: "urn:ietf:params:scim:api:messages:2.0:ListResponse",
  searchRequest: "urn:ietf:params:scim:api:messages:2.0:SearchRequest",
  patchOp: "urn:ietf:params:scim:api:messages:2.0:PatchOp",
} as const;

export interface AttributeDef {
  name: string;
  type: string;
  multiValued: boolean;
  description?: string;
  required: boolean;
  caseExact?: boolean;
  canonicalValues?: string[];
  mutability: string;
  returned: string;
  uniqueness?: string;
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  schemas: string[];
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
  meta: { resourceType: "Schema"; location: string };
}

const loadJson = (name: string): SchemaDef =>
  JSON.parse(fs.readFileSync(new URL(`../../schemas/${name}`, import.meta.url), "utf8")) as SchemaDef;

/** An attribute as scimmy or a schema file describes it: characteristics may be missing. */
type RawAttribute = Partial<Omit<AttributeDef, "name" | "type" | "subAttributes">> & Pick<AttributeDef, "name" | "type"> & { subAttributes?: RawAttribute[] };

/** scimmy leaves some characteristics out; RFC 7643 §7 defaults fill them so /Schemas is complete. */
function complete(attr: RawAttribute): AttributeDef {
  const out: AttributeDef = {
    name: attr.name,
    type: attr.type,
    multiValued: attr.multiValued ?? false,
    description: attr.description ?? "",
    required: attr.required ?? false,
    ...(attr.type === "complex" ? {} : { caseExact: attr.caseExact ?? false }),
    ...(attr.canonicalValues ? { canonicalValues: attr.canonicalValues } : {}),
    mutability: attr.mutability ?? "readWrite",
    returned: attr.returned ?? "default",
    ...(attr.type === "complex" ? {} : { uniqueness: attr.uniqueness ?? "none" }),
    ...(attr.type === "reference" ? { referenceTypes: attr.referenceTypes ?? ["external"] } : {}),
  };
  if (attr.subAttributes) out.subAttributes = attr.subAttributes.map(complete);
  return out;
}

function fromScimmy(def: { describe(): unknown }, location: string): SchemaDef {
  const d = JSON.parse(JSON.stringify(def.describe())) as Omit<SchemaDef, "attributes" | "meta"> & { attributes: RawAttribute[] }; // attributes serialise their characteristics via toJSON
  return { schemas: d.schemas, id: d.id, name: d.name, description: d.description, attributes: d.attributes.map(complete), meta: { resourceType: "Schema", location } };
}

function fromFile(name: string): SchemaDef {
  const d = loadJson(name);
  return { ...d, attributes: d.attributes.map(complete) };
}

/**
 * The interop profile asks every multi-valued attribute with a `type` to declare its types
 * (canonicalValues). RFC 7643 names them for emails, phoneNumbers, ims, photos and addresses;
 * for the rest these are the ones identity providers send (Entra's app roles are
 * WindowsAzureActiveDirectoryRole). Like every canonical value they are advisory: another
 * type is stored as sent, because an IdP mapping may carry its own.
 */
const TYPE_VALUES: Record<string, string[]> = {
  emails: ["work", "home", "other"],
  phoneNumbers: ["work", "home", "mobile", "fax", "pager", "other"],
  addresses: ["work", "home", "other"],
  entitlements: ["license", "permission", "other"],
  roles: ["WindowsAzureActiveDirectoryRole", "application", "other"],
  x509Certificates: ["signing", "encryption", "other"],
};

function declareTypes(attrs: AttributeDef[]): void {
  for (const a of attrs) {
    const type = a.subAttributes?.find((s) => s.name === "type");
    const values = TYPE_VALUES[a.name];
    if (type && values) type.canonicalValues = values;
  }
}

function build() {
  const user = fromScimmy(SCIMMY.Schemas.User.definition, `/Schemas/${URN.user}`);
  // Our users have no password: it is accepted (and ignored) but never stored or returned.
  const pw = user.attributes.find((a) => a.name === "password");
  if (pw) { pw.mutability = "writeOnly"; pw.returned = "never"; }
  // The userName is unique per organization.
  const un = user.attributes.find((a) => a.name === "userName");
  if (un) { un.uniqueness = "server"; un.required = true; }
  const groups = user.attributes.find((a) => a.name === "groups");
  if (groups) groups.mutability = "readOnly";
  declareTypes(user.attributes);
  const group = fromScimmy(SCIMMY.Schemas.Group.definition, `/Schemas/${URN.group}`);
  const gm = group.attributes.find((a) => a.name === "members");
  for (const sub of gm?.subAttributes ?? []) {
    if (sub.name === "value") sub.caseExact = true;
    if (sub.name === "$ref") sub.referenceTypes = ["User"];
  }
  const enterprise = fromScimmy(SCIMMY.Schemas.EnterpriseUser.definition, `/Schemas/${URN.enterprise}`);
  const all = { user, group, enterprise, rollcallUser: fromFile("rollcall-user.json"), rollcallGroup: fromFile("rollcall-group.json"), role: fromFile("role.json"), teamsUser: fromFile("teams-user.json"),
    rollcallSpc: fromFile("rollcall-service-provider-config.json") };
  for (const s of Object.values(all)) publishBounds(s.attributes, "");
  return all;
}

/**
 * RFC 7643 §7 has no characteristic for a length or count limit, and strict clients
 * refuse unknown ones, so each attribute's bound is published in its description.
 */
function publishBounds(attrs: AttributeDef[], parent: string): void {
  for (const a of attrs) {
    const path = parent ? `${parent}.${a.name}` : a.name;
    if (a.mutability !== "readOnly") {
      const text = describeBound(boundOf(a, path));
      if (text) a.description = a.description ? `${a.description.replace(/\s*$/, "")}${/[.!?]$/.test(a.description.trim()) ? "" : "."} ${text}` : text;
    }
    if (a.subAttributes) publishBounds(a.subAttributes, path);
  }
}

export const SCHEMAS = build();

/** Every schema served by /Schemas, keyed by its URN. */
export const ALL_SCHEMAS: SchemaDef[] = [SCHEMAS.user, SCHEMAS.enterprise, SCHEMAS.rollcallUser, SCHEMAS.teamsUser, SCHEMAS.group, SCHEMAS.rollcallGroup, SCHEMAS.role, SCHEMAS.rollcallSpc];

export interface ResourceShape {
  core: SchemaDef;
  extensions: SchemaDef[];
}

export const USER_SHAPE: ResourceShape = { core: SCHEMAS.user, extensions: [SCHEMAS.enterprise, SCHEMAS.rollcallUser] };
export const GROUP_SHAPE: ResourceShape = { core: SCHEMAS.group, extensions: [SCHEMAS.rollcallGroup] };
export const ROLE_SHAPE: ResourceShape = { core: SCHEMAS.role, extensions: [] };
