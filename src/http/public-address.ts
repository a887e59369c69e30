/**
 * Where this server is reached: every absolute link (SCIM `Location` and `meta.location`,
 * invite e-mail links, SSO callback and login URLs) is built here and nowhere else, so
 * none comes from an unchecked `Host` header.
 *
 * - ROLLCALL_BASE_URL set → every link uses it, whatever the request's Host says.
 * - else ROLLCALL_ALLOWED_HOSTS (host or host:port, comma-separated) → a request whose Host
 *   is not listed is refused with 400 (before any router), and links use the checked Host.
 * - neither, outside production → loopback hosts only (localhost, 127.0.0.1, [::1], any port)
 *   plus HOST when it names one address. In production (NODE_ENV=production) the server
 *   refuses to start without one of the two (requirePublicAddress).
 *
 * @example
 * const link = `${publicBaseUrl(req, config)}/invites/accept?token=…`;
 */
import type { NextFunction, Request, Response } from "express";
import type { Config } from "../config.ts";
import { HttpProblem } from "./problems.ts";

const LOOPBACK = ["localhost", "127.0.0.1", "[::1]"];
const WILDCARD_BINDS = new Set(["0.0.0.0", "::", ""]);

/** `Host` split into a lower-case name and an optional port (IPv6 literals keep their brackets). */
function splitHost(raw: string): { name: string; port: string | undefined } {
  const v = raw.trim().toLowerCase();
  const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(v);
  return m ? { name: m[1]!, port: m[2] } : { name: "", port: undefined };
}

/** The hosts a request may name: the configured list, or loopback (and HOST) when nothing is configured. */
export function allowedHosts(config: Config): string[] {
  if (config.allowedHosts?.length) return config.allowedHosts;
  const own = WILDCARD_BINDS.has(config.host) ? [] : [config.host.includes(":") && !config.host.startsWith("[") ? `[${config.host}]` : config.host];
  return [...LOOPBACK, ...own];
}

export function hostAllowed(host: string | undefined, config: Config): boolean {
  if (!host) return false;
  const { name, port } = splitHost(host);
  if (!name) return false;
  return allowedHosts(config).some((entry) => {
    const e = splitHost(entry);
    return e.name === name && (e.port === undefined || e.port === port);
  });
}

const notAllowed = (host: string | undefined) =>
  new HttpProblem(400, `this server does not answer to the host ${host ? JSON.stringify(host.slice(0, 100)) : "(none given)"}; the operator sets ROLLCALL_BASE_URL or ROLLCALL_ALLOWED_HOSTS`, { scimType: "invalidValue" });

/** Refuses a request whose Host is not allowed (only when no base URL is configured: then links never use Host). */
export function checkHost(config: Config) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (config.baseUrl || hostAllowed(req.host, config)) { next(); return; }
    next(notAllowed(req.host));
  };
}

/** The public origin for absolute links, e.g. https://rollcall.example.com (no trailing slash). */
export function publicBaseUrl(req: Request, config: Config): string {
  if (config.baseUrl) return config.baseUrl;
  const host = req.host;
  if (!hostAllowed(host, config)) throw notAllowed(host);
  return `${req.protocol}://${host}`;
}

/** Production needs to know its public address; the message says how. Throws when it does not. */
export function requirePublicAddress(config: Config): void {
  if (!config.production || config.baseUrl || config.allowedHosts?.length) return;
  throw new Error(
    "in production (NODE_ENV=production) set ROLLCALL_BASE_URL to the public URL (e.g. https://rollcall.example.com), " +
    "or ROLLCALL_ALLOWED_HOSTS to the host names clients use (comma-separated, e.g. rollcall.example.com); " +
    "links in e-mails and SCIM responses are never built from an unchecked Host header",
  );
}
