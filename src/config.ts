/** Configuration from the environment; every variable is listed in .env.example. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  orgName: string;
  bootstrapKey: string | undefined;
  /** public base URL (e.g. https://rollcall.example.com); derived from the request when unset */
  baseUrl: string | undefined;
  /** largest accepted request body, in bytes */
  maxBodyBytes: number;
  /** largest SCIM page (`count`) a client may ask for */
  maxPageSize: number;
  /** lifetime of an RFC 9865 cursor, in seconds */
  cursorTtlSeconds: number;
  /** secret that signs cursors; random per process when unset (cursors then die with the process, and a second instance refuses them) */
  cursorSecret: string | undefined;
  logLevel: string;
  /** SMTP server for invite e-mails (smtp://user:pass@host:port); unset: invite links are logged */
  smtpUrl: string | undefined;
  /** From: address of invite e-mails */
  smtpFrom: string;
  /** lifetime of an invite link, in hours */
  inviteTtlHours: number;
  /** DNS server (host:port) for domain verification; unset: the system resolvers */
  dnsResolver: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    port: intVar(env, "PORT", 8080),
    host: env.HOST || "0.0.0.0",
    databaseUrl: env.DATABASE_URL || undefined,
    orgName: env.ROLLCALL_ORG_NAME || "default",
    bootstrapKey: env.ROLLCALL_BOOTSTRAP_KEY || undefined,
    baseUrl: env.ROLLCALL_BASE_URL?.replace(/\/+$/, "") || undefined,
    maxBodyBytes: intVar(env, "MAX_BODY_BYTES", 1024 * 1024),
    maxPageSize: intVar(env, "SCIM_MAX_PAGE_SIZE", 1000),
    cursorTtlSeconds: intVar(env, "SCIM_CURSOR_TTL_SECONDS", 3600),
    cursorSecret: env.ROLLCALL_CURSOR_SECRET || undefined,
    logLevel: env.LOG_LEVEL || "info",
    smtpUrl: env.SMTP_URL || undefined,
    smtpFrom: env.SMTP_FROM || "Rollcall <rollcall@localhost>",
    inviteTtlHours: intVar(env, "INVITE_TTL_HOURS", 7 * 24),
    dnsResolver: env.DNS_RESOLVER || undefined,
  };
}

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return n;
}
