/**
 * Where the server may connect when an org admin names the address (event receivers,
 * OIDC issuers, federated issuers' and clients' key URLs, LDAP directories): never
 * to loopback, private (RFC 1918, RFC 6598, fc00::/7), link-local (169.254/16 — the
 * cloud metadata address —, fe80::/10), unspecified, multicast, broadcast or reserved
 * addresses, nor to IPv6 forms that embed one of those (IPv4-mapped, -compatible,
 * NAT64, 6to4). The operator allows named hosts and address ranges with
 * ROLLCALL_OUTBOUND_ALLOW (`127.0.0.1,10.0.0.0/8,idp.internal`) for self-hosted peers.
 *
 * Checked twice: when the address is saved (`checkOutboundUrl`: a 422 in plain words),
 * and at every connection against the addresses the name resolves to then
 * (`outboundLookup` for sockets, `refuseLiteralHost` for IP literals, which skip the
 * lookup), so a name that later resolves elsewhere (DNS rebinding) is still refused:
 * the socket connects to the address that was checked. Nothing resolved is cached.
 *
 * @example
 * await checkOutboundUrl("https://169.254.169.254/latest", "The event receiver's address"); // throws a 422
 * http.request(url, { lookup: outboundLookup });
 */
import dns from "node:dns";
import net, { BlockList } from "node:net";
import { DomainError } from "../errors.ts";

export const OUTBOUND_ALLOW_VAR = "ROLLCALL_OUTBOUND_ALLOW";

type Family = "ipv4" | "ipv6";
type Rule = [cidr: string, family: Family, why: string];

const RULES: Rule[] = [
  ["0.0.0.0/8", "ipv4", "an unspecified address"],
  ["127.0.0.0/8", "ipv4", "a loopback address (this machine)"],
  ["10.0.0.0/8", "ipv4", "a private network address"],
  ["172.16.0.0/12", "ipv4", "a private network address"],
  ["192.168.0.0/16", "ipv4", "a private network address"],
  ["100.64.0.0/10", "ipv4", "a private network address"],
  ["169.254.0.0/16", "ipv4", "a link-local address (such as a cloud metadata service)"],
  ["192.0.0.0/24", "ipv4", "a reserved address"],
  ["198.18.0.0/15", "ipv4", "a reserved address"],
  ["224.0.0.0/4", "ipv4", "a multicast address"],
  ["240.0.0.0/4", "ipv4", "a reserved or broadcast address"],
  ["::/128", "ipv6", "an unspecified address"],
  ["::1/128", "ipv6", "a loopback address (this machine)"],
  ["fc00::/7", "ipv6", "a private network address"],
  ["fec0::/10", "ipv6", "a private network address"],
  ["fe80::/10", "ipv6", "a link-local address"],
  ["ff00::/8", "ipv6", "a multicast address"],
];

const BLOCKED: { list: BlockList; why: string }[] = RULES.map(([cidr, family, why]) => {
  const list = new BlockList();
  const [net0, bits] = cidr.split("/");
  list.addSubnet(net0!, Number(bits), family);
  return { list, why };
});

const familyOf = (ip: string): Family | null => (net.isIPv4(ip) ? "ipv4" : net.isIPv6(ip) ? "ipv6" : null);

/** The eight 16-bit groups of an IPv6 address (already known to be one). */
function v6Groups(ip: string): number[] {
  let s = ip.toLowerCase().replace(/%.*$/, "");
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const o = dotted[2]!.split(".").map(Number);
    tail.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
    s = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const [head, rest] = s.split("::") as [string, string | undefined];
  const words = (part: string | undefined) => (part ? part.split(":").map((w) => Number.parseInt(w, 16)) : []);
  const h = words(head);
  const r = words(rest);
  const zeros = rest === undefined ? [] : new Array(8 - h.length - r.length - tail.length).fill(0);
  return [...h, ...zeros, ...r, ...tail];
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIPv4(ip: string): string | null {
  const g = v6Groups(ip);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zero = (from: number, to: number) => g.slice(from, to).every((w) => w === 0);
  if (zero(0, 5) && g[5] === 0xffff) return v4(g[6]!, g[7]!); // ::ffff:a.b.c.d
  if (zero(0, 6) && !(g[6] === 0 && g[7]! <= 1)) return v4(g[6]!, g[7]!); // ::a.b.c.d (not :: or ::1)
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4(g[6]!, g[7]!); // NAT64
  if (g[0] === 0x2002) return v4(g[1]!, g[2]!); // 6to4
  return null;
}

/** What the operator allows (ROLLCALL_OUTBOUND_ALLOW): host names, addresses and ranges. */
export interface OutboundAllow {
  hosts: Set<string>;
  ranges: BlockList;
  empty: boolean;
}

/** Parses the operator's list; a bad entry throws (the server refuses to start with it). */
export function parseOutboundAllow(raw: string | undefined): OutboundAllow {
  const hosts = new Set<string>();
  const ranges = new BlockList();
  const entries = (raw ?? "").split(",").map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    const [addr, bits, extra] = entry.replace(/^\[|\](?=\/|$)/g, "").split("/");
    const family = familyOf(addr!);
    if (family && extra === undefined) {
      const max = family === "ipv4" ? 32 : 128;
      const n = bits === undefined ? max : Number(bits);
      if (!Number.isInteger(n) || n < 0 || n > max || (bits !== undefined && !/^\d+$/.test(bits))) throw new Error(`${OUTBOUND_ALLOW_VAR}: "${entry}" has a prefix length that is not 0 to ${max}`);
      ranges.addSubnet(addr!, n, family);
    } else if (bits === undefined && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*\.?$/i.test(entry)) {
      hosts.add(entry.toLowerCase().replace(/\.$/, ""));
    } else {
      throw new Error(`${OUTBOUND_ALLOW_VAR}: "${entry}" is neither a host name, an IP address nor an address range (CIDR)`);
    }
  }
  return { hosts, ranges, empty: entries.length === 0 };
}

let parsed: { key: string; allow: OutboundAllow } | undefined;

/** The host of an address the operator configured (OIDC_ISSUER, LDAP_URL): the operator chose it, so it is allowed. */
function operatorHost(raw: string | undefined): string[] {
  try {
    return raw ? [new URL(raw).hostname.replace(/^\[|\]$/g, "").toLowerCase()] : [];
  } catch {
    return [];
  }
}

/** The operator's list as the environment says now (parsed once per value), with the hosts of OIDC_ISSUER and LDAP_URL. */
export function outboundAllow(): OutboundAllow {
  const { env } = process;
  const raw = env[OUTBOUND_ALLOW_VAR];
  const key = `${raw ?? ""}\n${env.OIDC_ISSUER ?? ""}\n${env.LDAP_URL ?? ""}`;
  if (!parsed || parsed.key !== key) {
    const allow = parseOutboundAllow(raw);
    for (const h of [...operatorHost(env.OIDC_ISSUER), ...operatorHost(env.LDAP_URL)]) allow.hosts.add(h);
    parsed = { key, allow };
  }
  return parsed.allow;
}

const bare = (host: string) => host.replace(/^\[|\]$/g, "").toLowerCase().replace(/\.$/, "");

/** The operator allowed this host by name. */
export const hostAllowed = (host: string, allow: OutboundAllow = outboundAllow()): boolean => allow.hosts.has(bare(host));

/** Why the server will not connect to `ip`, or null when it may. */
export function addressRefusal(ip: string, allow: OutboundAllow = outboundAllow()): string | null {
  const family = familyOf(ip);
  if (!family) return "not an IP address";
  if (!allow.empty && allow.ranges.check(ip, family)) return null;
  for (const b of BLOCKED) if (b.list.check(ip, family)) return b.why;
  if (family === "ipv6") {
    const v4 = embeddedIPv4(ip);
    if (v4) {
      const why = addressRefusal(v4, allow);
      return why && `${why}, written as IPv6`;
    }
  }
  return null;
}

/** A connection the policy refused (at connect time: the delivery or request fails with it). */
export class OutboundRefused extends Error {
  readonly code = "EOUTBOUNDREFUSED";
  constructor(readonly host: string, readonly address: string, readonly why: string) {
    super(`not connecting to ${host}${host === address ? "" : ` (${address})`}: it is ${why}, which this server does not call unless its operator allows it`);
    this.name = "OutboundRefused";
  }
}

/** Throws OutboundRefused when `host` is an IP literal the policy refuses (a socket to an IP skips the lookup). */
export function refuseLiteralHost(host: string): void {
  const h = bare(host);
  if (!familyOf(h) || hostAllowed(h)) return;
  const why = addressRefusal(h);
  if (why) throw new OutboundRefused(h, h, why);
}

/**
 * A `lookup` for node:net, http, tls: resolves, checks every address, and hands the
 * socket only checked ones. A host the operator allowed by name is resolved as usual.
 */
export const outboundLookup = ((hostname: string, options: dns.LookupOptions, callback: (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void) => {
  dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, options.all ? [] : "");
    if (!hostAllowed(hostname)) {
      for (const a of addresses) {
        const why = addressRefusal(a.address);
        if (why) return callback(new OutboundRefused(hostname, a.address, why), options.all ? [] : "");
      }
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "");
    callback(null, first.address, first.family);
  });
}) as unknown as net.LookupFunction;

/** A refusal at save time: 422, in words for the admin who typed the address. */
export const unsafeTarget = (msg: string) => new DomainError("unprocessable", msg);

/**
 * Save-time check of an address an admin gives (`what` names it for the message, e.g.
 * "The event receiver's address"): its host, and every address the name resolves to
 * now. A name that does not resolve yet is accepted: every connection checks again.
 */
export async function checkOutboundUrl(raw: string, what: string): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return; // the caller's own check says what is wrong with it
  }
  const host = bare(url.hostname);
  if (!host || hostAllowed(host)) return;
  const advice = "Use a public address, or ask the server's operator to allow this one.";
  if (familyOf(host)) {
    const why = addressRefusal(host);
    if (why) throw unsafeTarget(`${what} is ${why}, which this server does not call. ${advice}`);
    return;
  }
  let addresses: dns.LookupAddress[];
  try {
    addresses = await dns.promises.lookup(host, { all: true });
  } catch {
    return;
  }
  for (const a of addresses) {
    const why = addressRefusal(a.address);
    if (why) throw unsafeTarget(`${what} names ${host}, which leads to ${why} (${a.address}); this server does not call it. ${advice}`);
  }
}
