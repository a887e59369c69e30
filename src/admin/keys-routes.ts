/**
 * Admin API: a member's own API keys (/me/keys). The signed-in member (session
 * with CSRF, or one of their own keys) creates, lists and revokes them; a key
 * acts with exactly its member's rights and stops working when the member is
 * deactivated or removed. The secret is in the creation answer only.
 */
import { z } from "zod";
import { createMemberKey, listMemberKeys, revokeMemberKey } from "../org/security/keys.ts";
import { BOUNDS } from "../org/bounds.ts";
import { ensureCan } from "../org/access/can.ts";
import { forbidden } from "../org/errors.ts";
import { adminCtx, type AdminContext } from "./context.ts";
import { text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

/** The caller's own member id, after the policy allowed `action` on it. */
function ownMemberId(ctx: AdminContext, action: "member-keys:create" | "member-keys:manage"): string {
  if (!ctx.principal.memberId) throw forbidden("only members have API keys of their own (signed in, or with one of their keys); a service account's keys are managed under /service-accounts");
  ensureCan(ctx.principal, action, { memberId: ctx.principal.memberId });
  return ctx.principal.memberId;
}

const NewKey = z.strictObject({ label: text(BOUNDS.identifierChars).optional().describe("what the key is for, e.g. \"laptop\"") });

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/me/keys", tag: "me", summary: "Your own API keys (prefix, label, created, last used, revoked; never the secret)",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      res.json({ keys: await listMemberKeys(ctx.store.db, ctx.orgId, ownMemberId(ctx, "member-keys:manage")) });
    },
  });
  r.add({
    method: "post", path: "/me/keys", tag: "me", status: 201,
    summary: "Create an API key of your own (shown once); it acts with exactly your rights and stops working if you are deactivated or removed",
    body: NewKey,
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      const key = await createMemberKey(ctx.store.db, ctx.orgId, ownMemberId(ctx, "member-keys:create"), body.label, ctx.actor);
      res.status(201).set("Cache-Control", "no-store").json(key);
    },
  });
  r.add({
    method: "delete", path: "/me/keys/:keyId", tag: "me", status: 204, summary: "Revoke one of your own API keys",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      await revokeMemberKey(ctx.store.db, ctx.orgId, ownMemberId(ctx, "member-keys:manage"), String(req.params.keyId), ctx.actor);
      res.status(204).end();
    },
  });
}
