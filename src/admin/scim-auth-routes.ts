/**
 * Admin API: how SCIM clients authenticate besides static keys — OAuth clients
 * (client credentials) with their rotating secrets, federated trusts (Entra
 * workload identity federation), and the credentials about to lapse. Org admins
 * only (`scim-auth:manage`); secrets are shown once.
 */
import type { Request } from "express";
import { z } from "zod";
import { ensureCan } from "../org/access/can.ts";
import { BOUNDS } from "../org/bounds.ts";
import { lapsingCredentials } from "../org/security/lapsing.ts";
import { addClientSecret, createOAuthClient, deleteOAuthClient, getOAuthClient, listOAuthClients, revokeClientSecret } from "../org/security/oauth/clients.ts";
import { createFederation, deleteFederation, listFederations } from "../org/security/oauth/federations.ts";
import { MAX_TOKEN_LIFETIME_SECONDS, MIN_TOKEN_LIFETIME_SECONDS } from "../org/security/oauth/lifetimes.ts";
import { adminCtx } from "./context.ts";
import { id as idField, name, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const param = (req: Request, n: string): string => String(req.params[n]);
const expiresAt = () => z.iso.datetime({ offset: true }).nullable().optional().describe("when it stops working (ISO 8601); absent or null: never");
const url = () => z.string().max(BOUNDS.textChars);

export function register(r: RouteRegistry): void {
  const managed = (res: Parameters<typeof adminCtx>[0]) => {
    const ctx = adminCtx(res);
    ensureCan(ctx.principal, "scim-auth:manage");
    return ctx;
  };
  r.add({
    method: "get", path: "/oauth-clients", tag: "SCIM authentication", summary: "The org's OAuth clients for SCIM, with their secrets (never the secret values)",
    handler: async (_req, res) => {
      const ctx = managed(res);
      res.json({ clients: await listOAuthClients(ctx.store.db, ctx.orgId) });
    },
  });
  r.add({
    method: "post", path: "/oauth-clients", tag: "SCIM authentication", status: 201,
    summary: "Register an OAuth client (client credentials) for an org-scoped service account; without keys it gets a first secret, shown once",
    body: z.strictObject({
      serviceAccountId: idField(),
      name: name(),
      jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1).max(20) }).nullable().optional().describe("public keys for private_key_jwt (RFC 7517 JWKS)"),
      jwksUri: url().nullable().optional().describe("where the client publishes its public keys (https)"),
      tokenLifetimeMinutes: z.int().min(MIN_TOKEN_LIFETIME_SECONDS / 60).max(MAX_TOKEN_LIFETIME_SECONDS / 60).optional().describe("access token lifetime; default 60"),
      secretExpiresAt: expiresAt(),
    }),
    handler: async (_req, res, { body }) => {
      const ctx = managed(res);
      const { client, secret } = await createOAuthClient(ctx.store.db, ctx.orgId, body, ctx.actor);
      res.status(201).json({ ...client, secret });
    },
  });
  r.add({
    method: "delete", path: "/oauth-clients/:clientRef", tag: "SCIM authentication", status: 204, summary: "Delete an OAuth client: its secrets and every token it holds stop working",
    handler: async (req, res) => {
      const ctx = managed(res);
      await deleteOAuthClient(ctx.store.db, ctx.orgId, param(req, "clientRef"), ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "post", path: "/oauth-clients/:clientRef/secrets", tag: "SCIM authentication", status: 201,
    summary: "Add a secret (rotation: the others stay alive until revoked or expired); shown once",
    body: z.strictObject({ label: text(BOUNDS.identifierChars).optional(), expiresAt: expiresAt() }),
    handler: async (req, res, { body }) => {
      const ctx = managed(res);
      res.status(201).json(await addClientSecret(ctx.store.db, ctx.orgId, param(req, "clientRef"), body, ctx.actor));
    },
  });
  r.add({
    method: "delete", path: "/oauth-clients/:clientRef/secrets/:secretId", tag: "SCIM authentication", status: 204, summary: "Revoke one secret of an OAuth client",
    handler: async (req, res) => {
      const ctx = managed(res);
      await revokeClientSecret(ctx.store.db, ctx.orgId, param(req, "clientRef"), param(req, "secretId"), ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "get", path: "/oauth-clients/:clientRef", tag: "SCIM authentication", summary: "One OAuth client",
    handler: async (req, res) => {
      const ctx = managed(res);
      res.json(await getOAuthClient(ctx.store.db, ctx.orgId, param(req, "clientRef")));
    },
  });
  r.add({
    method: "get", path: "/scim-federations", tag: "SCIM authentication", summary: "The federated trusts (issuer, audience, subject) of the org's service accounts",
    handler: async (_req, res) => {
      const ctx = managed(res);
      res.json({ federations: await listFederations(ctx.store.db, ctx.orgId) });
    },
  });
  r.add({
    method: "post", path: "/scim-federations", tag: "SCIM authentication", status: 201,
    summary: "Trust another issuer's tokens (e.g. Entra workload identity federation) for an org-scoped service account",
    body: z.strictObject({
      serviceAccountId: idField(),
      issuer: url().describe("the tokens' iss, exactly (e.g. https://login.microsoftonline.com/<tenant>/v2.0)"),
      audience: z.string().max(BOUNDS.identifierChars).describe("the tokens' aud"),
      subject: z.string().max(BOUNDS.identifierChars).describe("the tokens' sub"),
      jwksUri: url().nullable().optional().describe("the issuer's keys; absent: from its /.well-known/openid-configuration"),
      expiresAt: expiresAt(),
    }),
    handler: async (_req, res, { body }) => {
      const ctx = managed(res);
      res.status(201).json(await createFederation(ctx.store.db, ctx.orgId, body, ctx.actor));
    },
  });
  r.add({
    method: "delete", path: "/scim-federations/:federationId", tag: "SCIM authentication", status: 204, summary: "Stop trusting a federated issuer",
    handler: async (req, res) => {
      const ctx = managed(res);
      await deleteFederation(ctx.store.db, ctx.orgId, param(req, "federationId"), ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "get", path: "/credentials/lapsing", tag: "SCIM authentication", summary: "API keys, OAuth secrets and federations that lapse within 14 days",
    handler: async (_req, res) => {
      const ctx = managed(res);
      res.json({ lapsing: await lapsingCredentials(ctx.store.db, ctx.orgId) });
    },
  });
}
