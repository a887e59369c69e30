/**
 * Admin API: the org's OpenID Connect connection (org admins only). The client
 * secret is write-only: stored encrypted, never returned. PUT checks the issuer by
 * running discovery before it saves anything.
 */
import type { Request } from "express";
import { publicBaseUrl } from "../http/public-address.ts";
import { checkIssuerAddress, getOidcConnection, parseOidcConnectionInput, refuseEnvManaged, saveOidcConnection, deleteOidcConnection, toOidcConnectionView, connectionSecret, type OidcConnectionView } from "../org/connections/oidc-connections.ts";
import { requireEncryptionKey, SecretDecryptionError } from "../org/security/secrets.ts";
import { describeProviderError, discoverProvider } from "../sso/oidc/provider.ts";
import { signInUrls } from "../sso/org-address.ts";
import { testOidcConnection } from "../sso/oidc/test-connection.ts";
import { ensureCan } from "../org/access/can.ts";
import { getOrg } from "../org/members/member-roles.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { badInput, ProblemError } from "./errors.ts";
import { z } from "zod";
import { stringMap, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const OidcConnection = z.strictObject({
  issuer: text(2000).describe("https URL (http only for localhost / 127.0.0.1 / [::1])"),
  clientId: text(500),
  clientSecret: text(2000).optional().meta({ writeOnly: true }),
  scopes: text(1000).optional().describe('space-separated, must include openid; default "openid email profile"'),
  claimsMapping: stringMap().optional().describe('our claim name → the provider\'s claim name, e.g. {"groups": "roles"}'),
});

/** Where people start signing in, and the redirect URI to register at the provider. */
async function withUrls(ctx: AdminContext, req: Request, view: OidcConnectionView) {
  // The slug's URLs: a rename of the org changes neither.
  const org = await getOrg(ctx.store.db, ctx.orgId);
  const urls = signInUrls(org, publicBaseUrl(req, ctx.config));
  return { ...view, loginUrl: urls.oidcLogin, redirectUri: urls.oidcCallback, consoleLoginUrl: urls.consoleLogin };
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/sso/oidc", tag: "sso", summary: "The organization's OIDC connection (without its client secret)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      const row = await getOidcConnection(ctx.store.db, ctx.orgId);
      if (!row) throw new ProblemError(404, "Not Found", "this organization has no OpenID Connect sign-in yet; set it up on the SSO page");
      res.json(await withUrls(ctx, req, toOidcConnectionView(row)));
    },
  });
  r.add({
    method: "put", path: "/sso/oidc", tag: "sso",
    summary: "Create or replace the OIDC connection; the issuer is checked by discovery; clientSecret may be left out to keep the stored one",
    body: OidcConnection,
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      const input = parseOidcConnectionInput(body);
      const before = await getOidcConnection(ctx.store.db, ctx.orgId);
      refuseEnvManaged(before, ctx.config.oidc !== undefined);
      if (input.clientSecret === undefined && !before) throw badInput("Give the client secret: a new connection needs it.", [{ name: "clientSecret", reason: "is required for a new connection" }]);
      requireEncryptionKey(ctx.config.encryptionKey, "an OIDC client secret");
      let secret = input.clientSecret;
      try {
        secret ??= connectionSecret(before!, ctx.config.encryptionKey);
      } catch (err) {
        if (err instanceof SecretDecryptionError) throw new ProblemError(409, "Conflict", `${err.message}; send "clientSecret" again`);
        throw err;
      }
      await checkIssuerAddress(input.issuer);
      try {
        await discoverProvider({ issuer: input.issuer, clientId: input.clientId, clientSecret: secret, allowInsecure: input.allowInsecure });
      } catch (err) {
        throw badInput(`discovery failed: ${describeProviderError(err)}`);
      }
      const view = await saveOidcConnection(ctx.store.db, ctx.orgId, input, ctx.config.encryptionKey, "admin", ctx.actor);
      res.json(await withUrls(ctx, req, view));
    },
  });
  r.add({
    method: "delete", path: "/sso/oidc", tag: "sso", status: 204, summary: "Remove the OIDC connection (OIDC sign-in stops for this organization)",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      refuseEnvManaged(await getOidcConnection(ctx.store.db, ctx.orgId), ctx.config.oidc !== undefined);
      await deleteOidcConnection(ctx.store.db, ctx.orgId, ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "post", path: "/sso/oidc/test", tag: "sso",
    summary: "Test an OIDC set-up without saving it: discovery, then client authentication (clientSecret may be left out to use the stored one)",
    body: OidcConnection.pick({ issuer: true, clientId: true, clientSecret: true }),
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      const input = parseOidcConnectionInput(body);
      let secret = input.clientSecret;
      if (secret === undefined) {
        const before = await getOidcConnection(ctx.store.db, ctx.orgId);
        if (!before) throw badInput("give the client secret to test a new connection");
        try { secret = connectionSecret(before, requireEncryptionKey(ctx.config.encryptionKey, "an OIDC client secret")); } catch (err) {
          if (err instanceof SecretDecryptionError) throw new ProblemError(409, "Conflict", "the stored client secret cannot be read any more; give it again");
          throw err;
        }
      }
      const org = await getOrg(ctx.store.db, ctx.orgId);
      res.json(await testOidcConnection({ issuer: input.issuer, clientId: input.clientId, clientSecret: secret, allowInsecure: input.allowInsecure }, signInUrls(org, publicBaseUrl(req, ctx.config)).oidcCallback));
    },
  });
}
