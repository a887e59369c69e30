/** POST /auth/logout: ends the session (its row is deleted, the cookie cleared). 204 whether or not someone was signed in. */
import { Router } from "express";
import { signOut } from "../http/session.ts";

export function logoutRouter(): Router {
  const r = Router();
  // SameSite=Lax keeps the cookie off cross-site POSTs, so another site cannot log anyone out.
  r.post("/logout", async (req, res) => {
    await signOut(req);
    res.status(204).end();
  });
  return r;
}
