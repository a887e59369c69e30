/** Configuration from the environment; every variable is listed in .env.example. */
import { OUTBOUND_ALLOW_VAR, parseOutboundAllow } from "./org/security/outbound.ts";
import { parseEncryptionKey } from "./org/security/secrets.ts";

/** A single-org install's OpenID Connect connection, from OIDC_* (applied to the org named ROLLCALL_ORG_NAME). */
export interface OidcEnvConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** space-separated */
  scopes: string;
}

/** A single-org install's LDAP connection, from LDAP_* (used for the org named ROLLCALL_ORG_NAME; validated in src/org/connections/ldap-connections.ts). */
export interface LdapEnvConfig {
  url: string;
  startTls: boolean;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string | undefined;
  /** e.g. "email=mail,name=cn,givenName=givenName,familyName=sn,username=uid" */
  attributes: string | undefined;
  groupBaseDn: string | undefined;
  groupFilter: string | undefined;
  /** LDAP_ALLOWED_GROUPS: comma-separated group names, or a JSON array (for group DNs); empty: no allow-list */
  allowedGroups: string[];
  trustEmail: boolean;
  timeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  orgName: string;
  /** the org ROLLCALL_ORG_NAME names, found at start by slug, name, former name or id (bootstrap sets it); OIDC_* and LDAP_* apply to it */
  envOrgId?: string;
  bootstrapKey: string | undefined;
  /** ROLLCALL_BASE_URL: public base URL (e.g. https://rollcall.example.com) of every absolute link; unset: the request's checked Host (src/http/public-address.ts) */
  baseUrl: string | undefined;
  /** ROLLCALL_ALLOWED_HOSTS: host or host:port names requests may carry when no base URL is set; unset: loopback only (production requires one of the two) */
  allowedHosts?: string[];
  /** NODE_ENV=production (what `npm start` sets): the public address is required at start */
  production?: boolean;
  /** largest accepted request body, in bytes */
  maxBodyBytes: number;
  /** largest SCIM page (`count`) a client may ask for */
  maxPageSize: number;
  /** lifetime of an RFC 9865 cursor, in seconds */
  cursorTtlSeconds: number;
  /** secret that signs cursors; random per process when unset (cursors then die with the process, and a second instance refuses them) */
  cursorSecret: string | undefined;
  logLevel: string;
  /** when set, GET /metrics requires `Authorization: Bearer <metricsToken>` */
  metricsToken: string | undefined;
  /** SMTP server for invite e-mails (smtp://user:pass@host:port); unset: invite links are logged */
  smtpUrl: string | undefined;
  /** From: address of invite e-mails */
  smtpFrom: string;
  /** lifetime of an invite link, in hours */
  inviteTtlHours: number;
  /** DNS server (host:port) for domain verification; unset: the system resolvers */
  dnsResolver: string | undefined;
  /** DOMAIN_CLAIM_TTL_DAYS: a pending domain claim ends this many days after it was made unless verified (default 7) */
  domainClaimTtlDays?: number;
  /** SESSION_SECRET signs session cookies; unset: one random secret generated once and stored in the database (shared by every instance) */
  sessionSecret?: string | undefined;
  /** SESSION_TTL_HOURS: lifetime of a sign-in session (default 12) */
  sessionTtlHours?: number;
  /** TRUST_PROXY: express "trust proxy" (true/false, a hop count, or addresses/subnets); decides req.ip, req.secure and Secure cookies */
  trustProxy?: boolean | number | string;
  /** ROLLCALL_ENCRYPTION_KEY: 32 bytes that encrypt stored secrets (OIDC client secrets); unset: storing one is refused */
  encryptionKey: Buffer | undefined;
  /** OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_SCOPES */
  oidc: OidcEnvConfig | undefined;
  /** LDAP_URL, LDAP_BIND_DN, LDAP_BIND_PASSWORD, LDAP_BASE_DN, … (see .env.example) */
  ldap: LdapEnvConfig | undefined;
  /** OAUTH_TOKEN_LIMIT (default 60) token requests per client address and per client_id per OAUTH_TOKEN_LIMIT_WINDOW_SECONDS (default 60) */
  oauthTokenLimits?: { perWindow: number; windowSeconds: number };
  /** OAUTH_JWKS_COOLDOWN_SECONDS: least time between two refetches of another party's JWKS on an unknown key id (default 30) */
  oauthJwksCooldownMs?: number;
  /** EVENTS_* : provisioning event delivery (src/events) */
  events?: EventsConfig;
}

export interface EventsConfig {
  /** EVENTS_WORKER=off: this instance does not deliver (another one does; on SQLite only one may) */
  worker: boolean;
  /** EVENTS_MAX_ATTEMPTS: a receiver's default number of attempts before a delivery is dead */
  maxAttempts: number;
  /** EVENTS_RETRY_BASE_MS, EVENTS_RETRY_MAX_MS: the first retry waits about base, each next doubles, none longer than max */
  retryBaseMs: number;
  retryMaxMs: number;
  /** EVENTS_TIMEOUT_MS: how long one push may take */
  timeoutMs: number;
  /** EVENTS_KEY_ROTATION_DAYS: a new SET signing key after this many days */
  keyRotationDays: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // ROLLCALL_OUTBOUND_ALLOW is read where connections are made (src/org/security/outbound.ts); a bad entry stops the start here.
  parseOutboundAllow(env[OUTBOUND_ALLOW_VAR]);
  return {
    port: intVar(env, "PORT", 8080),
    host: env.HOST || "0.0.0.0",
    databaseUrl: env.DATABASE_URL || undefined,
    orgName: env.ROLLCALL_ORG_NAME || "default",
    bootstrapKey: env.ROLLCALL_BOOTSTRAP_KEY || undefined,
    baseUrl: baseUrlVar(env.ROLLCALL_BASE_URL),
    allowedHosts: listVar(env, "ROLLCALL_ALLOWED_HOSTS").map((h) => h.toLowerCase()),
    production: env.NODE_ENV === "production",
    maxBodyBytes: intVar(env, "MAX_BODY_BYTES", 1024 * 1024),
    maxPageSize: intVar(env, "SCIM_MAX_PAGE_SIZE", 1000),
    cursorTtlSeconds: intVar(env, "SCIM_CURSOR_TTL_SECONDS", 3600),
    cursorSecret: env.ROLLCALL_CURSOR_SECRET || undefined,
    logLevel: env.LOG_LEVEL || "info",
    metricsToken: env.METRICS_TOKEN || undefined,
    smtpUrl: env.SMTP_URL || undefined,
    smtpFrom: env.SMTP_FROM || "Rollcall <rollcall@localhost>",
    inviteTtlHours: intVar(env, "INVITE_TTL_HOURS", 7 * 24),
    dnsResolver: env.DNS_RESOLVER || undefined,
    domainClaimTtlDays: positiveIntVar(env, "DOMAIN_CLAIM_TTL_DAYS", 7),
    sessionSecret: env.SESSION_SECRET || undefined,
    sessionTtlHours: intVar(env, "SESSION_TTL_HOURS", 12),
    trustProxy: trustProxyVar(env.TRUST_PROXY),
    encryptionKey: env.ROLLCALL_ENCRYPTION_KEY ? parseEncryptionKey(env.ROLLCALL_ENCRYPTION_KEY) : undefined,
    oidc: oidcVars(env),
    ldap: ldapVars(env),
    events: {
      worker: env.EVENTS_WORKER !== "off",
      maxAttempts: positiveIntVar(env, "EVENTS_MAX_ATTEMPTS", 15),
      retryBaseMs: positiveIntVar(env, "EVENTS_RETRY_BASE_MS", 1000),
      retryMaxMs: positiveIntVar(env, "EVENTS_RETRY_MAX_MS", 3_600_000),
      timeoutMs: positiveIntVar(env, "EVENTS_TIMEOUT_MS", 10_000),
      keyRotationDays: positiveIntVar(env, "EVENTS_KEY_ROTATION_DAYS", 30),
    },
    oauthTokenLimits: { perWindow: positiveIntVar(env, "OAUTH_TOKEN_LIMIT", 60), windowSeconds: positiveIntVar(env, "OAUTH_TOKEN_LIMIT_WINDOW_SECONDS", 60) },
    oauthJwksCooldownMs: positiveIntVar(env, "OAUTH_JWKS_COOLDOWN_SECONDS", 30) * 1000,
  };
}

export const eventsConfig = (config: Config): EventsConfig => config.events ?? loadConfig({}).events!;

function oidcVars(env: NodeJS.ProcessEnv): OidcEnvConfig | undefined {
  const issuer = env.OIDC_ISSUER?.trim();
  if (!issuer) return undefined;
  const clientId = env.OIDC_CLIENT_ID?.trim();
  const clientSecret = env.OIDC_CLIENT_SECRET;
  if (!clientId || !clientSecret) throw new Error("OIDC_ISSUER is set: OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set too");
  return { issuer, clientId, clientSecret, scopes: env.OIDC_SCOPES?.trim() || "openid email profile" };
}

function ldapVars(env: NodeJS.ProcessEnv): LdapEnvConfig | undefined {
  const url = env.LDAP_URL?.trim();
  if (!url) return undefined;
  const bindDn = env.LDAP_BIND_DN?.trim();
  const bindPassword = env.LDAP_BIND_PASSWORD;
  const baseDn = env.LDAP_BASE_DN?.trim();
  if (!bindDn || !bindPassword || !baseDn) throw new Error("LDAP_URL is set: LDAP_BIND_DN, LDAP_BIND_PASSWORD and LDAP_BASE_DN must be set too");
  const startTls = (env.LDAP_STARTTLS ?? "").trim().toLowerCase();
  if (!["", "true", "false", "1", "0"].includes(startTls)) throw new Error(`LDAP_STARTTLS must be true or false, got "${env.LDAP_STARTTLS}"`);
  const trustEmail = (env.LDAP_TRUST_EMAIL ?? "").trim().toLowerCase();
  if (!["", "true", "false", "1", "0"].includes(trustEmail)) throw new Error(`LDAP_TRUST_EMAIL must be true or false, got "${env.LDAP_TRUST_EMAIL}"`);
  return {
    url, bindDn, bindPassword, baseDn,
    startTls: startTls === "true" || startTls === "1",
    userFilter: env.LDAP_USER_FILTER?.trim() || undefined,
    attributes: env.LDAP_ATTRIBUTES?.trim() || undefined,
    groupBaseDn: env.LDAP_GROUP_BASE_DN?.trim() || undefined,
    groupFilter: env.LDAP_GROUP_FILTER?.trim() || undefined,
    allowedGroups: listVar(env, "LDAP_ALLOWED_GROUPS"),
    trustEmail: trustEmail === "true" || trustEmail === "1",
    timeoutMs: intVar(env, "LDAP_TIMEOUT_MS", 5000),
  };
}

/** ROLLCALL_BASE_URL: an http(s) origin with an optional path prefix, no trailing slash, no query. */
function baseUrlVar(raw: string | undefined): string | undefined {
  const v = raw?.trim().replace(/\/+$/, "");
  if (!v) return undefined;
  let url: URL | undefined;
  try { url = new URL(v); } catch { url = undefined; }
  if (!url || !["http:", "https:"].includes(url.protocol) || url.search || url.hash || url.username || url.password)
    throw new Error(`ROLLCALL_BASE_URL must be an http(s) URL such as https://rollcall.example.com, got "${raw}"`);
  return v;
}

/** Comma-separated values, or a JSON array of strings when the value starts with "[". */
function listVar(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = (env[name] ?? "").trim();
  if (!raw.startsWith("[")) return raw.split(",").map((v) => v.trim()).filter(Boolean);
  let list: unknown;
  try { list = JSON.parse(raw); } catch { list = null; }
  if (!Array.isArray(list) || list.some((v) => typeof v !== "string")) throw new Error(`${name} must be comma-separated names or a JSON array of strings`);
  return (list as string[]).map((v) => v.trim()).filter(Boolean);
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}

function positiveIntVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const n = intVar(env, name, fallback);
  if (n < 1) throw new Error(`${name} must be at least 1, got "${env[name]}"`);
  return n;
}

/** TRUST_PROXY as express understands it: unset/false → false, true → true, a number → hops, else addresses/subnets. */
function trustProxyVar(raw: string | undefined): boolean | number | string {
  const v = raw?.trim();
  if (!v || v.toLowerCase() === "false") return false;
  if (v.toLowerCase() === "true") return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}
