/**
 * The org part of sign-in URLs. `/auth/{org}/…` names the org by its slug (the stable
 * address every URL Rollcall prints uses), its current name or its id; a name the org
 * carried before a rename answers with a redirect to the same path under the slug
 * (302 for GET/HEAD, 307 otherwise, so a form post is re-sent). Temporary on purpose:
 * another org may take that name later.
 *
 * @example
 * router.use("/:org", oldNamesRedirect(db));
 * signInUrls(org, "https://rollcall.example.com").oidcCallback;  // the redirect URI to register
 */
import type { Kysely } from "kysely";
import type { NextFunction, Request, Response } from "express";
import type { Database, Org } from "../../db/types.ts";
import { findOrgByAddress } from "../org/orgs/addresses.ts";

/** The org a sign-in URL names (slug, name, former name or id), or undefined. */
export async function findSignInOrg(db: Kysely<Database>, ref: string): Promise<Org | undefined> {
  return (await findOrgByAddress(db, ref))?.org;
}

/** The URLs of an org's sign-in doors and console page, under `base` ("" for paths). */
export function signInUrls(org: { slug: string }, base = "") {
  const at = `${base}/auth/${encodeURIComponent(org.slug)}`;
  return {
    oidcLogin: `${at}/oidc/login`,
    oidcCallback: `${at}/oidc/callback`,
    ldapLogin: `${at}/ldap/login`,
    consoleLogin: `${base}/admin/login?org=${encodeURIComponent(org.slug)}`,
  };
}

/** Mounted at `/:org` under /auth: an old name redirects to the slug; everything else goes on. */
export function oldNamesRedirect(db: Kysely<Database>) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const found = await findOrgByAddress(db, String(req.params.org ?? ""));
      if (found?.via !== "former") return next();
      const target = `${req.baseUrl.slice(0, req.baseUrl.lastIndexOf("/"))}/${encodeURIComponent(found.org.slug)}${req.url === "/" ? "" : req.url}`;
      res.set("Cache-Control", "no-store").redirect(req.method === "GET" || req.method === "HEAD" ? 302 : 307, target);
    } catch (err) {
      next(err);
    }
  };
}
