/**
 * /auth/{org}/email/… — sign-in by a one-time link mailed to the address
 * (the token rules: src/org/arrival/email-links.ts).
 *
 * - `POST start` (form or JSON: `email`, or `inviteToken` from the invite's
 *   page; optional same-origin `returnTo`) → 202 JSON / the "check your inbox"
 *   page. The answer is the same whether or not the address is known; 429 with
 *   Retry-After past a rate limit; 403 when the org has the door off (and no
 *   invite); 502 when the mail server refused the message.
 * - `GET callback?token=…` (the mailed link) → a page with one button that
 *   POSTs the token: opening the link does not use it (mail scanners open links).
 * - `POST callback` (form: token + the page's nonce, which ties the post to this
 *   browser; or JSON: token) → the link is used (once) → the arrival decision
 *   (door "email", e-mail verified) → a session; 303 to `returnTo` (or /admin/),
 *   JSON 200 `{member, org, decision}`. Used, expired or unknown links: 410;
 *   refusals: 409 (the "rule" kind, as at every door) with the styled refusal page.
 *
 * `{org}` is the organization's name or id; mailed links use the id.
 */
import crypto from "node:crypto";
import express, { Router, type Request, type Response } from "express";
import type { Store } from "../../../db/connect.ts";
import type { Org } from "../../../db/types.ts";
import type { Config } from "../../config.ts";
import { signIn } from "../../http/session.ts";
import { mailerFor } from "../../mail/mailer.ts";
import { arrivalFor, emailLinkRules, linkMayArrive, peekEmailLink, redeemEmailLink, startEmailLink } from "../../org/arrival/email-links.ts";
import { recordAudit } from "../../org/audit/record.ts";
import { DomainError, refused } from "../../org/errors.ts";
import { statusOfKind } from "../../http/problems.ts";
import { publicBaseUrl } from "../../http/public-address.ts";
import { refuseNulInBody } from "../../http/request-checks.ts";
import { findSignInOrg } from "../org-address.ts";
import { arrive } from "../../org/arrival/arrive.ts";
import { signedInMember } from "../../org/members/member-view.ts";
import { hit, signInLimits } from "../../org/security/rate-limits.ts";
import { sendFailure, wantsJson, type SignInFailure } from "../oidc/respond.ts";
import { safeReturnTo } from "../oidc/routes.ts";
import { esc, sendPage } from "../page.ts";
import { signInLinkMail } from "./message.ts";

const NONCE_KEY = "rollcallEmailLink";

class SignInError extends Error {
  constructor(readonly failure: SignInFailure) {
    super(failure.detail);
  }
}
const fail = (status: number, detail: string, extra: Partial<SignInFailure> = {}) => new SignInError({ status, detail, ...extra });

type Bag = Record<string, unknown>;
const sessionOf = (req: Request): Bag | undefined => (req as unknown as { session?: Bag }).session;
const isForm = (req: Request) => !!req.is("application/x-www-form-urlencoded");

function text(req: Request, name: string, max: number): string | null {
  const v = ((req.body ?? {}) as Bag)[name];
  if (v === undefined || v === null || v === "") return null;
  if (typeof v !== "string") throw fail(400, `"${name}" must be a string`);
  if (v.length > max) throw fail(400, `"${name}" is too long`);
  return v;
}

export function emailRouter(store: Store, config: Config, log: (msg: string, err?: unknown) => void): Router {
  const r = Router({ mergeParams: true });
  const db = store.db;
  const rules = emailLinkRules();
  const limits = signInLimits();
  const parsers = [express.urlencoded({ extended: false, limit: config.maxBodyBytes }), express.json({ limit: config.maxBodyBytes }), refuseNulInBody];
  const base = (req: Request) => publicBaseUrl(req, config);

  async function orgOf(req: Request): Promise<Org> {
    const ref = String(req.params.org ?? "");
    const org = await findSignInOrg(db, ref);
    // An unknown org answers like an org with the door off: the sign-in doors tell no one which orgs exist.
    if (!org) throw fail(403, `${ref} does not offer sign-in by e-mail link; an admin of ${ref} can turn it on, or send you an invite`);
    return org;
  }

  r.post("/start", ...parsers, async (req, res) => {
    try {
      const org = await orgOf(req);
      const inviteToken = text(req, "inviteToken", 200);
      const issued = await startEmailLink(db, org, {
        email: text(req, "email", 1000), inviteToken, client: req.ip, returnTo: safeReturnTo(((req.body ?? {}) as Bag).returnTo),
      }, rules);
      if (!issued.ok) throw fail(429, "too many sign-in links were asked for; wait and try again", { retryAfterSeconds: issued.retryAfterSeconds });
      const url = `${base(req)}/auth/${encodeURIComponent(org.id)}/email/callback?token=${encodeURIComponent(issued.link.token)}`;
      const delivery = await mailerFor(config).send(signInLinkMail({ to: issued.link.to, orgName: org.name, url, ttlMinutes: rules.ttlMinutes, forInvite: !!issued.link.inviteId }));
      if (!delivery.sent && delivery.via === "smtp") {
        log(`e-mail sign-in link not delivered: ${delivery.error ?? "unknown error"}`);
        throw fail(502, "the sign-in link could not be sent (the mail server did not take it); try again later");
      }
      const detail = `If ${issued.link.to} may sign in to ${org.name}, a sign-in link is on its way to it. The link works once, for ${rules.ttlMinutes} minutes.`;
      res.set("Cache-Control", "no-store");
      if (!isForm(req) || wantsJson(req)) return void res.status(202).json({ status: "sent", detail, expiresInMinutes: rules.ttlMinutes });
      sendPage(res, 202, { title: "Check your inbox", message: { kind: "ok", text: detail }, lines: ["You can close this page; the link in the e-mail signs you in."] });
    } catch (err) {
      respond(req, res, err);
    }
  });

  r.get("/callback", async (req, res) => {
    try {
      const org = await orgOf(req);
      const peek = await peekEmailLink(db, req.query.token);
      if (!peek.ok) throw fail(410, peek.reason, { retryUrl: `/admin/login?org=${encodeURIComponent(org.name)}` });
      const session = sessionOf(req);
      if (!session) throw fail(503, "sign-in sessions are not available on this server");
      const nonce = crypto.randomBytes(18).toString("base64url");
      session[NONCE_KEY] = nonce;
      const action = `${req.baseUrl}/callback`;
      const form = `<form method="post" action="${esc(action)}"><input type="hidden" name="token" value="${esc(String(req.query.token))}">` +
        `<input type="hidden" name="nonce" value="${esc(nonce)}"><button class="primary" type="submit">Sign in as ${esc(peek.link.email)}</button></form>`;
      // Saved before answering: the POST must find the nonce.
      await new Promise<void>((resolve, reject) => (req as unknown as { session: { save(cb: (e?: unknown) => void): void } }).session.save((e) => (e ? reject(e) : resolve())));
      sendPage(res, 200, { title: `Sign in to ${org.name}`, lines: [`This link signs you in to ${org.name} with the address ${peek.link.email}.`], html: form });
    } catch (err) {
      respond(req, res, err);
    }
  });

  r.post("/callback", ...parsers, async (req, res) => {
    try {
      const org = await orgOf(req);
      const address = await hit(db, `signin:ip:${req.ip ?? "unknown"}`, limits.perAddress, limits.windowSeconds);
      if (!address.ok) throw fail(429, "too many sign-in attempts from this address; wait and try again", { retryAfterSeconds: address.retryAfterSeconds });
      const token = text(req, "token", 200);
      if (!token) throw fail(400, '"token" is required (the token from the mailed link)');
      if (isForm(req)) {
        // A form post must come from the page this browser opened (no sign-in forced on someone else's browser).
        const session = sessionOf(req);
        const expected = session?.[NONCE_KEY];
        if (session) delete session[NONCE_KEY];
        const given = text(req, "nonce", 100);
        if (typeof expected !== "string" || !given || given.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected)))
          throw fail(400, "this sign-in was not started from the link's page in this browser; open the link from the e-mail again");
      }
      const used = await redeemEmailLink(db, token);
      if (!used.ok) throw fail(410, used.reason, { retryUrl: `/admin/login?org=${encodeURIComponent(org.name)}` });
      const link = used.link;
      if (link.org_id !== org.id) throw fail(400, "this sign-in link is for another organization");
      const actor = { door: "sso" as const, id: `email:${link.email_key}` };
      const closed = await linkMayArrive(db, link);
      if (closed) {
        await recordAudit(db, {
          orgId: org.id, actor, action: "signin.refused", targetType: "identity", targetId: link.email,
          detail: { door: "email", email: link.email, emailVerified: true, decision: "refused", reason: closed },
        });
        throw fail(403, closed);
      }
      const outcome = await arrive(db, await arrivalFor(db, link), actor);
      if (!outcome.ok) throw refused(outcome.reason);
      await signIn(req, { orgId: org.id, memberId: outcome.memberId, userId: outcome.userId, door: "email" });
      res.set("Cache-Control", "no-store");
      if (isForm(req) && !wantsJson(req)) return res.redirect(303, link.return_to ?? "/admin/");
      const m = await signedInMember(db, org.id, outcome.memberId);
      res.json({
        member: { id: m.id, userId: m.userId, userName: m.userName, displayName: m.displayName, orgRole: m.orgRole, modelsSeat: m.modelsSeat, weaveRole: m.weaveRole, email: link.email },
        org: { id: org.id, name: org.name },
        decision: outcome.decision,
      });
    } catch (err) {
      respond(req, res, err);
    }
  });

  function respond(req: Request, res: Response, err: unknown): void {
    let f: SignInFailure;
    const e = err as { type?: string };
    if (err instanceof SignInError) f = err.failure;
    else if (err instanceof DomainError) f = { status: statusOfKind(err.kind), detail: err.message };
    else if (e?.type === "entity.parse.failed") f = { status: 400, detail: "the request body is not valid JSON" };
    else if (e?.type === "entity.too.large") f = { status: 413, detail: "the request body is too large" };
    else {
      log("unexpected error in e-mail link sign-in", err);
      f = { status: 500, detail: "sign-in failed because of an internal error; try again" };
    }
    // Scripts (JSON bodies) get problem+json; browsers get the page.
    if (req.method === "POST" && !isForm(req)) req.headers.accept = "application/json";
    sendFailure(req, res, f);
  }

  r.use((err: unknown, req: Request, res: Response, _next: express.NextFunction) => respond(req, res, err));
  return r;
}
