/**
 * The OpenID Provider behind an org's connection: discovery (openid-client 6) and
 * the words for its failures. Issuer, audience, expiry and signature checks are the
 * library's and stay on; plain http is allowed only for a connection whose
 * `allow_insecure` flag is set (an http:// issuer on a loopback host).
 *
 * @example
 * const cfg = await discoverProvider({ issuer: "https://idp.example.com", clientId: "rollcall", clientSecret: "…", allowInsecure: false });
 */
import * as client from "openid-client";
import { OutboundRefused } from "../../org/security/outbound.ts";
import { outboundFetch } from "../../org/security/outbound-fetch.ts";

/** Seconds allowed for each request to the provider (discovery, token, userinfo, keys). */
export const PROVIDER_TIMEOUT_SECONDS = 10;

export interface ProviderClient {
  issuer: string;
  clientId: string;
  clientSecret: string;
  allowInsecure: boolean;
}

export async function discoverProvider(c: ProviderClient): Promise<client.Configuration> {
  return client.discovery(new URL(c.issuer), c.clientId, c.clientSecret, undefined, {
    execute: c.allowInsecure ? [client.allowInsecureRequests] : [],
    timeout: PROVIDER_TIMEOUT_SECONDS,
    // every request to the provider (discovery, token, userinfo, keys) goes through the outbound policy
    [client.customFetch]: outboundFetch as client.CustomFetch,
  });
}

/** One line that says what went wrong talking to the provider, without secrets. */
export function describeProviderError(err: unknown): string {
  if (err instanceof client.ResponseBodyError) {
    const hint = err.error === "invalid_client" ? " (the provider did not accept the client id and secret)" : "";
    return `the provider answered ${err.status} ${err.error}${err.error_description ? `: ${err.error_description}` : ""}${hint}`;
  }
  if (err instanceof client.AuthorizationResponseError) return `the provider returned ${err.error}${err.error_description ? `: ${err.error_description}` : ""}`;
  const e = err as { message?: string; name?: string; code?: string; cause?: { message?: string; code?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return `the provider did not answer within ${PROVIDER_TIMEOUT_SECONDS} seconds`;
  if (err instanceof TypeError && e.message === "fetch failed") return `the provider could not be reached (${e.cause?.code ?? e.cause?.message ?? "network error"})`;
  // outboundFetch's own errors (node:http): the outbound policy's refusal in its words, a network failure by its code
  const refusedBy = [err, e?.cause].find((x) => x instanceof OutboundRefused);
  if (refusedBy) return `the provider could not be reached: ${(refusedBy as OutboundRefused).message}`;
  const network = [e, e?.cause].find((x) => typeof x?.code === "string" && /^E[A-Z]+$/.test(x.code));
  if (network) return `the provider could not be reached (${network.code})`;
  const cause = e?.cause?.message && e.cause.message !== e.message ? ` (${e.cause.message})` : "";
  return `${e?.message ?? String(err)}${cause}`;
}

/** The authorization response did not match the request this browser started (state / nonce / missing code). */
export function isResponseMismatch(err: unknown): boolean {
  const e = err as { code?: string; cause?: { message?: string } };
  return err instanceof client.ClientError && e.code === "OAUTH_INVALID_RESPONSE" && /"state"|"code"|"iss"/.test(e.cause?.message ?? "");
}
