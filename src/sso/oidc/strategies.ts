/**
 * passport strategies (openid-client 6), one per org connection, cached by
 * org + connection revision (`updated_at`): a changed connection gets a fresh
 * discovery on its next sign-in; a failed discovery is not cached.
 *
 * Every authorization request carries PKCE (S256), a `state` and a `nonce`; the
 * verifier, state and nonce wait in the server-side session (express-session,
 * stored in our database) until the callback, where the library checks them along
 * with the ID token's issuer, audience, expiry and signature.
 */
import passport from "passport";
import * as client from "openid-client";
import { Strategy, type AuthenticateOptions } from "openid-client/passport";
import type { Request } from "express";
import type { OidcConnection } from "../../../db/types.ts";
import { connectionSecret, type ClaimsMapping } from "../../org/connections/oidc-connections.ts";
import { readClaims, type OidcPerson } from "./claims.ts";
import { discoverProvider } from "./provider.ts";

export interface OidcAuthenticateOptions extends AuthenticateOptions {
  /** "login" starts an authorization request; "callback" only ever completes one */
  phase: "login" | "callback";
}

/** The strategy with state and nonce on every request, and no authorization request started from the callback URL. */
class RollcallOidcStrategy extends Strategy {
  override authorizationRequestParams<T extends AuthenticateOptions>(req: Request, options: T): URLSearchParams {
    const params = new URLSearchParams(super.authorizationRequestParams(req, options) ?? undefined);
    params.set("state", client.randomState());
    params.set("nonce", client.randomNonce());
    return params;
  }

  override shouldInitiateAuthRequest<T extends AuthenticateOptions>(_req: Request, _url: URL, options: T): boolean {
    return (options as unknown as OidcAuthenticateOptions).phase === "login";
  }
}

export interface ReadyStrategy {
  /** passport strategy name */
  name: string;
  issuer: string;
}

/** The session key under which the library keeps this org's PKCE verifier, state and nonce. */
export const stateSessionKey = (orgId: string) => `oidc:${orgId}`;

export class OidcStrategies {
  readonly passport = new passport.Passport();
  private readonly cache = new Map<string, { revision: string; ready: Promise<ReadyStrategy> }>();

  constructor(private readonly encryptionKey: Buffer | undefined) {}

  /** The org's strategy for this revision of its connection; discovery runs once per revision. */
  async forConnection(row: OidcConnection): Promise<ReadyStrategy> {
    const cached = this.cache.get(row.org_id);
    if (cached && cached.revision === row.updated_at) return cached.ready;
    const name = `oidc:${row.org_id}:${row.updated_at}`;
    const ready = this.build(row, name);
    this.cache.set(row.org_id, { revision: row.updated_at, ready });
    try {
      const r = await ready;
      if (cached) cached.ready.then((old) => this.passport.unuse(old.name), () => {});
      return r;
    } catch (err) {
      if (this.cache.get(row.org_id)?.ready === ready) this.cache.delete(row.org_id);
      throw err;
    }
  }

  private async build(row: OidcConnection, name: string): Promise<ReadyStrategy> {
    const config = await discoverProvider({
      issuer: row.issuer, clientId: row.client_id, clientSecret: connectionSecret(row, this.encryptionKey), allowInsecure: row.allow_insecure === 1,
    });
    const mapping = JSON.parse(row.claims_mapping) as ClaimsMapping;
    const strategy = new RollcallOidcStrategy(
      { config, name, sessionKey: stateSessionKey(row.org_id), scope: row.scopes },
      (tokens, verified) => {
        personFrom(config, tokens, mapping).then(
          (person) => (person ? verified(null, person) : verified(null, false, { message: "the identity provider sent no subject (sub) for this person" })),
          (err) => verified(err),
        );
      },
    );
    this.passport.use(name, strategy);
    return { name, issuer: config.serverMetadata().issuer };
  }
}

/** ID token claims (validated by the library) completed from the UserInfo endpoint when the provider has one. */
async function personFrom(config: client.Configuration, tokens: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers, mapping: ClaimsMapping): Promise<OidcPerson | null> {
  const idClaims = tokens.claims();
  if (!idClaims) throw new Error("the identity provider returned no ID token (is the openid scope granted?)");
  let userinfo: Record<string, unknown> = {};
  if (tokens.access_token && config.serverMetadata().userinfo_endpoint) userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
  return readClaims({ ...userinfo, ...idClaims }, mapping);
}
