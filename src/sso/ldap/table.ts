/**
 * The `ldap_connections` table (migration 0006-ldap), added to the shared
 * Database type with Kysely's `withTables` so that this door keeps its own types.
 */
import type { Kysely } from "kysely";
import type { Bool, Database } from "../../../db/types.ts";

/** An org's LDAP connection (at most one per org). */
export interface LdapConnectionsTable {
  org_id: string;
  url: string;
  start_tls: Bool;
  bind_dn: string;
  /** encrypted with ROLLCALL_ENCRYPTION_KEY (src/org/security/secrets.ts); never the plain password */
  bind_password: string;
  base_dn: string;
  user_filter: string;
  /** JSON object: our attribute → the directory's */
  attributes: string;
  group_base_dn: string | null;
  group_filter: string | null;
  /** JSON array of group names or DNs */
  allowed_groups: string;
  trust_email: Bool;
  timeout_ms: number;
  created_at: string;
  updated_at: string;
}

export type LdapDatabase = Database & { ldap_connections: LdapConnectionsTable };

export const ldapDb = (db: Kysely<Database>): Kysely<LdapDatabase> => db.withTables<{ ldap_connections: LdapConnectionsTable }>();
