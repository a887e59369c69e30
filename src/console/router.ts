/**
 * The web console under /admin: static pages (plain HTML, ES modules, CSS — no
 * build step) that do everything through the admin API (/api/v1) with the
 * session cookie and the X-Rollcall-CSRF header. Besides the files, this router
 * has only what the console needs before anyone is signed in:
 *
 * - `GET /admin/link/:token` — the operator's one-time sign-in link (src/org/admin-links.ts);
 * - `GET /admin/login?org=<slug>` — the sign-in page; a former name of the org redirects to its slug;
 * - `GET /admin/api/sign-in-methods?org=<slug>` — which doors the org has (for the sign-in page);
 * - `GET /admin/api/invite?token=…` — the org an invite link is for (for the accept page);
 * - `/invites/accept?token=…` — the page invite e-mails link to.
 *
 * Security headers come from helmet; the CSP allows scripts and styles from this
 * origin only (no inline code anywhere in the console).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router, type Request, type RequestHandler, type Response } from "express";
import helmet from "helmet";
import type { Store } from "../../db/connect.ts";
import type { Org } from "../../db/types.ts";
import type { Config } from "../config.ts";
import { signIn } from "../http/session.ts";
import { redeemAdminLink } from "../org/admin-links.ts";
import { findInviteByToken, inviteStatus } from "../org/invites.ts";
import { getOidcConnection } from "../org/oidc-connections.ts";
import { findOrgByAddress } from "../org/addresses/lookup.ts";
import { resolveLdapSettings } from "../sso/ldap/settings.ts";
import { signInUrls } from "../sso/org-address.ts";

const PUBLIC = path.join(path.dirname(fileURLToPath(import.meta.url)), "public");

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export const securityHeaders: RequestHandler = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", "data:"], connectSrc: ["'self'"],
      fontSrc: ["'self'"], objectSrc: ["'none'"], baseUri: ["'none'"], frameAncestors: ["'none'"], formAction: ["'self'"],
    },
  },
  referrerPolicy: { policy: "no-referrer" },
});

function page(res: Response, status: number, title: string, body: string): void {
  res.status(status).set("Cache-Control", "no-store").type("html").send(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(title)} · Rollcall</title><link rel="stylesheet" href="/admin/console.css"></head>` +
    `<body class="center"><main class="card"><h1>${esc(title)}</h1>${body}</main></body></html>`);
}

export function consoleRouter(store: Store, config: Config, sessions: RequestHandler): Router {
  const r = Router();
  const db = store.db;

  async function orgByRef(ref: unknown): Promise<Org | undefined> {
    if (typeof ref === "string" && ref) return (await findOrgByAddress(db, ref))?.org;
    // No name given: a single-org install needs none.
    const two = await db.selectFrom("orgs").selectAll().limit(2).execute();
    return two.length === 1 ? two[0] : undefined;
  }

  async function methods(org: Org) {
    const urls = signInUrls(org);
    let ldap = false;
    try { ldap = !!(await resolveLdapSettings(db, config, org)); } catch { ldap = true; /* configured but broken: the door explains */ }
    return {
      org: { name: org.name, slug: org.slug, consoleLoginUrl: urls.consoleLogin },
      oidc: (await getOidcConnection(db, org.id)) ? { loginUrl: urls.oidcLogin } : null,
      ldap: ldap ? { loginUrl: urls.ldapLogin } : null,
    };
  }

  r.use(["/admin", "/invites/accept"], securityHeaders);

  r.get("/admin/link/:token", sessions, async (req: Request, res: Response, next) => {
    try {
      const who = await redeemAdminLink(db, String(req.params.token));
      if (!who) {
        return page(res, 410, "This sign-in link does not work",
          "<p>It was used already, it expired (links work for one hour), or it never existed.</p>" +
          "<p>The operator can print a new one on the server: <code>rollcall admin-link --org &lt;name&gt;</code>.</p>");
      }
      await signIn(req, { ...who, door: "admin-link" });
      res.set("Cache-Control", "no-store").redirect(302, "/admin/#/organization");
    } catch (err) { next(err); }
  });

  r.get("/admin/api/sign-in-methods", async (req, res, next) => {
    try {
      const org = await orgByRef(req.query.org);
      if (!org) return res.status(404).type("application/problem+json").send(JSON.stringify({ title: "Not Found", status: 404, detail: typeof req.query.org === "string" && req.query.org ? `there is no organization named "${req.query.org}"` : "name the organization to sign in to" }));
      res.json(await methods(org));
    } catch (err) { next(err); }
  });

  r.get("/admin/api/invite", async (req, res, next) => {
    try {
      let invite;
      try { invite = await findInviteByToken(db, req.query.token as string); } catch {
        return res.status(404).type("application/problem+json").send(JSON.stringify({ title: "Not Found", status: 404, detail: "this invite link is not valid (it was replaced by a newer one, or never existed); ask for a new invite" }));
      }
      const org = await db.selectFrom("orgs").selectAll().where("id", "=", invite.org_id).executeTakeFirstOrThrow();
      res.set("Cache-Control", "no-store").json({ status: inviteStatus(invite), orgRole: invite.org_role, expiresAt: invite.expires_at, ...(await methods(org)) });
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
  r.use("/admin", (_req, res) => page(res, 404, "Not found", `<p><a href="/admin/">Back to the console</a></p>`));
  return r;
}
