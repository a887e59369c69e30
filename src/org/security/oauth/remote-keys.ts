/**
 * Other parties' published keys (a federated issuer's, a client's JWKS URL),
 * fetched once and cached per app: jose's remote key set answers from its cache
 * and refetches only for a `kid` it does not know (a rotation), at most once per
 * cooldown, so no request to /scim costs a network call in the steady state.
 * An issuer's `jwks_uri` comes from its OpenID discovery document, cached too.
 */
import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTVerifyGetKey } from "jose";
import { invalid } from "../../errors.ts";
import { outboundFetch } from "../outbound-fetch.ts";
import { checkedKeyUrl } from "./key-urls.ts";

export interface RemoteKeyOptions {
  /** least time between two refetches of one key set (jose's cooldownDuration) */
  cooldownMs: number;
  /** how long fetched keys are trusted without a refetch */
  maxAgeMs: number;
  timeoutMs: number;
}

export const DEFAULT_REMOTE_KEY_OPTIONS: RemoteKeyOptions = { cooldownMs: 30_000, maxAgeMs: 10 * 60_000, timeoutMs: 5_000 };

export class RemoteKeys {
  private readonly sets = new Map<string, JWTVerifyGetKey>();
  private readonly discovered = new Map<string, Promise<string>>();

  constructor(private readonly opts: RemoteKeyOptions = DEFAULT_REMOTE_KEY_OPTIONS) {}

  /** The cached key set published at `jwksUri`. */
  keySet(jwksUri: string): JWTVerifyGetKey {
    let set = this.sets.get(jwksUri);
    if (!set) {
      set = createRemoteJWKSet(new URL(jwksUri), { cooldownDuration: this.opts.cooldownMs, cacheMaxAge: this.opts.maxAgeMs, timeoutDuration: this.opts.timeoutMs, [customFetch]: outboundFetch as FetchImplementation });
      this.sets.set(jwksUri, set);
    }
    return set;
  }

  /** The key set of an issuer: its configured JWKS URL, or the one its discovery document names. */
  async issuerKeySet(issuer: string, jwksUri: string | null): Promise<JWTVerifyGetKey> {
    return this.keySet(jwksUri ?? (await this.discoverJwksUri(issuer)));
  }

  private discoverJwksUri(issuer: string): Promise<string> {
    let p = this.discovered.get(issuer);
    if (!p) {
      p = fetchJwksUri(issuer, this.opts.timeoutMs);
      this.discovered.set(issuer, p);
      // A failed discovery is not cached: the next token tries again.
      p.catch(() => this.discovered.delete(issuer));
    }
    return p;
  }
}

async function fetchJwksUri(issuer: string, timeoutMs: number): Promise<string> {
  const url = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const res = await outboundFetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
  if (!res.ok) throw invalid(`the issuer's discovery document ${url} answered ${res.status}`);
  const doc = (await res.json()) as { issuer?: unknown; jwks_uri?: unknown };
  if (doc.issuer !== issuer) throw invalid(`the discovery document at ${url} names another issuer (${String(doc.issuer)})`);
  if (typeof doc.jwks_uri !== "string") throw invalid(`the discovery document at ${url} has no jwks_uri`);
  return checkedKeyUrl(doc.jwks_uri, "jwks_uri");
}
