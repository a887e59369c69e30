/**
 * Admin API: what an identity provider's admin needs to set up a connection and
 * check it works — the addresses to enter at the provider before anything is
 * saved, and the last requests the provider made over SCIM with their status.
 * (Testing an OIDC or LDAP set-up is in oidc-routes.ts and ldap-routes.ts.)
 */
import { getOrg } from "../org/orgs/settings.ts";
import { publicBaseUrl } from "../http/public-address.ts";
import { ensureCan } from "../org/access/can.ts";
import { lastScimRequests } from "../org/connections/scim-activity.ts";
import { scimBaseUrl } from "../scim/context.ts";
import { signInUrls } from "../sso/org-address.ts";
import { adminCtx } from "./context.ts";
import type { RouteRegistry } from "./openapi.ts";

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/sso/setup", tag: "sso",
    summary: "What an identity provider's admin needs before saving anything: the redirect URI, the sign-in URLs and the SCIM base URL",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      const org = await getOrg(ctx.store.db, ctx.orgId);
      const urls = signInUrls(org, publicBaseUrl(req, ctx.config));
      res.json({ redirectUri: urls.oidcCallback, oidcLoginUrl: urls.oidcLogin, ldapLoginUrl: urls.ldapLogin, consoleLoginUrl: urls.consoleLogin, scimUrl: scimBaseUrl(req, ctx.config) });
    },
  });
  r.add({
    method: "get", path: "/sso/scim-activity", tag: "sso", summary: "The last requests identity providers made over SCIM (newest first): method, resource, status, which key — no bodies",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      res.json({ requests: await lastScimRequests(ctx.store.db, ctx.orgId) });
    },
  });
}
