/**
 * The real OpenID Provider (oidc-provider 9) on loopback acting as Entra does
 * for workload identity federation: a confidential client gets, by client
 * credentials with a resource indicator (RFC 8707), a JWT access token (RFC 9068)
 * whose iss is the provider, sub the client and aud the resource. `rotate()`
 * restarts the provider under the same issuer with a new signing key; `jwksFetches`
 * counts how often Rollcall fetched the provider's keys.
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface EntraLike {
  issuer: string;
  clientId: string;
  clientSecret: string;
  jwksFetches: number;
  /** a client-credentials access token for `resource` */
  token(resource: string): Promise<string>;
  rotate(): void;
  close(): Promise<void>;
}

const newKey = (): Record<string, unknown> =>
  ({ ...crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" }), kid: crypto.randomUUID(), alg: "RS256", use: "sig" });

export async function startEntraLike(resources: string[]): Promise<EntraLike> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = "00000000-entra-app";
  const clientSecret = "entra-client-secret-0123456789abcdef";
  const make = () => new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, grant_types: ["client_credentials"], redirect_uris: [], response_types: [], token_endpoint_auth_method: "client_secret_basic" }],
    jwks: { keys: [newKey()] },
    ttl: { ClientCredentials: 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resources[0],
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (!resources.includes(resource)) throw new Error(`unknown resource ${resource}`);
          return { scope: "scim", audience: resource, accessTokenFormat: "jwt", accessTokenTTL: 3600, jwt: { sign: { alg: "RS256" } } };
        },
      },
    },
  });
  let handle = make().callback();
  const op: EntraLike = {
    issuer, clientId, clientSecret, jwksFetches: 0,
    async token(resource) {
      const res = await fetch(`${issuer}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString("base64")}` },
        body: new URLSearchParams({ grant_type: "client_credentials", resource, scope: "scim" }).toString(),
      });
      const body = (await res.json()) as { access_token?: string };
      if (!res.ok || !body.access_token) throw new Error(`the provider refused: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
    rotate() { handle = make().callback(); },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  server.on("request", (req, res) => {
    if (req.url?.startsWith("/jwks")) op.jwksFetches++;
    handle(req, res);
  });
  return op;
}
