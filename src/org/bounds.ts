/**
 * Bounds on what a client may store, the same on SQLite and PostgreSQL (a
 * PostgreSQL btree entry must stay under 2,704 bytes; SQLite has a limit on
 * bound variables per statement). Every door checks these at its boundary and
 * answers 400 naming the attribute and the bound; README and /Schemas publish them.
 */
export const BOUNDS = {
  /** indexed identifiers: userName, externalId, team name / displayName, e-mail values */
  identifierChars: 256,
  /** a custom role's name (src/org/roles/custom-roles.ts holds names to this) */
  roleNameChars: 128,
  /** e-mail addresses (RFC 5321 allows 254 in a path) */
  emailChars: 254,
  /** free text that is not indexed (titles, labels, descriptions) */
  textChars: 1024,
  /** base64 values that are not indexed (an X.509 certificate is 1–3 KB in base64) */
  binaryChars: 8192,
  /** multi-valued attributes of one resource (emails, phoneNumbers, addresses, …) */
  multiValuedItems: 100,
  /** members changed by one PATCH operation or given in one PUT/POST of a group */
  groupMembersPerRequest: 10_000,
  /** seat limits and other counters set by an admin */
  maxCount: 1_000_000_000,
} as const;
