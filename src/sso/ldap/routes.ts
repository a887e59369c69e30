/**
 * /auth/{org}/ldap/… sign-in routes.
 *
 * `POST login` (application/x-www-form-urlencoded or JSON: username, password,
 * optional returnTo): rate limits → an empty password is refused before any bind
 * (Active Directory treats it as an anonymous bind, which "succeeds") → the
 * directory conversation (directory.ts) → allow-list → the one provisioning
 * decision → a session. 200 JSON `{member, decision}`; a form post with a
 * same-origin `returnTo` is redirected there (303).
 *
 * Refusals: wrong password and unknown user are the same 401 (no enumeration);
 * outside the allow-list → 403, refused by the decision → 409 (a rule, as at every door); the directory down or
 * slow → 503 "directory unavailable" within the connection's timeout, creating
 * nothing; over a rate limit → 429 with Retry-After.
 *
 * E-mail: the directory is operated by the org, so its `mail` is treated as
 * verified only when the connection says so (`trustEmail`, off by default).
 *
 * `{org}` is the organization's slug (its name or id work too; a former name redirects:
 * src/sso/org-address.ts).
 */
import express, { Router, type Request, type Response } from "express";
import type { Store } from "../../../db/connect.ts";
import type { Org } from "../../../db/types.ts";
import type { Config } from "../../config.ts";
import { signIn } from "../../http/session.ts";
import { recordAudit } from "../../org/audit/record.ts";
import { DomainError, refused } from "../../org/errors.ts";
import { problemOf } from "../../http/problems.ts";
import { refuseNulInBody } from "../../http/request-checks.ts";
import { arrive } from "../../org/arrival/arrive.ts";
import { signedInMember } from "../../org/members/member-view.ts";
import { hit, signInLimits } from "../../org/security/rate-limits.ts";
import { SecretDecryptionError } from "../../org/security/secrets.ts";
import { sendFailure, type SignInFailure } from "../oidc/respond.ts";
import { safeReturnTo } from "../oidc/routes.ts";
import { findSignInOrg } from "../org-address.ts";
import { allowed, authenticate } from "./directory.ts";
import { resolveLdapSettings, type LdapSettings } from "../../org/connections/ldap-connections.ts";

export const INVALID_CREDENTIALS = "invalid username or password";
export const DIRECTORY_UNAVAILABLE = "directory unavailable: the organization's LDAP directory did not answer; try again later";
const MAX_USERNAME = 256;
const MAX_PASSWORD = 1024;

class SignInError extends Error {
  constructor(readonly failure: SignInFailure) {
    super(failure.detail);
  }
}
const fail = (status: number, detail: string, extra: Partial<SignInFailure> = {}) => new SignInError({ status, detail, ...extra });
const noDoor = (ref: string) => fail(404, `"${ref}" has no LDAP sign-in here; an admin of the organization can set it up`);

const isForm = (req: Request) => !!req.is("application/x-www-form-urlencoded");

export function ldapRouter(store: Store, config: Config, log: (msg: string, err?: unknown) => void): Router {
  const r = Router({ mergeParams: true });
  const db = store.db;
  // SIGNIN_LIMIT_PER_ADDRESS, SIGNIN_LIMIT_PER_ACCOUNT, SIGNIN_LIMIT_WINDOW_SECONDS, shared with the OIDC door.
  const limits = signInLimits();
  const parsers = [express.urlencoded({ extended: false, limit: config.maxBodyBytes }), express.json({ limit: config.maxBodyBytes }), refuseNulInBody];

  async function orgAndSettings(req: Request): Promise<{ org: Org; settings: LdapSettings }> {
    const ref = String(req.params.org ?? "");
    const org = await findSignInOrg(db, ref);
    // An unknown org answers like an org without this door: the sign-in doors tell no one which orgs exist.
    if (!org) throw noDoor(ref);
    let settings: LdapSettings | null;
    try {
      settings = await resolveLdapSettings(db, config, org);
    } catch (err) {
      if (err instanceof SecretDecryptionError || err instanceof DomainError) throw fail(503, `LDAP sign-in is misconfigured on this server: ${err.message}`);
      throw err;
    }
    if (!settings) throw noDoor(ref);
    return { org, settings };
  }

  function field(req: Request, name: string, max: number): string {
    const b = (req.body ?? {}) as Record<string, unknown>;
    const v = b[name];
    if (v === undefined || v === null) return "";
    if (typeof v !== "string") throw fail(400, `"${name}" must be a string`);
    if (v.length > max) throw fail(400, `"${name}" is too long`);
    return v;
  }

  r.post("/login", ...parsers, async (req, res) => {
    try {
      const { org, settings } = await orgAndSettings(req);
      const username = field(req, "username", MAX_USERNAME).trim();
      const password = field(req, "password", MAX_PASSWORD);
      if (!username) throw fail(400, "a username is required");

      const address = await hit(db, `signin:ip:${req.ip ?? "unknown"}`, limits.perAddress, limits.windowSeconds);
      if (!address.ok) throw fail(429, "too many sign-in attempts from this address; wait and try again", { retryAfterSeconds: address.retryAfterSeconds });
      const account = await hit(db, `signin:ldap:${org.id}:${username.toLowerCase()}`, limits.perAccount, limits.windowSeconds);
      if (!account.ok) throw fail(429, "too many sign-in attempts for this account; wait and try again", { retryAfterSeconds: account.retryAfterSeconds });

      // Before any bind: a simple bind with an empty password is an anonymous bind, which directories accept.
      if (!password) throw fail(400, "a password is required");

      const refuse = async (status: number, detail: string, reason: string, subject: string | null) => {
        await recordAudit(db, {
          // Refused by the directory door, before the provisioning decision (which audits its own as provision.*).
          orgId: org.id, actor: { door: "sso", id: `ldap:${subject ?? username}` }, action: "signin.refused", targetType: "identity",
          targetId: subject ? `ldap:${settings.url}#${subject}` : null,
          detail: { door: "ldap", identity: { provider: "ldap", issuer: settings.url, subject, username }, decision: "refused", reason },
        });
        return fail(status, detail);
      };

      const result = await authenticate(settings, username, password);
      if (!result.ok) {
        if (result.reason === "user_not_found" || result.reason === "wrong_password" || result.reason === "ambiguous")
          throw await refuse(401, INVALID_CREDENTIALS, result.reason, null);
        // Down, slow, or refusing the service account: nothing about the person is known, nothing is created.
        throw await refuse(503, DIRECTORY_UNAVAILABLE, `${result.reason}: ${result.detail}`, null);
      }
      const person = result.user;
      const subject = person.dn.toLowerCase();
      if (!allowed(settings, person))
        throw await refuse(403, `your directory account is not in a group allowed to sign in to ${org.name}; an org admin can change the LDAP allow-list`, "not in the group allow-list", subject);

      const outcome = await arrive(db, {
        door: "ldap", orgId: org.id,
        identity: { provider: "ldap", issuer: settings.url, subject },
        email: person.email,
        emailVerified: settings.trustEmail && !!person.email,
        userName: person.username ?? username,
        displayName: person.displayName, givenName: person.givenName, familyName: person.familyName,
        groups: person.groups,
      }, { door: "sso", id: `ldap:${subject}` });
      if (!outcome.ok) throw refused(outcome.reason);
      await signIn(req, { orgId: org.id, memberId: outcome.memberId, userId: outcome.userId, door: "ldap" });

      res.set("Cache-Control", "no-store");
      const returnTo = isForm(req) ? safeReturnTo((req.body as Record<string, unknown>).returnTo) : null;
      if (returnTo) return res.redirect(303, returnTo);
      const m = await signedInMember(db, org.id, outcome.memberId);
      res.json({
        member: { id: m.id, userId: m.userId, userName: m.userName, displayName: m.displayName, orgRole: m.orgRole, email: person.email },
        org: { id: org.id, name: org.name },
        decision: outcome.decision,
      });
    } catch (err) {
      respondFailure(req, res, err);
    }
  });

  function respondFailure(req: Request, res: Response, err: unknown): void {
    if (!(err instanceof SignInError)) {
      // Bad or too large bodies, and the org's rules refusing the arrival: the status every door gives (src/http/problems.ts).
      const p = problemOf(err);
      if (p.status >= 500) log("unexpected error in LDAP sign-in", err);
      err = fail(p.status, p.status >= 500 ? "sign-in failed because of an internal error; try again" : p.detail);
    }
    const f = (err as SignInError).failure;
    // Scripts (JSON bodies) get problem+json; browsers posting the form get the page.
    sendFailure(req, res, f, { asJson: !isForm(req) });
  }

  // Body parser errors (bad JSON, too large) land here rather than in express's HTML handler.
  r.use("/login", (err: unknown, req: Request, res: Response, _next: express.NextFunction) => respondFailure(req, res, err));

  return r;
}
