/**
 * The web console under /admin: static pages (plain HTML, ES modules, CSS — no
 * build step) that do everything through the admin API (/api/v1) with the
 * session cookie and the X-Rollcall-CSRF header. Besides the files, this router
 * has only what the console needs before anyone is signed in:
 *
 * - `GET /admin/link/:token` — the operator's one-time sign-in link (src/org/arrival/admin-links.ts);
 * - `GET /admin/login?org=<slug>` — the sign-in page; a former name of the org redirects to its slug;
 * - `GET /admin/api/sign-in-methods?org=<slug>` — which doors the org has (for the sign-in page);
 * - `GET /admin/api/invite?token=…` — the org an invite link is for (for the accept page), with
 *   the e-mail link door every invite can use;
 * - `/invites/accept?token=…` — the page invite e-mails link to.
 *
 * Security headers (helmet, a CSP allowing this origin's scripts and styles only — no
 * inline code anywhere in the console) are set for the whole app in src/http/security-headers.ts.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router, type Request, type RequestHandler, type Response } from "express";
import type { Store } from "../../db/connect.ts";
import type { Org } from "../../db/types.ts";
import type { Config } from "../config.ts";
import { sendPage } from "../http/html-page.ts";
import { sendProblem, titleOf } from "../http/problems.ts";
import { signIn } from "../http/session.ts";
import { redeemAdminLink } from "../org/arrival/admin-links.ts";
import { findInviteByToken, toInviteView } from "../org/invites/invites.ts";
import { getOrg } from "../org/members/member-roles.ts";
import { getOidcConnection } from "../org/connections/oidc-connections.ts";
import { findOrgByAddress } from "../org/orgs/addresses.ts";
import { soleOrg } from "../org/orgs/orgs.ts";
import { resolveLdapSettings } from "../org/connections/ldap-connections.ts";
import { signInUrls } from "../sso/org-address.ts";

const PUBLIC = path.join(path.dirname(fileURLToPath(import.meta.url)), "public");

const page = (res: Response, status: number, title: string, body: string): void => sendPage(res, status, title, body);

export function consoleRouter(store: Store, config: Config, sessions: RequestHandler): Router {
  const r = Router();
  const db = store.db;

  async function orgByRef(ref: unknown): Promise<Org | undefined> {
    if (typeof ref === "string" && ref) return (await findOrgByAddress(db, ref))?.org;
    // No name given: a single-org install needs none.
    return soleOrg(db);
  }

  /** `asked`: the name the caller gave, echoed back, so a found org's answer has the shape of an unknown one's. */
  async function methods(org: Org, asked?: string) {
    const urls = signInUrls(org);
    let ldap = false;
    try { ldap = !!(await resolveLdapSettings(db, config, org)); } catch { ldap = true; /* configured but broken: the door explains */ }
    return {
      org: { name: asked ?? org.name },
      oidc: (await getOidcConnection(db, org.id)) ? { loginUrl: urls.oidcLogin } : null,
      ldap: ldap ? { loginUrl: urls.ldapLogin } : null,
      email: org.email_link_sign_in === 1 ? { startUrl: `/auth/${encodeURIComponent(org.id)}/email/start` } : null,
    };
  }

  r.get("/admin/link/:token", sessions, async (req: Request, res: Response, next) => {
    try {
      const who = await redeemAdminLink(db, String(req.params.token));
      if (!who) {
        return page(res, 410, "This sign-in link does not work",
          "<p>It was used already, it expired (links work for one hour), or it never existed.</p>" +
          "<p>The operator can print a new one on the server: <code>rollcall admin-link --org &lt;name&gt;</code>.</p>");
      }
      await signIn(req, { orgId: who.orgId, memberId: null, userId: null, door: "admin-link", operator: true });
      res.set("Cache-Control", "no-store").redirect(302, "/admin/#/organization");
    } catch (err) { next(err); }
  });

  // No enumeration: an org that does not exist answers exactly like one with no sign-in method
  // (the name echoed as given), so this anonymous route tells no one which orgs exist.
  r.get("/admin/api/sign-in-methods", async (req, res, next) => {
    try {
      const ref = typeof req.query.org === "string" ? req.query.org.trim() : "";
      const org = await orgByRef(ref);
      if (org) return res.json(await methods(org, ref && ref !== org.id ? ref : undefined));
      if (!ref) return sendProblem(res, { status: 400, title: titleOf(400), detail: "name the organization to sign in to (?org=<name>)" });
      res.json({ org: { name: ref }, oidc: null, ldap: null, email: null });
    } catch (err) { next(err); }
  });

  r.get("/admin/api/invite", async (req, res, next) => {
    try {
      let invite: Awaited<ReturnType<typeof findInviteByToken>>;
      try { invite = await findInviteByToken(db, req.query.token as string); } catch {
        return sendProblem(res, { status: 404, title: titleOf(404), detail: "this invite link is not valid (it was replaced by a newer one, or never existed); ask for a new invite" });
      }
      const org = await getOrg(db, invite.org_id);
      const view = toInviteView(invite);
      // Every invite can be accepted by an e-mail link to its address, whatever doors the org has.
      const inviteLink = { startUrl: `/auth/${encodeURIComponent(org.id)}/email/start`, forInvite: true, address: invite.email };
      res.set("Cache-Control", "no-store").json({ status: view.status, orgRole: view.orgRole, expiresAt: view.expiresAt, ...(await methods(org)), email: inviteLink });
    } catch (err) { next(err); }
  });

  r.get("/invites/accept", (_req, res) => { res.set("Cache-Control", "no-store").sendFile(path.join(PUBLIC, "accept.html")); });
  r.get("/admin/login", async (req, res, next) => {
    try {
      // The stable address is the slug: an old name (before a rename) redirects to it.
      const ref = req.query.org;
      const found = typeof ref === "string" && ref ? await findOrgByAddress(db, ref) : undefined;
      if (found?.via === "former") {
        const q = new URLSearchParams(req.query as Record<string, string>);
        q.set("org", found.org.slug);
        return res.set("Cache-Control", "no-store").redirect(302, `/admin/login?${q}`);
      }
      res.sendFile(path.join(PUBLIC, "login.html"));
    } catch (err) { next(err); }
  });
  r.get("/admin", (req, res, next) => (req.originalUrl.startsWith("/admin/") ? next() : res.redirect(301, "/admin/")));
  r.use("/admin", express.static(PUBLIC, { index: "index.html", fallthrough: true, maxAge: 0 }));
  // Anything else under /admin falls through to the app's 404 (an HTML page here, problem+json under /admin/api).
  return r;
}
