/**
 * The conversation with an org's directory, over ldapts:
 * service bind → search the user (name escaped per RFC 4515) → exactly one entry →
 * bind as that entry's DN with the password → service bind again → search the
 * user's groups (DN escaped per RFC 4515). The whole conversation is bounded by
 * the connection's `timeoutMs`: a directory that is down or never answers ends
 * in `unavailable` within that time, and the socket is destroyed.
 *
 * No DN is ever built from input: the user's DN is the one the directory returned.
 *
 * @example
 * const r = await authenticate(settings, "alice", "s3cret");
 * if (r.ok) console.log(r.user.dn, r.user.groups);
 */
import net from "node:net";
import tls from "node:tls";
import { Client, Filter, FilterParser, InvalidCredentialsError, NoSuchObjectError, ResultCodeError, SizeLimitExceededError, type Entry } from "ldapts";
import type { LdapSettings } from "../../org/connections/ldap-connections.ts";
import { outboundLookup, refuseLiteralHost } from "../../org/security/outbound.ts";

export interface DirectoryUser {
  /** as the directory returned it */
  dn: string;
  username: string | null;
  email: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  /** group names (cn, else the first RDN value) */
  groups: string[];
  groupDns: string[];
}

export type Failure =
  /** connection refused, host unknown, TLS failed, timed out, connection closed */
  | { ok: false; reason: "unavailable"; detail: string }
  /** the service account's bind was refused */
  | { ok: false; reason: "bind_refused"; detail: string }
  /** the directory answered with an error (e.g. the base DN does not exist) */
  | { ok: false; reason: "directory_error"; detail: string }
  | { ok: false; reason: "user_not_found" | "ambiguous" | "wrong_password"; detail: string };

export type DirectoryResult = { ok: true; user: DirectoryUser } | Failure;

/** Opens ldapts clients; tests wrap it to count what is asked of the directory. */
export type ClientFactory = (s: LdapSettings) => Client;

export const defaultClientFactory: ClientFactory = (s) => {
  const host = new URL(s.url).hostname.replace(/^\[|\]$/g, "");
  const servername = isIp(host) ? undefined : host;
  return new Client({
    url: s.url, connectTimeout: s.timeoutMs, timeout: s.timeoutMs, tlsOptions: { servername },
    // the outbound policy at each connection: the name resolved and every address checked, an IP literal before the socket opens
    createConnection: ((port: number, h: string) => {
      refuseLiteralHost(h);
      return net.connect({ port, host: h, lookup: outboundLookup });
    }) as typeof net.connect,
    createSecureConnection: ((...args: unknown[]) => {
      // ldaps: (port, host, tlsOptions); StartTLS: (options with the already checked socket)
      if (typeof args[0] === "object") return tls.connect(args[0] as tls.ConnectionOptions);
      const [port, h, opts] = args as [number, string, tls.ConnectionOptions | undefined];
      refuseLiteralHost(h);
      return tls.connect({ ...opts, port, host: h, servername: opts?.servername ?? servername, lookup: outboundLookup });
    }) as typeof tls.connect,
  });
};

const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(":");

class Fail extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
  }
}
const fail = (reason: Failure["reason"], detail: string) => new Fail({ ok: false, reason, detail } as Failure);

class Deadline extends Error {}

/** Fills a filter template; every value is escaped per RFC 4515 (`*`, `(`, `)`, `\`, NUL). */
export function fillFilter(template: string, values: Record<string, string>): Filter {
  const text = template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? Filter.escape(values[name]!) : whole));
  return FilterParser.parseString(text);
}

/** The words an admin reads for a network-level failure. */
export function networkWords(err: unknown, timeoutMs: number): string {
  if (err instanceof Deadline) return `timed out after ${timeoutMs} ms`;
  const e = err as { code?: string; message?: string };
  const msg = e?.message ?? String(err);
  if (e?.code === "ECONNREFUSED") return "connection refused";
  if (e?.code === "ENOTFOUND" || e?.code === "EAI_AGAIN") return "host not found";
  if (e?.code === "ECONNRESET" || /Connection closed|socket hang up/i.test(msg)) return "connection closed by the directory";
  if (e?.code === "EHOSTUNREACH" || e?.code === "ENETUNREACH") return "host unreachable";
  if (/timeout|timed out/i.test(msg)) return `timed out after ${timeoutMs} ms`;
  if ((e?.code && /CERT|TLS|SSL/.test(e.code)) || /certificate|TLS|SSL/i.test(msg)) return `TLS failed: ${msg}`;
  return msg;
}

const first = (entry: Entry, attr: string): string | null => {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attr.toLowerCase());
  const v = key ? entry[key] : undefined;
  const s = Array.isArray(v) ? v[0] : v;
  if (s === undefined || s === null) return null;
  const str = Buffer.isBuffer(s) ? s.toString("utf8") : String(s);
  return str.trim() || null;
};

/** The first RDN's value, unescaped enough for a name ("cn=ops,ou=groups" → "ops"). */
const rdnValue = (dn: string): string => {
  const m = /^[^=]+=((?:\\.|[^,\\])*)/.exec(dn);
  return (m?.[1] ?? dn).replace(/\\([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))).replace(/\\(.)/g, "$1");
};

/** Runs `work` on a fresh client within the connection's time bound; always destroys the client. */
async function converse<T>(s: LdapSettings, factory: ClientFactory, work: (c: Client) => Promise<T>): Promise<T | Failure> {
  const client = factory(s);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Deadline()), s.timeoutMs); });
  const run = (async () => {
    if (s.startTls) {
      const host = new URL(s.url).hostname.replace(/^\[|\]$/g, "");
      await client.startTLS({ host, servername: isIp(host) ? undefined : host });
    }
    return work(client);
  })();
  run.catch(() => {}); // settled after the deadline: nobody is waiting any more
  try {
    return await Promise.race([run, deadline]);
  } catch (err) {
    if (err instanceof Fail) return err.failure;
    if (err instanceof ResultCodeError) return { ok: false, reason: "directory_error", detail: `the directory answered: ${err.message}` };
    return { ok: false, reason: "unavailable", detail: networkWords(err, s.timeoutMs) };
  } finally {
    clearTimeout(timer);
    client.unbind().catch(() => {});
  }
}

async function serviceBind(c: Client, s: LdapSettings): Promise<void> {
  try {
    await c.bind(s.bindDn, s.bindPassword);
  } catch (err) {
    if (err instanceof InvalidCredentialsError) throw fail("bind_refused", `bind refused for the service account ${s.bindDn} (wrong bind DN or password)`);
    if (err instanceof ResultCodeError) throw fail("bind_refused", `bind refused for the service account ${s.bindDn}: ${err.message}`);
    throw err;
  }
}

async function findUser(c: Client, s: LdapSettings, username: string): Promise<Entry> {
  let entries: Entry[];
  try {
    const res = await c.search(s.baseDn, {
      scope: "sub", filter: fillFilter(s.userFilter, { username }), sizeLimit: 2,
      attributes: [...new Set(Object.values(s.attributes))],
    });
    entries = res.searchEntries;
  } catch (err) {
    if (err instanceof SizeLimitExceededError) throw fail("ambiguous", `more than one entry matches "${username}"`);
    if (err instanceof NoSuchObjectError) throw fail("directory_error", `the base DN ${s.baseDn} does not exist`);
    throw err;
  }
  if (entries.length === 0) throw fail("user_not_found", `user not found: no entry under ${s.baseDn} matches ${s.userFilter.replace("{username}", username)}`);
  if (entries.length > 1) throw fail("ambiguous", `more than one entry matches "${username}" (${entries.map((e) => e.dn).join("; ")})`);
  return entries[0]!;
}

async function findGroups(c: Client, s: LdapSettings, dn: string, username: string): Promise<{ names: string[]; dns: string[] }> {
  if (!s.groupBaseDn || !s.groupFilter) return { names: [], dns: [] };
  try {
    const res = await c.search(s.groupBaseDn, { scope: "sub", filter: fillFilter(s.groupFilter, { dn, username }), attributes: ["cn"] });
    const entries = res.searchEntries;
    return { names: entries.map((e) => first(e, "cn") ?? rdnValue(e.dn)), dns: entries.map((e) => e.dn) };
  } catch (err) {
    if (err instanceof NoSuchObjectError) throw fail("directory_error", `the group base DN ${s.groupBaseDn} does not exist`);
    throw err;
  }
}

function toUser(s: LdapSettings, entry: Entry, groups: { names: string[]; dns: string[] }): DirectoryUser {
  const a = s.attributes;
  return {
    dn: entry.dn, username: first(entry, a.username), email: first(entry, a.email), displayName: first(entry, a.name),
    givenName: first(entry, a.givenName), familyName: first(entry, a.familyName), groups: groups.names, groupDns: groups.dns,
  };
}

/**
 * Checks `username` / `password` against the directory. The caller refuses an
 * empty password before calling (a directory treats it as an anonymous bind).
 */
export async function authenticate(s: LdapSettings, username: string, password: string, factory: ClientFactory = defaultClientFactory): Promise<DirectoryResult> {
  if (!password) throw new Error("authenticate: an empty password must be refused before any bind");
  const r = await converse(s, factory, async (c) => {
    await serviceBind(c, s);
    const entry = await findUser(c, s, username);
    try {
      await c.bind(entry.dn, password);
    } catch (err) {
      if (err instanceof ResultCodeError) throw fail("wrong_password", `bind refused for ${entry.dn}`);
      throw err;
    }
    // Groups are read as the service account: users often may not read groups.
    await serviceBind(c, s);
    return toUser(s, entry, await findGroups(c, s, entry.dn, username));
  });
  return "ok" in r ? r : { ok: true, user: r };
}

/** The admin's test: service bind, and when a name is given, the user's entry and groups (no user bind). */
export async function lookup(s: LdapSettings, username: string | undefined, factory: ClientFactory = defaultClientFactory): Promise<{ ok: true; user: DirectoryUser | null } | Failure> {
  const r = await converse(s, factory, async (c) => {
    await serviceBind(c, s);
    if (!username) return { found: null };
    const entry = await findUser(c, s, username);
    return { found: toUser(s, entry, await findGroups(c, s, entry.dn, username)) };
  });
  return "ok" in r ? r : { ok: true, user: r.found };
}

/** True when the allow-list is empty or names one of the user's groups (by name or DN, case-insensitively). */
export function allowed(s: LdapSettings, user: DirectoryUser): boolean {
  if (!s.allowedGroups.length) return true;
  const norm = (v: string) => v.trim().toLowerCase().replace(/\s*,\s*/g, ",");
  const have = new Set([...user.groups, ...user.groupDns].map(norm));
  return s.allowedGroups.some((g) => have.has(norm(g)));
}
