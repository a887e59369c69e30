/**
 * The token endpoint's rules (RFC 6749 §4.4 client credentials, RFC 7523 §2.1
 * JWT bearer grant; client authentication by secret — Basic or in the body —
 * or by signed JWT, RFC 7523 §2.2). Rate limited per client address and per
 * client_id. The door (src/oauth/) only parses the form and answers.
 *
 * @example
 * const token = await exchangeToken(db, deps, { params, basic, address: req.ip });
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../../db/types.ts";
import { recordAudit } from "../../audit/record.ts";
import { hit, type RateResult } from "../rate-limits.ts";
import { racePoint } from "../../race-points.ts";
import { CLIENT_ASSERTION_TYPE, pruneSpentAssertions, spendAssertion, verifyClientAssertion, type VerifiedAssertion } from "./assertions.ts";
import { authenticateClientSecret } from "./clients.ts";
import { oauthRefusal } from "./errors.ts";
import { verifyFederatedToken } from "./federations.ts";
import { DEFAULT_TOKEN_LIFETIME_SECONDS } from "./lifetimes.ts";
import type { RemoteKeys } from "./remote-keys.ts";
import { FEDERATION_PREFIX, issueAccessToken, type Audience, type IssuedToken } from "./tokens.ts";

type Db = Kysely<Database>;

export const GRANT_CLIENT_CREDENTIALS = "client_credentials";
export const GRANT_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
export const GRANT_TYPES = [GRANT_CLIENT_CREDENTIALS, GRANT_JWT_BEARER];
export const AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"];

export interface TokenLimits {
  /** token requests per client address (and per client_id) per window */
  perWindow: number;
  windowSeconds: number;
}
export const DEFAULT_TOKEN_LIMITS: TokenLimits = { perWindow: 60, windowSeconds: 60 };

export interface TokenDeps {
  encryptionKey: Buffer | undefined;
  keys: RemoteKeys;
  where: Audience;
  /** our token endpoint's URL: the audience of client assertions */
  tokenEndpoint: string;
  limits: TokenLimits;
}

export interface TokenRequest {
  params: Record<string, string | undefined>;
  /** client_id and secret from `Authorization: Basic` (already form-decoded) */
  basic?: { clientId: string; secret: string };
  address: string;
}

/** Thrown when a limit is reached; the door answers 429 with Retry-After. */
export class TokenRateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`too many token requests; try again in ${retryAfterSeconds} s`);
    this.name = "TokenRateLimited";
  }
}

const limited = (r: RateResult): void => { if (!r.ok) throw new TokenRateLimited(r.retryAfterSeconds); };

export async function exchangeToken(db: Db, deps: TokenDeps, req: TokenRequest): Promise<IssuedToken> {
  const { params } = req;
  const { perWindow, windowSeconds } = deps.limits;
  limited(await hit(db, `oauth-token:ip:${req.address}`, perWindow, windowSeconds));
  const named = req.basic?.clientId ?? params.client_id;
  if (named) limited(await hit(db, `oauth-token:client:${named.slice(0, 200)}`, perWindow, windowSeconds));

  // Any requested scope (Entra sends `<app>/.default`, Okta what its admin typed) gets the one scope there is: RFC 6749 §3.3 lets us narrow it, and the response says so.
  const grant = params.grant_type;
  if (!grant) throw oauthRefusal("invalid_request", "grant_type is required");
  if (!GRANT_TYPES.includes(grant)) throw oauthRefusal("unsupported_grant_type", `grant_type must be one of ${GRANT_TYPES.join(", ")}`);

  if (grant === GRANT_JWT_BEARER) {
    if (!params.assertion) throw oauthRefusal("invalid_request", "the JWT bearer grant needs an assertion");
    const fed = await verifyFederatedToken(db, deps.keys, params.assertion);
    if (!fed) throw oauthRefusal("invalid_grant", "no service account trusts this assertion's issuer");
    if (!fed.ok) throw oauthRefusal("invalid_grant", fed.reason);
    // The token and its audit event are one transaction. A federated token carries no jti we spend: the same token is a bearer at /scim as it is (RFC 7523 §3 leaves replay checks optional).
    return db.transaction().execute(async (trx) => {
      const token = await issueAccessToken(trx, deps.encryptionKey, deps.where, { orgId: fed.orgId, serviceAccountId: fed.serviceAccountId, clientId: `${FEDERATION_PREFIX}${fed.federationId}`, lifetimeSeconds: DEFAULT_TOKEN_LIFETIME_SECONDS });
      await recordAudit(trx, { orgId: fed.orgId, actor: { door: "oauth", id: `federation:${fed.federationId}` }, action: "oauth_token.issue", targetType: "service_account", targetId: fed.serviceAccountId, detail: { grant, federationId: fed.federationId, expiresIn: token.expires_in } });
      return token;
    });
  }

  const { client, assertion } = await authenticateClient(db, deps, req);
  // The assertion's jti, the token and its audit event commit together: a replay waits for the first use's commit and loses.
  const token = await db.transaction().execute(async (trx) => {
    if (assertion) await spendAssertion(trx, assertion);
    await racePoint("oauth.token.jti-spent");
    const issued = await issueAccessToken(trx, deps.encryptionKey, deps.where, { orgId: client.org_id, serviceAccountId: client.service_account_id, clientId: client.client_id, lifetimeSeconds: client.token_lifetime_seconds });
    await recordAudit(trx, { orgId: client.org_id, actor: { door: "oauth", id: `oauth-client:${client.id}` }, action: "oauth_token.issue", targetType: "service_account", targetId: client.service_account_id, detail: { grant, clientId: client.client_id, expiresIn: issued.expires_in } });
    return issued;
  });
  if (assertion) await pruneSpentAssertions(db);
  return token;
}

/** Exactly one way of authenticating (RFC 6749 §2.3): Basic, secret in the body, or a signed assertion. */
async function authenticateClient(db: Db, deps: TokenDeps, req: TokenRequest): Promise<{ client: Database["oauth_clients"]; assertion?: VerifiedAssertion }> {
  const { params, basic } = req;
  const ways = [basic, params.client_secret, params.client_assertion].filter((w) => w !== undefined).length;
  if (ways === 0) throw oauthRefusal("invalid_client", "client authentication is required (client_secret_basic, client_secret_post or private_key_jwt)");
  if (ways > 1) throw oauthRefusal("invalid_request", "use exactly one client authentication method");
  if (params.client_assertion !== undefined) {
    if (params.client_assertion_type !== CLIENT_ASSERTION_TYPE) throw oauthRefusal("invalid_request", `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    const assertion = await verifyClientAssertion(db, deps.keys, params.client_assertion, [deps.tokenEndpoint, deps.where.issuer], params.client_id);
    return { client: assertion.client, assertion };
  }
  const clientId = basic?.clientId ?? params.client_id;
  const secret = basic?.secret ?? params.client_secret;
  if (!clientId || !secret) throw oauthRefusal("invalid_client", "client_id and client_secret are required");
  const client = await authenticateClientSecret(db, clientId, secret);
  if (!client) throw oauthRefusal("invalid_client", "unknown client, or a secret that is wrong, revoked or expired");
  return { client };
}
