/**
 * Kysely table types. Booleans are stored as integers (0/1) and timestamps as
 * ISO-8601 UTC text (`Date#toISOString`) on both SQLite and PostgreSQL, so the
 * same queries and comparisons work unchanged on either database.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from "kysely";

export type Bool = 0 | 1;

export interface OrgsTable {
  id: string;
  name: string;
  /** lower-cased name: org names are unique case-insensitively */
  name_key: string;
  /** the identifier in sign-in, console and callback URLs: set at creation, never changed by a rename */
  slug: string;
  plan: Generated<string>; // 'standard' | 'enterprise'
  auto_provisioning: Generated<Bool>;
  default_team_id: string | null;
  team_joining_at_signup: Generated<Bool>;
  /** directory groups (OIDC `groups`, LDAP groups) place members in teams of the same name at each sign-in */
  sync_groups_to_teams: Generated<Bool>;
  full_models_seat_limit: number | null;
  viewer_models_seat_limit: number | null;
  /** e-mail link sign-in (POST /auth/{org}/email/start) is open to everyone, not only invitees (migration 0010) */
  email_link_sign_in: Generated<Bool>;
  /** 'refuse' | 'no-seat': a newcomer when the full Models seats are used up (migration 0010) */
  seat_overflow: Generated<string>;
  created_at: string;
  updated_at: string;
}

/** A global identity: one person, many org memberships. */
export interface UsersTable {
  id: string;
  email: string | null;
  email_key: string | null;
  email_verified: Generated<Bool>;
  display_name: string | null;
  created_at: string;
  updated_at: string;
}

/** Login identities (OIDC issuer+sub, LDAP server+DN) that link to a user. */
export interface IdentitiesTable {
  id: string;
  user_id: string;
  provider: string; // 'oidc' | 'ldap'
  issuer: string;
  subject: string;
  created_at: string;
}

/** A user inside one org. SCIM /Users are members. */
export interface MembersTable {
  id: string;
  org_id: string;
  user_id: string;
  user_name: string;
  user_name_key: string;
  external_id: string | null;
  display_name: string | null;
  display_name_key: string | null;
  given_name: string | null;
  family_name: string | null;
  active: Generated<Bool>;
  org_role: Generated<string>; // 'admin' | 'member' | 'viewer'
  models_seat: Generated<string>; // 'full' | 'viewer' | 'none'
  weave_role: Generated<string>; // 'full' | 'viewer' | 'none'
  billing_admin: Generated<Bool>;
  /** the primary address, lower-cased (members.ts writeEmails keeps it; migration 0020): the directory's e-mail sort */
  primary_email_key: string | null;
  /** JSON of the SCIM attributes that have no column of their own */
  resource: string;
  revision: Generated<number>;
  created_at: string;
  updated_at: string;
  /** migration 0018: the last sign-in (OIDC, LDAP, e-mail link, invite), null before the first */
  last_sign_in_at: ColumnType<string | null, string | null | undefined, string | null>;
  last_sign_in_door: ColumnType<string | null, string | null | undefined, string | null>;
  /** migration 0021: the SCIM connection (its service account id) managing this member, null when none (src/org/provenance/managed.ts) */
  managed_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface MemberEmailsTable {
  member_id: string;
  org_id: string;
  position: number;
  value: string;
  value_key: string;
  type: string | null;
  is_primary: Bool;
  /** who vouches for this address: 'scim' (the org's directory), 'oidc <issuer>', 'ldap <url>', 'email' (an e-mail link); null: an unverified claim */
  verified_by: string | null;
}

/** Each time an authoritative source verified an address of a user (migration 0009). */
export interface EmailVerificationsTable {
  user_id: string;
  email_key: string;
  /** 'oidc <issuer>' | 'ldap <url>' | 'email' | 'scim <orgId>' | 'legacy' (migrated; links nothing) */
  source: string;
  org_id: string | null;
  verified_at: string;
}

/** SCIM /Groups are teams. */
export interface TeamsTable {
  id: string;
  org_id: string;
  display_name: string;
  name_key: string;
  external_id: string | null;
  storage_type: Generated<string>;
  members_can_invite: Generated<Bool>;
  domain_matching: Generated<Bool>;
  revision: Generated<number>;
  created_at: string;
  updated_at: string;
  /** migration 0021: the SCIM connection (its service account id) managing this team, null when none (src/org/provenance/managed.ts) */
  managed_by: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TeamMembersTable {
  team_id: string;
  member_id: string;
  org_id: string;
  /** 'admin' | 'member' | 'view-only' | 'custom' (then custom_role_id is set) */
  role: Generated<string>;
  custom_role_id: string | null;
  created_at: string;
}

export interface CustomRolesTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  inherited_from: string; // 'member' | 'viewer'
  /** JSON array of permission names granted on top of the inherited role */
  permissions: string;
  /** the directory's id for the role (SCIM externalId), case-exact */
  external_id: string | null;
  revision: Generated<number>;
  created_at: string;
  updated_at: string;
}

export interface ServiceAccountsTable {
  id: string;
  org_id: string;
  /** null: org-scoped; set: team-scoped */
  team_id: string | null;
  name: string;
  created_at: string;
}

/** The last SCIM requests per org, a ring of slots (0019). */
export interface ScimRequestsTable {
  org_id: string;
  slot: number;
  at: string;
  method: string;
  /** the resource path with ids replaced: /Users/{id} */
  path: string;
  status: number;
  key_id: string | null;
  /** a refused key (401): why, in words (0023); null otherwise */
  why: string | null;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  service_account_id: string | null;
  member_id: string | null;
  label: string | null;
  /** first characters of the key, safe to show in listings */
  prefix: string;
  /** SHA-256 of the whole key (keys are high-entropy random strings) */
  hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  /** null: never expires (migration 0014) */
  expires_at: string | null;
}

export interface AuditEventsTable {
  id: Generated<number>;
  org_id: string;
  at: string;
  door: string; // 'scim' | 'admin' | 'cli' | 'sso'
  actor: string;
  action: string;
  target_type: string;
  target_id: string | null;
  /** JSON: what changed, before/after */
  detail: string | null;
  /** the stable id of the provisioning event this change is (SET `jti`, webhook `id`); null before migration 0015 */
  event_id: string | null;
  /** the member the event is about besides its actor (0019) */
  person_id: string | null;
}

/** An invitation to join an org, by e-mail or by user name; the link's token is stored hashed. */
export interface InvitesTable {
  id: string;
  org_id: string;
  email: string | null;
  email_key: string | null;
  user_name: string | null;
  user_name_key: string | null;
  /** the global user an invite by user name names */
  user_id: string | null;
  org_role: string; // 'admin' | 'member' | 'viewer'
  /** JSON array of team ids joined on acceptance (as team member) */
  team_ids: string;
  /** SHA-256 of the link's token */
  token_hash: string;
  invited_by: string;
  created_at: string;
  sent_at: string;
  expires_at: string;
  accepted_at: string | null;
  accepted_member_id: string | null;
  revoked_at: string | null;
  /** JSON object: team id → { role, customRoleId } (migration 0010); teams missing here: member */
  team_roles: Generated<string>;
  /** 'full' | 'viewer' | 'none'; null: by the org role (migration 0010) */
  models_seat: string | null;
  weave_role: string | null;
}

/** A one-time e-mail sign-in link (migration 0010); only the token's hash is stored. */
export interface EmailLinksTable {
  id: string;
  org_id: string;
  token_hash: string;
  email: string;
  email_key: string;
  invite_id: string | null;
  return_to: string | null;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** An e-mail domain claimed by one org (unique across all orgs); routes people only once verified. */
export interface DomainsTable {
  id: string;
  org_id: string;
  /** lower-case, no trailing dot */
  domain: string;
  /** the TXT record is `rollcall-verification=<token>` */
  token: string;
  created_at: string;
  verified_at: string | null;
  /** 'dns' or the actor that marked it verified (CLI operator) */
  verified_by: string | null;
  /** a pending claim ends here (DOMAIN_CLAIM_TTL_DAYS after the claim); null once verified */
  expires_at: string | null;
}

/** A name an org carried before a rename: old URLs keep redirecting to the org's stable address. */
export interface OrgFormerNamesTable {
  /** lower-cased former name */
  name_key: string;
  org_id: string;
  name: string;
  renamed_at: string;
}

/** An org's OpenID Connect connection (at most one per org). */
export interface OidcConnectionsTable {
  org_id: string;
  issuer: string;
  client_id: string;
  /** encrypted with ROLLCALL_ENCRYPTION_KEY (src/org/security/secrets.ts); never the plain secret */
  client_secret: string;
  /** space-separated */
  scopes: string;
  /** JSON object: our claim name → the provider's claim name */
  claims_mapping: string;
  /** 1 only for an http:// issuer on a loopback host */
  allow_insecure: Bool;
  source: string; // 'admin' | 'env'
  created_at: string;
  updated_at: string;
}

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

/** express-session data, stored so that every instance serves the same sessions. */
export interface SessionsTable {
  sid: string;
  /** JSON of the session */
  data: string;
  /** ISO-8601 UTC; rows past it are ignored and pruned */
  expires_at: string;
  /** the signed-in member (null: anonymous, or the operator), its org and door: what ends the session (migration 0009) */
  member_id: string | null;
  org_id: string | null;
  door: string | null;
}

/** Fixed-window counters of sign-in attempts, shared by every instance. */
export interface RateLimitsTable {
  key: string;
  /** ISO-8601 UTC start of the current window */
  window_start: string;
  count: number;
}

/** Secrets generated once and shared by every instance (the session secret when SESSION_SECRET is unset). */
export interface AppSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

/** A place provisioning events go (src/org/events). */
export interface EventReceiversTable {
  id: string;
  org_id: string;
  /** null: the receiver polls (RFC 8936) */
  url: string | null;
  format: string; // 'set' | 'webhook'
  /** ",member.create,…," or "*" */
  event_types: string;
  /** the shared secret, encrypted (src/org/security/secrets.ts) */
  secret: string;
  status: string; // 'active' | 'paused'
  max_attempts: number;
  created_at: string;
}

/** One event for one receiver. */
export interface EventDeliveriesTable {
  id: Generated<number>;
  receiver_id: string;
  audit_id: number;
  resource_key: string;
  status: string; // 'pending' | 'leased' | 'delivered' | 'dead'
  attempts: Generated<number>;
  next_at: string;
  lease_until: string | null;
  last_error: string | null;
  last_status: number | null;
  response_ms: number | null;
  delivered_at: string | null;
}

/** Keys that sign SETs; the newest signs, the recent ones stay in the JWKS. */
export interface EventSigningKeysTable {
  kid: string;
  /** encrypted JWK */
  private_jwk: string;
  public_jwk: string;
  created_at: string;
}

/** OAuth 2.0 for SCIM clients (migration 0014; src/org/security/oauth/) */
export interface OAuthClientsTable {
  id: string;
  org_id: string;
  service_account_id: string;
  client_id: string;
  name: string;
  jwks: string | null;
  jwks_uri: string | null;
  token_lifetime_seconds: number;
  created_at: string;
}

export interface OAuthClientSecretsTable {
  id: string;
  client_ref: string;
  org_id: string;
  prefix: string;
  hash: string;
  label: string | null;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface OAuthAssertionJtisTable {
  client_ref: string;
  jti: string;
  expires_at: string;
}

export interface OAuthSigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: string;
  private_jwk: string;
  created_at: string;
  sign_until: string;
  verify_until: string;
}

export interface ScimFederationsTable {
  id: string;
  org_id: string;
  service_account_id: string;
  issuer: string;
  audience: string;
  subject: string;
  jwks_uri: string | null;
  expires_at: string | null;
  created_at: string;
}

/** One source of one team membership (migration 0011; kinds in src/org/provenance/sources.ts). */
export interface MembershipSourcesTable {
  team_id: string;
  member_id: string;
  org_id: string;
  kind: string;
  source_id: string;
  granted_at: string;
}

/** One source of a member's current org role, Models seat or Weave access (migration 0011). */
export interface AccessSourcesTable {
  member_id: string;
  org_id: string;
  /** 'org_role' | 'models_seat' | 'weave_role' */
  field: string;
  value: string;
  kind: string;
  source_id: string;
  granted_at: string;
}

/** A role mapping rule (migration 0012; src/org/mappings). */
export interface RoleMappingsTable {
  id: string;
  org_id: string;
  /** higher wins; unique per org */
  priority: number;
  match_kind: string;
  match_value: string;
  match_key: string;
  org_role: string | null;
  models_seat: string | null;
  weave_role: string | null;
  team_id: string | null;
  team_role: string | null;
  custom_role_id: string | null;
  created_at: string;
}

/** An OIDC / LDAP group a member's last sign-in carried (migration 0012). */
export interface MemberDirectoryGroupsTable {
  member_id: string;
  org_id: string;
  kind: string;
  group_key: string;
  seen_at: string;
}

/** A SCIM connection: an org-scoped service account marked as one (migration 0013). */
export interface ScimConnectionsTable {
  service_account_id: string;
  org_id: string;
  name: string;
  name_key: string;
  rate_limit_per_minute: number;
  last_request_at: string | null;
  request_count: Generated<number>;
  error_count: Generated<number>;
  created_at: string;
  /** 1: this connection's requests follow the SCIM interop profile strictly (path-less PATCH refused; migration 0022) */
  interop_profile: Generated<number>;
}

export interface Database {
  orgs: OrgsTable;
  users: UsersTable;
  identities: IdentitiesTable;
  members: MembersTable;
  member_emails: MemberEmailsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  custom_roles: CustomRolesTable;
  service_accounts: ServiceAccountsTable;
  api_keys: ApiKeysTable;
  scim_requests: ScimRequestsTable;
  audit_events: AuditEventsTable;
  invites: InvitesTable;
  domains: DomainsTable;
  sessions: SessionsTable;
  rate_limits: RateLimitsTable;
  app_secrets: AppSecretsTable;
  oidc_connections: OidcConnectionsTable;
  ldap_connections: LdapConnectionsTable;
  email_verifications: EmailVerificationsTable;
  email_links: EmailLinksTable;
  org_former_names: OrgFormerNamesTable;
  event_receivers: EventReceiversTable;
  event_deliveries: EventDeliveriesTable;
  event_signing_keys: EventSigningKeysTable;
  oauth_clients: OAuthClientsTable;
  oauth_client_secrets: OAuthClientSecretsTable;
  oauth_assertion_jtis: OAuthAssertionJtisTable;
  oauth_signing_keys: OAuthSigningKeysTable;
  scim_federations: ScimFederationsTable;
  membership_sources: MembershipSourcesTable;
  access_sources: AccessSourcesTable;
  role_mappings: RoleMappingsTable;
  member_directory_groups: MemberDirectoryGroupsTable;
  scim_connections: ScimConnectionsTable;
}

export type Org = Selectable<OrgsTable>;
export type User = Selectable<UsersTable>;
export type Member = Selectable<MembersTable>;
export type NewMember = Insertable<MembersTable>;
export type MemberUpdate = Updateable<MembersTable>;
export type Team = Selectable<TeamsTable>;
export type ApiKey = Selectable<ApiKeysTable>;
export type Invite = Selectable<InvitesTable>;
export type ClaimedDomain = Selectable<DomainsTable>;
export type OidcConnection = Selectable<OidcConnectionsTable>;
export type EmailLink = Selectable<EmailLinksTable>;
