/**
 * /auth/{org}/oidc/… sign-in routes.
 *
 * - `GET login[?returnTo=/path]` → redirect to the org's OpenID Provider (code flow, PKCE, state, nonce).
 * - `GET callback` → the library checks the response and the ID token; then the one
 *   arrival decision (src/org/arrival/arrive.ts); then a session (src/http/session.ts) and a redirect to
 *   `returnTo` (same-origin paths only) or /admin. A refusal is a 409 (a rule, as at every door) with the
 *   decision's reason; the provider's errors and mismatched state are 400s, a provider
 *   that is unreachable or refuses our client is a 502 — never a 500.
 *
 * `{org}` is the organization's slug (its stable address; its name or id work too, a
 * former name redirects: src/sso/org-address.ts). The redirect URI is always the slug's,
 * so a rename does not change what is registered at the provider.
 */
import { Router, type NextFunction, type Request, type Response } from "express";
import * as client from "openid-client";
import type { Store } from "../../../db/connect.ts";
import type { Org, OidcConnection } from "../../../db/types.ts";
import type { Config } from "../../config.ts";
import { signIn } from "../../http/session.ts";
import { getOidcConnection } from "../../org/connections/oidc-connections.ts";
import { arrive } from "../../org/arrival/arrive.ts";
import { hit, signInLimits } from "../../org/security/rate-limits.ts";
import { SecretDecryptionError } from "../../org/security/secrets.ts";
import { DomainError, refused } from "../../org/errors.ts";
import { problemOf } from "../../http/problems.ts";
import { publicBaseUrl } from "../../http/public-address.ts";
import type { OidcPerson } from "./claims.ts";
import { describeProviderError, isResponseMismatch } from "./provider.ts";
import { findSignInOrg, signInUrls } from "../org-address.ts";
import { sendFailure, type SignInFailure } from "./respond.ts";
import { OidcStrategies, type OidcAuthenticateOptions, type ReadyStrategy } from "./strategies.ts";

/**
 * Sign-in attempts per client address and per account, per window: SIGNIN_LIMIT_PER_ADDRESS,
 * SIGNIN_LIMIT_PER_ACCOUNT, SIGNIN_LIMIT_WINDOW_SECONDS (src/org/security/rate-limits.ts), shared with the LDAP door.
 */
const configuredLimits = signInLimits();
export const SIGNIN_LIMITS = {
  perAddress: { limit: configuredLimits.perAddress, windowSeconds: configuredLimits.windowSeconds },
  perAccount: { limit: configuredLimits.perAccount, windowSeconds: configuredLimits.windowSeconds },
};

const DEFAULT_RETURN_TO = "/admin";
/** What the login step leaves in the session for the callback (besides the library's PKCE/state/nonce). */
const PENDING_KEY = "rollcallOidc";

interface Pending {
  orgId: string;
  returnTo: string;
  callbackURL: string;
}

type SessionBag = Record<string, unknown>;
const sessionOf = (req: Request): SessionBag | undefined => (req as unknown as { session?: SessionBag }).session;

class SignInError extends Error {
  constructor(readonly failure: SignInFailure) {
    super(failure.detail);
  }
}
const fail = (status: number, detail: string, extra: Partial<SignInFailure> = {}) => new SignInError({ status, detail, ...extra });
const noDoor = (ref: string) => fail(404, `"${ref}" has no OIDC sign-in here; an admin of the organization can set it up`);

/** A same-origin path (`/x`, not `//host` or `/\host`), or null. */
export function safeReturnTo(raw: unknown): string | null {
  if (typeof raw !== "string" || !raw.startsWith("/") || raw.length > 2000) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this refuses
  if (raw.startsWith("//") || raw.startsWith("/\\") || /[\u0000-\u001f\u007f\\]/.test(raw)) return null;
  return raw;
}

export function oidcRouter(store: Store, config: Config, log: (msg: string, err?: unknown) => void): Router {
  const r = Router({ mergeParams: true });
  const strategies = new OidcStrategies(config.encryptionKey);
  const db = store.db;

  const loginUrl = (req: Request) => `${req.baseUrl}/login`;

  async function orgAndConnection(req: Request): Promise<{ org: Org; row: OidcConnection }> {
    const ref = String(req.params.org ?? "");
    const org = await findSignInOrg(db, ref);
    // An unknown org answers like an org without this door: the sign-in doors tell no one which orgs exist.
    if (!org) throw noDoor(ref);
    const row = await getOidcConnection(db, org.id);
    if (!row) throw noDoor(ref);
    return { org, row };
  }

  async function strategyFor(row: OidcConnection): Promise<ReadyStrategy> {
    try {
      return await strategies.forConnection(row);
    } catch (err) {
      if (err instanceof SecretDecryptionError || err instanceof DomainError) throw fail(503, `OIDC sign-in is misconfigured on this server: ${err.message}`);
      throw fail(502, `the identity provider ${row.issuer} is not usable: discovery failed: ${describeProviderError(err)}`);
    }
  }

  function requireSession(req: Request): SessionBag {
    const s = sessionOf(req);
    if (!s) throw fail(503, "sign-in sessions are not available on this server");
    return s;
  }

  const callbackUrlFor = (req: Request, org: Org) => signInUrls(org, publicBaseUrl(req, config)).oidcCallback;

  r.get("/login", async (req, res, next) => {
    try {
      const { org, row } = await orgAndConnection(req);
      const session = requireSession(req);
      const ready = await strategyFor(row);
      const pending: Pending = { orgId: org.id, returnTo: safeReturnTo(req.query.returnTo) ?? DEFAULT_RETURN_TO, callbackURL: callbackUrlFor(req, org) };
      session[PENDING_KEY] = pending;
      res.set("Cache-Control", "no-store");
      const options: OidcAuthenticateOptions = { session: false, phase: "login", callbackURL: pending.callbackURL };
      strategies.passport.authenticate(ready.name, options, (err: unknown) => {
        // Only errors come here: the strategy redirects to the provider by itself.
        handleError(req, res, next, err ?? new Error("the sign-in request could not be started"));
      })(req, res, next);
    } catch (err) {
      handleError(req, res, next, err);
    }
  });

  r.get("/callback", async (req, res, next) => {
    try {
      const address = await hit(db, `signin:ip:${req.ip ?? "unknown"}`, SIGNIN_LIMITS.perAddress.limit, SIGNIN_LIMITS.perAddress.windowSeconds);
      if (!address.ok) throw fail(429, "too many sign-in attempts from this address; wait and try again", { retryAfterSeconds: address.retryAfterSeconds });
      const { org, row } = await orgAndConnection(req);
      if (req.query.code === undefined && req.query.error === undefined)
        throw fail(400, "this address is where the identity provider sends people back after signing in; start at the sign-in link", { retryUrl: loginUrl(req) });
      const session = requireSession(req);
      const pending = session[PENDING_KEY] as Pending | undefined;
      delete session[PENDING_KEY];
      if (!pending || pending.orgId !== org.id)
        throw fail(400, "no sign-in to this organization was started in this browser (or it expired); start again", { retryUrl: loginUrl(req) });
      const ready = await strategyFor(row);
      const person = await completeCodeFlow(req, res, ready, pending.callbackURL);

      const account = await hit(db, `signin:oidc:${org.id}:${person.sub}`, SIGNIN_LIMITS.perAccount.limit, SIGNIN_LIMITS.perAccount.windowSeconds);
      if (!account.ok) throw fail(429, "too many sign-ins for this account; wait and try again", { retryAfterSeconds: account.retryAfterSeconds });

      const outcome = await arrive(db, {
        door: "oidc", orgId: org.id,
        identity: { provider: "oidc", issuer: ready.issuer, subject: person.sub },
        email: person.email, emailVerified: person.emailVerified,
        // No e-mail fallback here: the arrival decides whether the e-mail may be the user name (only when verified).
        userName: person.preferredUsername,
        displayName: person.name, givenName: person.givenName, familyName: person.familyName,
        groups: person.groups,
      }, { door: "sso", id: `oidc:${person.sub}` });
      if (!outcome.ok) throw refused(outcome.reason);
      await signIn(req, { orgId: org.id, memberId: outcome.memberId, userId: outcome.userId, door: "oidc" });
      res.set("Cache-Control", "no-store");
      res.redirect(302, pending.returnTo);
    } catch (err) {
      handleError(req, res, next, err);
    }
  });

  /** Runs the library's half of the callback: state, PKCE, token request, ID token checks, claims. */
  function completeCodeFlow(req: Request, res: Response, ready: ReadyStrategy, callbackURL: string): Promise<OidcPerson> {
    return new Promise((resolve, reject) => {
      const options: OidcAuthenticateOptions = { session: false, phase: "callback", callbackURL };
      strategies.passport.authenticate(ready.name, options, (err: unknown, person: OidcPerson | false, info: { message?: string } | undefined) => {
        if (err) return reject(callbackFailure(err, req));
        if (!person) {
          const why = info?.message ?? "";
          if (/verify authorization request state/i.test(why)) return reject(fail(400, "no sign-in was started in this browser (or it expired); start again", { retryUrl: loginUrl(req) }));
          if (req.query.error !== undefined) return reject(fail(400, `the identity provider did not sign you in: ${String(req.query.error)}${why && why !== req.query.error ? ` (${why})` : ""}`, { retryUrl: loginUrl(req) }));
          return reject(fail(400, `sign-in failed: ${why || "the identity provider's answer was not accepted"}`, { retryUrl: loginUrl(req) }));
        }
        resolve(person);
      })(req, res, (err?: unknown) => reject(err ?? new Error("passport passed the request on")));
    });
  }

  function callbackFailure(err: unknown, req: Request): SignInError {
    if (err instanceof client.AuthorizationResponseError)
      return fail(400, `the identity provider did not sign you in: ${describeProviderError(err)}`, { retryUrl: loginUrl(req) });
    if (isResponseMismatch(err))
      return fail(400, `the sign-in response does not match the sign-in this browser started (${(err as { cause?: { message?: string } }).cause?.message ?? "state mismatch"}); start again`, { retryUrl: loginUrl(req) });
    return fail(502, `sign-in through the identity provider failed: ${describeProviderError(err)}`, { retryUrl: loginUrl(req) });
  }

  function handleError(req: Request, res: Response, _next: NextFunction, err: unknown): void {
    if (err instanceof SignInError) { sendFailure(req, res, err.failure); return; }
    // A rule of the org refused the arrival (e.g. a seat limit): its message says why, its status is the one every door gives.
    const p = problemOf(err);
    if (p.status < 500) { sendFailure(req, res, { status: p.status, detail: p.detail }); return; }
    log("unexpected error in OIDC sign-in", err);
    sendFailure(req, res, { status: 500, detail: "sign-in failed because of an internal error; try again", retryUrl: loginUrl(req) });
  }

  return r;
}
