/**
 * Sessions: express-session with a store in our own database (`sessions`
 * table), so a second instance behind a load balancer serves the same
 * sessions. Cookie `rollcall.sid`: HttpOnly, SameSite=Lax, Secure when the
 * request is HTTPS (`secure: "auto"`, honouring TRUST_PROXY), lifetime
 * SESSION_TTL_HOURS (12). The signing secret is SESSION_SECRET, or one random
 * secret generated once and stored in `app_secrets` (every instance reads it).
 *
 * A session carries the signed-in member (`SessionUser`) and a CSRF token;
 * its row also names the member, org and door (columns `member_id`, `org_id`,
 * `door`), so the rules that end access delete the sessions they end, in the
 * same transaction (src/org/arrival/sessions.ts: deactivation, removal, a
 * revoked SSO connection). Reactivation therefore revives nothing. As a second
 * line, every request checks the member is still active, and a session whose
 * member is not is deleted.
 *
 * The one-time admin link signs in the operator: a reserved principal
 * (`operator: true`, `memberId: null`), not a member, so no door can create or
 * take it over by choosing a user name.
 *
 * @example
 * app.use("/auth", sessionMiddleware(store, config), router);
 * // in a sign-in callback, after arrive() said ok:
 * await signIn(req, { orgId, memberId, userId, door: "oidc" });
 * currentUser(req); // { orgId, memberId, userId, door } — or null
 */
import crypto from "node:crypto";
import type { Request, RequestHandler } from "express";
import session from "express-session";
import type { Kysely } from "kysely";
import type { Store } from "../../db/connect.ts";
import type { Database } from "../../db/types.ts";
import type { Config } from "../config.ts";
import { instanceSecret } from "../org/security/instance-secrets.ts";

/** A member signed in through a door. */
export interface MemberSessionUser {
  orgId: string;
  memberId: string;
  userId: string;
  door: "oidc" | "ldap" | "email";
  operator?: false;
}

/** The operator, signed in by a one-time admin link: no member, no user. */
export interface OperatorSessionUser {
  orgId: string;
  memberId: null;
  userId: null;
  door: "admin-link";
  operator: true;
}

export type SessionUser = MemberSessionUser | OperatorSessionUser;

declare module "express-session" {
  interface SessionData {
    user?: SessionUser;
    /** per-session token the admin API requires in X-Rollcall-CSRF on state-changing calls */
    csrf?: string;
  }
}

export const SESSION_COOKIE = "rollcall.sid";
export const CSRF_HEADER = "X-Rollcall-CSRF";
const PRUNE_EVERY_MS = 60_000;

/** express-session store over the `sessions` table (works on SQLite and PostgreSQL). */
export class DatabaseSessionStore extends session.Store {
  private lastPrune = 0;

  constructor(private readonly db: Kysely<Database>, private readonly ttlMs: number) {
    super();
  }

  private expiry(sess: session.SessionData): string {
    const e = sess.cookie?.expires;
    const t = e ? new Date(e).getTime() : Date.now() + this.ttlMs;
    return new Date(Number.isFinite(t) ? t : Date.now() + this.ttlMs).toISOString();
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db.selectFrom("sessions").select("data").where("sid", "=", sid).where("expires_at", ">", new Date().toISOString()).executeTakeFirst()
      .then((row) => cb(null, row ? (JSON.parse(row.data) as session.SessionData) : null), (err) => cb(err));
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    const u = sess.user;
    const row = { sid, data: JSON.stringify(sess), expires_at: this.expiry(sess), member_id: u?.memberId ?? null, org_id: u?.orgId ?? null, door: u?.door ?? null };
    this.db.insertInto("sessions").values(row)
      .onConflict((oc) => oc.column("sid").doUpdateSet({ data: row.data, expires_at: row.expires_at, member_id: row.member_id, org_id: row.org_id, door: row.door }))
      .execute()
      .then(() => this.maybePrune())
      .then(() => cb?.(), (err) => cb?.(err));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.db.deleteFrom("sessions").where("sid", "=", sid).execute().then(() => cb?.(), (err) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.db.updateTable("sessions").set({ expires_at: this.expiry(sess) }).where("sid", "=", sid).execute().then(() => cb?.(), (err) => cb?.(err));
  }

  /** Deletes expired rows (at most once a minute per process). */
  async prune(): Promise<number> {
    this.lastPrune = Date.now();
    const res = await this.db.deleteFrom("sessions").where("expires_at", "<=", new Date().toISOString()).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  private async maybePrune(): Promise<void> {
    if (Date.now() - this.lastPrune < PRUNE_EVERY_MS) return;
    await this.prune();
  }
}

/** SESSION_SECRET, or the secret stored in the database (generated by whichever instance asks first). */
export function sessionSecret(db: Kysely<Database>, configured: string | undefined): Promise<string> {
  return instanceSecret(db, "session_secret", configured);
}

/** The member this request's session stands for, after the per-request active check. */
const resolved = new WeakMap<Request, SessionUser | null>();

export function sessionMiddleware(store: Store, config: Config): RequestHandler {
  const ttlMs = (config.sessionTtlHours ?? 12) * 3_600_000;
  const sessionStore = new DatabaseSessionStore(store.db, ttlMs);
  let inner: Promise<RequestHandler> | null = null;
  const build = async (): Promise<RequestHandler> => session({
    name: SESSION_COOKIE,
    secret: await sessionSecret(store.db, config.sessionSecret),
    store: sessionStore,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    // true/false: TRUST_PROXY decides; a hop count or addresses: express's "trust proxy" (set by createApp) decides req.secure.
    proxy: typeof config.trustProxy === "boolean" ? config.trustProxy : undefined,
    cookie: { httpOnly: true, sameSite: "lax", secure: "auto", path: "/", maxAge: ttlMs },
  });
  return (req, res, next) => {
    inner ??= build().catch((err) => { inner = null; throw err; });
    inner.then((mw) => mw(req, res, (err?: unknown) => {
      if (err) return next(err);
      checkActive(store.db, req).then(() => next(), next);
    }), next);
  };
}

/**
 * Looks the session's member up (indexed by primary key). A session whose
 * member is deactivated or removed is deleted (the rules that end access
 * already deleted it; this catches sessions from before migration 0009).
 */
async function checkActive(db: Kysely<Database>, req: Request): Promise<void> {
  const user = req.session?.user;
  if (!user) { resolved.set(req, null); return; }
  if (user.operator === true) {
    const org = await db.selectFrom("orgs").select("id").where("id", "=", user.orgId).executeTakeFirst();
    if (org) { resolved.set(req, user); return; }
  } else {
    const m = await db.selectFrom("members").select("active").where("id", "=", user.memberId).where("org_id", "=", user.orgId).executeTakeFirst();
    if (m?.active === 1) { resolved.set(req, user); return; }
  }
  resolved.set(req, null);
  await db.deleteFrom("sessions").where("sid", "=", req.sessionID).execute();
  // The request keeps an empty session (a sign-in in this request regenerates it); it carries no one.
  delete req.session.user;
  delete req.session.csrf;
}

/** Regenerates the session id (no fixation) and stores the signed-in member. */
export async function signIn(req: Request, user: SessionUser): Promise<void> {
  if (!req.session) throw new Error("signIn: no session on this request (mount sessionMiddleware first)");
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
  req.session.user = user.operator === true
    ? { orgId: user.orgId, memberId: null, userId: null, door: "admin-link", operator: true }
    : { orgId: user.orgId, memberId: user.memberId, userId: user.userId, door: user.door };
  req.session.csrf = crypto.randomBytes(24).toString("base64url");
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err) : resolve())));
  resolved.set(req, req.session.user);
}

/** The signed-in, still active member of this request, or null. */
export function currentUser(req: Request): SessionUser | null {
  if (resolved.has(req)) return resolved.get(req) ?? null;
  return null;
}

/** The CSRF token of this request's session (null: no signed-in session). */
export function csrfToken(req: Request): string | null {
  return currentUser(req) ? req.session?.csrf ?? null : null;
}

/** True when `sent` (the X-Rollcall-CSRF header) matches the session's token, compared in constant time. */
export function csrfMatches(req: Request, sent: string | undefined): boolean {
  const expected = csrfToken(req);
  if (!expected || !sent) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(sent);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

/** Ends the session (its row is deleted) and clears the cookie. */
export async function signOut(req: Request): Promise<void> {
  resolved.set(req, null);
  if (req.session) await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
  req.res?.clearCookie(SESSION_COOKIE, { path: "/", httpOnly: true, sameSite: "lax" });
}
