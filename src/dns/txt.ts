/**
 * TXT lookups for domain verification through node:dns, against DNS_RESOLVER
 * (host:port) when set, the system resolvers otherwise.
 *
 * @example
 * const records = await txtLookup("127.0.0.1:5353")("example.com"); // ["v=spf1 -all", "rollcall-verification=…"]
 */
import { promises as dns } from "node:dns";

export type TxtLookup = (domain: string) => Promise<string[]>;

/** The lookup failed for a reason other than "no such records" (timeout, refused, server failure). */
export class DnsLookupError extends Error {}

const NO_RECORDS = new Set(["ENODATA", "ENOTFOUND", "NXDOMAIN", "ENONAME"]);

export function txtLookup(server?: string, timeoutMs = 3000): TxtLookup {
  const resolver = new dns.Resolver({ timeout: timeoutMs, tries: 2 });
  if (server) resolver.setServers([server]);
  return async (domain) => {
    try {
      // A TXT record may come in several character-strings; they form one value.
      return (await resolver.resolveTxt(domain)).map((chunks) => chunks.join(""));
    } catch (err) {
      const code = (err as { code?: string }).code ?? "";
      if (NO_RECORDS.has(code)) return [];
      throw new DnsLookupError(`the DNS lookup of TXT records for ${domain} failed (${code || String(err)})`);
    }
  };
}
