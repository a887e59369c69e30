/**
 * Admin API: event receivers (org admins). Register one (push url or none for RFC 8936
 * polling; format set | webhook; event types; secret, shown once when generated), pause,
 * resume, delete, list its deliveries, replay from a point in time.
 */
import { z } from "zod";
import { ensureCan } from "../org/access/can.ts";
import { eventsConfig } from "../config.ts";
import { createReceiver, deleteReceiver, getReceiver, listDeliveries, listReceivers, MAX_DELIVERY_PAGE, replaySince, setReceiverStatus } from "../org/events/receivers.ts";
import { adminCtx } from "./context.ts";
import { choice, list, queryInt, text } from "./input.ts";
import type { RouteRegistry } from "./openapi.ts";

const TAG = "events";

const NewReceiver = z.strictObject({
  url: text(2000).nullable().default(null).describe("where events are POSTed; null: the receiver polls POST /events/poll/{id} (RFC 8936)"),
  format: choice(["set", "webhook"] as const).describe("set: RFC 8417 SETs signed with the keys at /.well-known/scim-events-jwks.json; webhook: JSON signed with HMAC-SHA256"),
  eventTypes: list(text(200), 100).optional().describe('audit actions ("member.create"), RFC 9967 URIs, or ["*"] (default)'),
  secret: text(200).optional().describe("the shared secret (at least 16 characters); generated and returned once when absent"),
  maxAttempts: z.int().min(1).max(100).optional().describe("attempts before a delivery is dead (default EVENTS_MAX_ATTEMPTS)"),
});
const ReceiverChange = z.strictObject({ status: choice(["active", "paused"] as const) });
const DeliveriesQuery = z.strictObject({
  status: choice(["pending", "leased", "delivered", "dead"] as const).optional(),
  limit: queryInt(1, MAX_DELIVERY_PAGE).optional(), after: queryInt(0, Number.MAX_SAFE_INTEGER).optional().describe("`next` of the previous page"),
});
const Replay = z.strictObject({ since: text(64).describe("ISO-8601 time: every event from then on is sent again, in order") });

export function register(r: RouteRegistry): void {
  r.add({
    method: "get", path: "/event-receivers", tag: TAG, summary: "The org's event receivers, with delivery counts by status",
    handler: async (_req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "events:read");
      res.json({ items: await listReceivers(ctx.store.db, ctx.orgId) });
    },
  });
  r.add({
    method: "post", path: "/event-receivers", tag: TAG, status: 201, body: NewReceiver, summary: "Register an event receiver",
    handler: async (_req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "events:manage");
      const { receiver, secret } = await createReceiver(ctx.store.db, ctx.config.encryptionKey, ctx.orgId,
        { ...body, maxAttempts: body.maxAttempts ?? eventsConfig(ctx.config).maxAttempts }, ctx.actor);
      res.status(201).json({ ...receiver, ...(body.secret === undefined ? { secret } : {}) });
    },
  });
  r.add({
    method: "get", path: "/event-receivers/:id", tag: TAG, summary: "One event receiver",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "events:read");
      res.json(await getReceiver(ctx.store.db, ctx.orgId, String(req.params.id)));
    },
  });
  r.add({
    method: "patch", path: "/event-receivers/:id", tag: TAG, body: ReceiverChange, summary: "Pause (deliveries wait) or resume a receiver",
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "events:manage");
      res.json(await setReceiverStatus(ctx.store.db, ctx.orgId, String(req.params.id), body.status, ctx.actor));
    },
  });
  r.add({
    method: "delete", path: "/event-receivers/:id", tag: TAG, status: 204, summary: "Delete a receiver and its deliveries",
    handler: async (req, res) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "events:manage");
      await deleteReceiver(ctx.store.db, ctx.orgId, String(req.params.id), ctx.actor);
      res.status(204).end();
    },
  });
  r.add({
    method: "get", path: "/event-receivers/:id/deliveries", tag: TAG, query: DeliveriesQuery,
    summary: "A receiver's deliveries, oldest event first: status, attempts, last error, response time",
    handler: async (req, res, { query }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "events:read");
      res.json(await listDeliveries(ctx.store.db, ctx.orgId, String(req.params.id), query));
    },
  });
  r.add({
    method: "post", path: "/event-receivers/:id/replay", tag: TAG, body: Replay, summary: "Send every event since a time again (same event ids)",
    handler: async (req, res, { body }) => {
      const ctx = adminCtx(res);
      ensureCan(ctx.principal, "events:manage");
      res.json({ queued: await replaySince(ctx.store.db, ctx.orgId, String(req.params.id), body.since, ctx.actor) });
    },
  });
}
