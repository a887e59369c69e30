/**
 * The attribute whitelists the SCIM filter compiler works over: the
 * AttributeSpec/ChildTable/AttributeMap types and the maps for /Users
 * (USER_ATTRIBUTES) and /Groups (GROUP_ATTRIBUTES). Compilation itself is in
 * compile.ts.
 */
export type AttributeType = "string" | "boolean" | "dateTime" | "reference";

export interface AttributeSpec {
  type: AttributeType;
  /** column on the resource table, or on the child table when `child` is set */
  column: string;
  caseExact: boolean;
  /** the column holds the value lower-cased by the application (a `*_key` column) */
  lowered?: boolean;
  nullable: boolean;
  /** key in AttributeMap.children when a child table backs this multi-valued attribute */
  child?: string;
}

export interface ChildTable {
  table: string;
  alias: string;
  /** column of the child holding the parent's `id` */
  parentKey: string;
  /** which value sorts a parent ("primary, then first"); without it, sorting by this attribute is refused */
  sortOrder?: { column: string; desc?: boolean }[];
}

export interface AttributeMap {
  /** the resource table and the alias the caller selects it as (`members as m`) */
  table: string;
  alias: string;
  /** core schema URN; `urn:…:User:userName` is the same attribute as `userName` */
  schema: string;
  /** keyed by lower-cased dotted path: "username", "name.givenname", "emails.value" */
  attributes: Record<string, AttributeSpec>;
  /** keyed by lower-cased multi-valued attribute name: "emails", "members" */
  children: Record<string, ChildTable>;
  /** set by compileFilter: the org whose child rows may match */
  orgId?: string;
}

const str = (column: string, caseExact: boolean, nullable: boolean, lowered = false): AttributeSpec =>
  ({ type: "string", column, caseExact, nullable, lowered });
const meta = {
  "meta.created": { type: "dateTime", column: "created_at", caseExact: true, nullable: false },
  "meta.lastmodified": { type: "dateTime", column: "updated_at", caseExact: true, nullable: false },
} satisfies Record<string, AttributeSpec>;

/** SCIM /Users over `members as m`; emails over `member_emails as e`. */
export const USER_ATTRIBUTES: AttributeMap = {
  table: "members",
  alias: "m",
  schema: "urn:ietf:params:scim:schemas:core:2.0:User",
  attributes: {
    id: str("id", true, false),
    username: str("user_name_key", false, false, true),
    externalid: str("external_id", true, true),
    displayname: str("display_name_key", false, true, true),
    "name.givenname": str("given_name", false, true),
    "name.familyname": str("family_name", false, true),
    active: { type: "boolean", column: "active", caseExact: true, nullable: false },
    ...meta,
    emails: { ...str("value_key", false, false, true), child: "emails" },
    "emails.value": { ...str("value_key", false, false, true), child: "emails" },
    "emails.type": { ...str("type", false, true), child: "emails" },
    "emails.primary": { type: "boolean", column: "is_primary", caseExact: true, nullable: false, child: "emails" },
  },
  children: {
    emails: {
      table: "member_emails",
      alias: "e",
      parentKey: "member_id",
      sortOrder: [{ column: "is_primary", desc: true }, { column: "position" }],
    },
  },
};

/** SCIM /Groups over `teams as t`; members over `team_members as tm`. */
export const GROUP_ATTRIBUTES: AttributeMap = {
  table: "teams",
  alias: "t",
  schema: "urn:ietf:params:scim:schemas:core:2.0:Group",
  attributes: {
    id: str("id", true, false),
    displayname: str("name_key", false, false, true),
    externalid: str("external_id", true, true),
    ...meta,
    members: { type: "reference", column: "member_id", caseExact: true, nullable: false, child: "members" },
    "members.value": { type: "reference", column: "member_id", caseExact: true, nullable: false, child: "members" },
  },
  children: {
    members: { table: "team_members", alias: "tm", parentKey: "team_id" },
  },
};
