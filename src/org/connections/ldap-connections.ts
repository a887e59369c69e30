/**
 * An org's LDAP connection: where the directory is, the service account that
 * searches it (its password encrypted at rest, src/org/security/secrets.ts), how people
 * and their groups are found, which attributes mean what, and who may sign in.
 * Stored and read here like the OIDC connection (oidc-connections.ts); the LDAP
 * door (src/sso/ldap) only talks to the directory. Managed through the admin
 * API; for a single-org install the LDAP_* variables (src/config.ts) are the connection of the org named ROLLCALL_ORG_NAME and win
 * over a stored one (they are read from the environment, never stored).
 *
 * @example
 * const input = parseLdapInput({ url: "ldap://dir.example.com", bindDn: "cn=rollcall,dc=example,dc=com",
 *   bindPassword: "…", baseDn: "ou=people,dc=example,dc=com" });
 * await saveLdapConnection(db, orgId, input, key, actor);   // password encrypted
 * await resolveLdapSettings(db, config, org);                // decrypted, ready for directory.ts
 */
import type { Kysely } from "kysely";
import { FilterParser } from "ldapts";
import type { Database, LdapConnectionsTable } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { namesOrg } from "../orgs/addresses.ts";
import { invalid, notFound, refused } from "../errors.ts";
import { checkOutboundUrl } from "../security/outbound.ts";
import { decryptSecret, encryptSecret, requireEncryptionKey } from "../security/secrets.ts";
import { endDoorSessions } from "../arrival/sessions.ts";

export const ATTRIBUTE_KEYS = ["email", "name", "givenName", "familyName", "username"] as const;
export type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];
export type AttributeMap = Record<AttributeKey, string>;

export const DEFAULT_ATTRIBUTES: AttributeMap = { email: "mail", name: "cn", givenName: "givenName", familyName: "sn", username: "uid" };
export const DEFAULT_USER_FILTER = "(uid={username})";
export const DEFAULT_GROUP_FILTER = "(member={dn})";
export const DEFAULT_TIMEOUT_MS = 5000;
export const MIN_TIMEOUT_MS = 100;
export const MAX_TIMEOUT_MS = 60_000;

/** What the connection reads of the deployment's configuration (src/config.ts's Config holds it). */
export interface LdapDeployment {
  orgName: string;
  envOrgId?: string;
  encryptionKey: Buffer | undefined;
  /** LDAP_* of a single-org install */
  ldap: (LdapInputFields & { bindPassword: string }) | undefined;
}

/** A connection ready to use (password in plain text: keep it in memory only). */
export interface LdapSettings {
  orgId: string;
  url: string;
  startTls: boolean;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  userFilter: string;
  attributes: AttributeMap;
  groupBaseDn: string | null;
  groupFilter: string | null;
  allowedGroups: string[];
  /** the directory is operated by the org: its e-mail counts as verified (off by default) */
  trustEmail: boolean;
  /** the bound on one sign-in's whole conversation with the directory */
  timeoutMs: number;
  source: "admin" | "env";
}

export type LdapInput = Omit<LdapSettings, "orgId" | "source" | "bindPassword"> & { bindPassword: string | undefined };

/** What the admin API shows: everything but the password. */
export interface LdapConnectionView extends Omit<LdapSettings, "orgId" | "bindPassword"> {
  bindPasswordSet: true;
  createdAt: string | null;
  updatedAt: string | null;
}

/** The cipher's additional data: a stored password only decrypts for its own org. */
const secretContext = (orgId: string) => `ldap-bind-password:${orgId}`;

export function parseLdapUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw invalid(`"${raw}" is not an LDAP URL (expected ldap://host:389 or ldaps://host:636)`);
  }
  if (url.protocol !== "ldap:" && url.protocol !== "ldaps:") throw invalid(`the LDAP URL must start with ldap:// or ldaps://, got ${url.protocol}//`);
  if (!url.hostname) throw invalid("the LDAP URL must name a host");
  if ((url.pathname && url.pathname !== "/") || url.search || url.hash || url.username || url.password)
    throw invalid("the LDAP URL is only scheme, host and port (the base DN, filters and credentials are separate fields)");
  return `${url.protocol}//${url.host}`;
}

/** Parentheses in a filter are all structural (values escape theirs): one outer pair, properly nested. */
function balanced(filter: string): boolean {
  let depth = 0;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i];
    if (c === "\\") { i++; continue; }
    if (c === "(") depth++;
    else if (c === ")" && --depth < 0) return false;
    if (depth === 0 && i < filter.length - 1) return false;
  }
  return depth === 0;
}

/** A filter template: valid LDAP filter syntax once its placeholders are filled, and only known placeholders. */
function parseFilterTemplate(raw: string, field: string, placeholders: string[], required: string[]): string {
  const t = raw.trim();
  const unknown = [...t.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]!).filter((p) => !placeholders.includes(p));
  if (unknown.length) throw invalid(`${field}: unknown placeholder {${unknown[0]}}; allowed: ${placeholders.map((p) => `{${p}}`).join(", ")}`);
  if (!required.some((p) => t.includes(`{${p}}`))) throw invalid(`${field} must contain ${required.map((p) => `{${p}}`).join(" or ")}, e.g. ${field === "userFilter" ? DEFAULT_USER_FILTER : DEFAULT_GROUP_FILTER}`);
  if (!t.startsWith("(") || !t.endsWith(")")) throw invalid(`${field} must be a parenthesised LDAP filter such as ${field === "userFilter" ? DEFAULT_USER_FILTER : DEFAULT_GROUP_FILTER}`);
  if (!balanced(t)) throw invalid(`${field} is not a valid LDAP filter: unbalanced parentheses (a parenthesis inside a value is written \\28 or \\29)`);
  try {
    FilterParser.parseString(t.replace(/\{[^}]*\}/g, "x"));
  } catch (err) {
    throw invalid(`${field} is not a valid LDAP filter: ${(err as Error).message}`);
  }
  return t;
}

/** `email=mail,name=cn,…` or an object; unnamed keys keep their defaults. */
export function parseAttributeMap(raw: unknown): AttributeMap {
  if (raw === undefined || raw === null || raw === "") return { ...DEFAULT_ATTRIBUTES };
  let pairs: [string, unknown][];
  if (typeof raw === "string") {
    pairs = raw.split(",").map((p) => p.trim()).filter(Boolean).map((p) => {
      const i = p.indexOf("=");
      if (i < 1) throw invalid(`attributes: "${p}" is not name=ldapAttribute (e.g. email=mail,name=cn)`);
      return [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    });
  } else if (typeof raw === "object" && !Array.isArray(raw)) {
    pairs = Object.entries(raw as Record<string, unknown>);
  } else {
    throw invalid("attributes must be an object such as {\"email\": \"mail\"} or a string such as \"email=mail,name=cn\"");
  }
  const out: AttributeMap = { ...DEFAULT_ATTRIBUTES };
  for (const [k, v] of pairs) {
    if (!(ATTRIBUTE_KEYS as readonly string[]).includes(k)) throw invalid(`attributes: "${k}" is not an attribute Rollcall reads; allowed: ${ATTRIBUTE_KEYS.join(", ")}`);
    if (typeof v !== "string" || !/^(?:[A-Za-z][A-Za-z0-9-]{0,127}|\d+(?:\.\d+)+)$/.test(v)) throw invalid(`attributes.${k} must be an LDAP attribute name such as "mail"`);
    out[k as AttributeKey] = v;
  }
  return out;
}

function dn(raw: unknown, field: string): string {
  if (typeof raw !== "string" || !raw.trim()) throw invalid(`${field} is required (a DN such as dc=example,dc=com)`);
  if (raw.length > 1000 || /[\0\r\n]/.test(raw)) throw invalid(`${field} is not a DN`);
  return raw.trim();
}

export interface LdapInputFields {
  url: string;
  startTls?: boolean;
  bindDn: string;
  bindPassword?: string;
  baseDn: string;
  userFilter?: string;
  attributes?: unknown;
  groupBaseDn?: string | null;
  groupFilter?: string | null;
  allowedGroups?: string[];
  trustEmail?: boolean;
  timeoutMs?: number;
}

export function parseLdapInput(b: LdapInputFields): LdapInput {
  const url = parseLdapUrl(b.url);
  const startTls = b.startTls ?? false;
  if (startTls && url.startsWith("ldaps:")) throw invalid("startTls is for ldap:// URLs; an ldaps:// connection is already TLS");
  if (b.bindPassword !== undefined && (!b.bindPassword || b.bindPassword.length > 1000)) throw invalid("bindPassword must be 1 to 1000 characters");
  const groupBaseDn = b.groupBaseDn ? dn(b.groupBaseDn, "groupBaseDn") : null;
  const groupFilter = b.groupFilter ? parseFilterTemplate(b.groupFilter, "groupFilter", ["dn", "username"], ["dn", "username"]) : null;
  if (groupFilter && !groupBaseDn) throw invalid("groupFilter needs groupBaseDn (where the groups are)");
  const allowedGroups = [...new Set((b.allowedGroups ?? []).map((g) => g.trim()).filter(Boolean))];
  if (allowedGroups.length && !groupBaseDn) throw invalid("allowedGroups needs groupBaseDn: group membership is read from there");
  const timeoutMs = b.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isInteger(timeoutMs) || timeoutMs < MIN_TIMEOUT_MS || timeoutMs > MAX_TIMEOUT_MS) throw invalid(`timeoutMs must be an integer from ${MIN_TIMEOUT_MS} to ${MAX_TIMEOUT_MS}`);
  return {
    url, startTls, bindDn: dn(b.bindDn, "bindDn"), bindPassword: b.bindPassword, baseDn: dn(b.baseDn, "baseDn"),
    userFilter: parseFilterTemplate(b.userFilter ?? DEFAULT_USER_FILTER, "userFilter", ["username"], ["username"]),
    attributes: parseAttributeMap(b.attributes),
    groupBaseDn, groupFilter: groupBaseDn ? groupFilter ?? DEFAULT_GROUP_FILTER : null,
    allowedGroups, trustEmail: b.trustEmail ?? false, timeoutMs,
  };
}

export async function getLdapConnection(db: Kysely<Database>, orgId: string): Promise<LdapConnectionsTable | undefined> {
  return db.selectFrom("ldap_connections").selectAll().where("org_id", "=", orgId).executeTakeFirst();
}

function fromRow(row: LdapConnectionsTable): Omit<LdapSettings, "bindPassword"> {
  return {
    orgId: row.org_id, url: row.url, startTls: row.start_tls === 1, bindDn: row.bind_dn, baseDn: row.base_dn, userFilter: row.user_filter,
    attributes: { ...DEFAULT_ATTRIBUTES, ...(JSON.parse(row.attributes) as Partial<AttributeMap>) },
    groupBaseDn: row.group_base_dn, groupFilter: row.group_filter, allowedGroups: JSON.parse(row.allowed_groups) as string[],
    trustEmail: row.trust_email === 1, timeoutMs: row.timeout_ms, source: "admin",
  };
}

export function toView(s: Omit<LdapSettings, "bindPassword"> & { bindPassword?: string }, row?: LdapConnectionsTable): LdapConnectionView {
  const { orgId: _orgId, bindPassword: _secret, ...rest } = s;
  return { ...rest, bindPasswordSet: true, createdAt: row?.created_at ?? null, updatedAt: row?.updated_at ?? null };
}

/** The single-org install's connection from LDAP_*, when `org` is the one ROLLCALL_ORG_NAME names (found at start, so a rename keeps it). */
export function envSettings(config: LdapDeployment, org: { id: string; name_key: string; slug?: string }): LdapSettings | null {
  const env = config.ldap;
  if (!env || !(config.envOrgId ? config.envOrgId === org.id : namesOrg(org, config.orgName))) return null;
  const input = parseLdapInput(env);
  return { ...input, orgId: org.id, bindPassword: env.bindPassword, source: "env" };
}

/** The connection that signs people in to `org`: LDAP_* for the single-org install, else the stored one (decrypted); null if none. */
export async function resolveLdapSettings(db: Kysely<Database>, config: LdapDeployment, org: { id: string; name_key: string }): Promise<LdapSettings | null> {
  const fromEnv = envSettings(config, org);
  if (fromEnv) return fromEnv;
  const row = await getLdapConnection(db, org.id);
  if (!row) return null;
  const bindPassword = decryptSecret(requireEncryptionKey(config.encryptionKey, "read the LDAP bind password"), row.bind_password, secretContext(row.org_id));
  return { ...fromRow(row), bindPassword };
}

/** The admin API's view of the org's connection (environment or stored), or null. */
export async function viewLdapConnection(db: Kysely<Database>, config: LdapDeployment, org: { id: string; name_key: string }): Promise<LdapConnectionView | null> {
  const fromEnv = envSettings(config, org);
  if (fromEnv) return toView(fromEnv);
  const row = await getLdapConnection(db, org.id);
  return row ? toView(fromRow(row), row) : null;
}

function refuseEnvManaged(config: LdapDeployment, org: { id: string; name_key: string }): void {
  if (envSettings(config, org))
    throw refused("this organization's LDAP connection comes from the environment (LDAP_URL, LDAP_BIND_DN, LDAP_BIND_PASSWORD, …); change it there and restart");
}

/** Creates or replaces the org's connection; a missing bindPassword keeps the stored one. */
export async function saveLdapConnection(db: Kysely<Database>, config: LdapDeployment, org: { id: string; name_key: string }, input: LdapInput, actor: Actor): Promise<LdapConnectionView> {
  refuseEnvManaged(config, org);
  await checkOutboundUrl(input.url, "The directory's address");
  return db.transaction().execute(async (trx) => {
    const before = await getLdapConnection(trx, org.id);
    if (input.bindPassword === undefined && !before) throw invalid("bindPassword is required for a new connection");
    const password = input.bindPassword === undefined ? before!.bind_password
      : encryptSecret(requireEncryptionKey(config.encryptionKey, "an LDAP bind password"), input.bindPassword, secretContext(org.id));
    const t = now();
    const row: LdapConnectionsTable = {
      org_id: org.id, url: input.url, start_tls: input.startTls ? 1 : 0, bind_dn: input.bindDn, bind_password: password, base_dn: input.baseDn,
      user_filter: input.userFilter, attributes: JSON.stringify(input.attributes), group_base_dn: input.groupBaseDn, group_filter: input.groupFilter,
      allowed_groups: JSON.stringify(input.allowedGroups), trust_email: input.trustEmail ? 1 : 0, timeout_ms: input.timeoutMs,
      created_at: before?.created_at ?? t, updated_at: t,
    };
        if (before) await trx.updateTable("ldap_connections").set(row).where("org_id", "=", org.id).execute();
    else await trx.insertInto("ldap_connections").values(row).execute();
    // Another directory replaces the old one: what the old one signed in ends.
    if (before && before.url !== row.url) await endDoorSessions(trx, org.id, "ldap");
    const audited = (r: LdapConnectionsTable | undefined) => r && { ...toView(fromRow(r)), createdAt: undefined, updatedAt: undefined };
    await recordAudit(trx, {
      orgId: org.id, actor, action: before ? "ldap.update" : "ldap.create", targetType: "ldap_connection", targetId: org.id,
      detail: { before: audited(before) ?? null, after: audited(row), passwordChanged: input.bindPassword !== undefined },
    });
    return toView(fromRow(row), row);
  });
}

export async function deleteLdapConnection(db: Kysely<Database>, config: LdapDeployment, org: { id: string; name_key: string }, actor: Actor): Promise<void> {
  refuseEnvManaged(config, org);
  await db.transaction().execute(async (trx) => {
    const before = await getLdapConnection(trx, org.id);
    if (!before) throw notFound("this organization has no LDAP connection");
    await trx.deleteFrom("ldap_connections").where("org_id", "=", org.id).execute();
    await endDoorSessions(trx, org.id, "ldap");
    await recordAudit(trx, { orgId: org.id, actor, action: "ldap.delete", targetType: "ldap_connection", targetId: org.id, detail: { before: { url: before.url, bindDn: before.bind_dn, baseDn: before.base_dn }, after: null } });
  });
}
