/**
 * Sessions (express-session with a store in our own database, so a second
 * instance serves the same sessions). Interface used by the sign-in doors.
 */
import type { Request, RequestHandler } from "express";
import type { Store } from "../../db/connect.ts";
import type { Config } from "../config.ts";

export interface SessionUser {
  orgId: string;
  memberId: string;
  userId: string;
  door: "oidc" | "ldap" | "admin-link";
}

export function sessionMiddleware(_store: Store, _config: Config): RequestHandler {
  return (_req, _res, next) => next();
}

/** Regenerates the session id (no fixation) and stores the signed-in member. */
export async function signIn(_req: Request, _user: SessionUser): Promise<void> {
  throw new Error("signIn: not implemented yet");
}

export function currentUser(_req: Request): SessionUser | null {
  return null;
}

export async function signOut(_req: Request): Promise<void> {}
