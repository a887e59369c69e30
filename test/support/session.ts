/**
 * A real app (createApp) with a test-only sign-in route in front of it, so the
 * session tests do not depend on a door: POST /test/login {orgId, memberId, userId}
 * signs that member in exactly as the OIDC and LDAP doors do (signIn), and
 * GET /test/anon starts an anonymous session (to see the id change at sign-in).
 */
import express from "express";
import type { Store } from "../../db/connect.ts";
import { createApp } from "../../src/app.ts";
import type { Config } from "../../src/config.ts";
import { currentUser, sessionMiddleware, signIn } from "../../src/http/session.ts";

export function appWithLogin(store: Store, config: Config): express.Express {
  const outer = express();
  outer.set("trust proxy", config.trustProxy ?? false);
  const sessions = sessionMiddleware(store, config);
  outer.get("/test/anon", sessions, (req, res) => {
    (req.session as unknown as { seen: boolean }).seen = true;
    res.json({ user: currentUser(req) });
  });
  outer.post("/test/login", express.json(), sessions, async (req, res) => {
    const { orgId, memberId, userId } = req.body as { orgId: string; memberId: string; userId: string };
    await signIn(req, { orgId, memberId, userId, door: "oidc" });
    res.json({ user: currentUser(req) });
  });
  outer.use(createApp(store, config));
  return outer;
}

/** The `rollcall.sid` Set-Cookie line of a response, if any. */
export function sidCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const raw = res.headers["set-cookie"];
  const lines = Array.isArray(raw) ? (raw as string[]) : typeof raw === "string" ? [raw] : [];
  return lines.find((l) => l.startsWith("rollcall.sid="));
}

/** The session id inside a signed `rollcall.sid` cookie value (s:<sid>.<signature>). */
export function sidOf(cookieLine: string): string {
  const value = decodeURIComponent(cookieLine.split(";")[0]!.slice("rollcall.sid=".length));
  return value.slice(2, value.lastIndexOf("."));
}
