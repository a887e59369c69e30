/**
 * Admin API: the org's LDAP connection (org admins only). The service account's
 * bind password is write-only: stored encrypted, never returned. `POST
 * /sso/ldap/test` talks to the directory and says in words what went wrong
 * ("connection refused", "bind refused …", "user not found …").
 */
import type { Request } from "express";
import { publicBaseUrl } from "../http/public-address.ts";
import type { Org } from "../../db/types.ts";
import { SecretDecryptionError } from "../org/security/secrets.ts";
import { allowed, lookup } from "../sso/ldap/directory.ts";
import { deleteLdapConnection, MAX_TIMEOUT_MS, MIN_TIMEOUT_MS, parseLdapInput, resolveLdapSettings, saveLdapConnection, viewLdapConnection, type LdapConnectionView, type LdapSettings } from "../org/connections/ldap-connections.ts";
import { signInUrls } from "../sso/org-address.ts";
import { ensureCan } from "../org/access/can.ts";
import { getOrg } from "../org/members/member-roles.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { ProblemError } from "./errors.ts";
import { z } from "zod";
import { bool, id, list, stringMap, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const dn = () => text(1000);
const LdapConnection = z.strictObject({
  url: text(1000).describe("ldap://host:389 or ldaps://host:636"),
  startTls: bool().optional(),
  bindDn: dn(), bindPassword: text(1000).optional().meta({ writeOnly: true }), baseDn: dn(),
  userFilter: text(1000).optional().describe("e.g. (uid={username}); the name is escaped (RFC 4515)"),
  attributes: z.union([text(1000), stringMap()]).optional().describe("email=mail,name=cn,givenName=givenName,familyName=sn,username=uid — or the same as an object"),
  groupBaseDn: dn().nullable().optional(), groupFilter: text(1000).nullable().optional().describe("e.g. (member={dn})"),
  allowedGroups: list(dn()).optional().describe("group names or DNs; empty: no allow-list"),
  trustEmail: bool().optional().describe("treat the directory's e-mail as verified (default false)"),
  timeoutMs: z.int().min(MIN_TIMEOUT_MS).max(MAX_TIMEOUT_MS).optional(),
});

const orgOf = (ctx: AdminContext): Promise<Org> => getOrg(ctx.store.db, ctx.orgId);

function withLoginUrl(ctx: AdminContext, req: Request, org: Org, view: LdapConnectionView) {
  return { ...view, loginUrl: signInUrls(org, publicBaseUrl(req, ctx.config)).ldapLogin };
}

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/sso/ldap", tag: "sso", summary: "The organization's LDAP connection (without its bind password)",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      const org = await orgOf(ctx);
      const view = await viewLdapConnection(ctx.store.db, ctx.config, org);
      if (!view) throw new ProblemError(404, "Not Found", "this organization has no LDAP sign-in yet; set it up on the SSO page");
      res.json(withLoginUrl(ctx, req, org, view));
    },
  });
  r.add({
    method: "put", path: "/sso/ldap", tag: "sso",
    summary: "Create or replace the LDAP connection; bindPassword may be left out to keep the stored one",
    body: LdapConnection,
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      const input = parseLdapInput(body);
      const org = await orgOf(ctx);
      res.json(withLoginUrl(ctx, req, org, await saveLdapConnection(ctx.store.db, ctx.config, org, input, ctx.actor)));
    },
  });
  r.add({
    method: "delete", path: "/sso/ldap", tag: "sso", summary: "Remove the LDAP connection (LDAP sign-in stops)", status: 204,
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      await deleteLdapConnection(ctx.store.db, ctx.config, await orgOf(ctx), ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "post", path: "/sso/ldap/test", tag: "sso",
    summary: "Try the LDAP connection — the saved one, or `connection` before saving it (bindPassword left out: the stored one): connect, service bind, and (with a username) find the user and their groups",
    body: z.strictObject({ username: id().optional(), connection: LdapConnection.optional().describe("settings to try before saving; nothing is stored") }),
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "sso:manage");
      const username = body.username?.trim() || undefined;
      const org = await orgOf(ctx);
      let settings: LdapSettings | null;
      const trial = body.connection ? parseLdapInput(body.connection) : null;
      try {
        settings = trial?.bindPassword !== undefined ? null : await resolveLdapSettings(ctx.store.db, ctx.config, org);
      } catch (err) {
        if (err instanceof SecretDecryptionError) return res.json({ ok: false, stage: "configuration", message: "the stored bind password cannot be read any more; give it again" });
        throw err;
      }
      if (trial) {
        const bindPassword = trial.bindPassword ?? settings?.bindPassword;
        if (bindPassword === undefined) throw new ProblemError(400, "Bad Request", "give the bind password to test a new connection");
        settings = { ...trial, bindPassword, orgId: org.id, source: "admin" };
      }
      if (!settings) throw new ProblemError(404, "Not Found", "this organization has no LDAP sign-in yet; fill in the form and test it before saving");
      const r = await lookup(settings, username);
      if (!r.ok) {
        const stage = r.reason === "unavailable" ? "connect" : r.reason === "bind_refused" ? "bind" : r.reason === "directory_error" ? "search" : "user";
        return res.json({ ok: false, stage, message: r.reason === "unavailable" ? `${r.detail} (${settings.url})` : r.detail });
      }
      const bound = `connected to ${settings.url} and bound as ${settings.bindDn}`;
      if (!r.user) return res.json({ ok: true, message: bound });
      const u = r.user;
      const mayJoin = allowed(settings, u);
      res.json({
        ok: true,
        message: `${bound}; found ${u.dn}${mayJoin ? "" : " (not in a group of the allow-list: sign-in would be refused)"}`,
        user: { dn: u.dn, username: u.username, email: u.email, displayName: u.displayName, givenName: u.givenName, familyName: u.familyName, groups: u.groups, allowed: mayJoin },
      });
    },
  });
}
