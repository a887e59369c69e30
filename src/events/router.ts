/**
 * The receivers' side of events over HTTP: the public keys that verify SETs (a JWKS at
 * /.well-known/scim-events-jwks.json) and RFC 8936 polling at POST /events/poll/:receiverId
 * (Authorization: Bearer <the receiver's secret>). Errors are problem+json (one translation).
 */
import express, { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import type { Store } from "../../db/connect.ts";
import { eventsConfig, type Config } from "../config.ts";
import { readApiKey } from "../http/credentials.ts";
import { problemOf, sendProblem } from "../http/problems.ts";
import { invalid } from "../org/errors.ts";
import { authenticatePoller, MAX_POLL_EVENTS, poll } from "../org/events/poll.ts";
import { currentSigningKey, publicJwks } from "../org/events/signing-keys.ts";
import { eventIssuer } from "./issuer.ts";
import { JWKS_PATH, POLL_PREFIX } from "./paths.ts";

export { JWKS_PATH } from "./paths.ts";

const PollBody = z.strictObject({
  ack: z.array(z.string().max(100)).max(MAX_POLL_EVENTS).default([]),
  setErrs: z.record(z.string().max(100), z.strictObject({ err: z.string().max(100), description: z.string().max(1000).optional() })).default({}),
  maxEvents: z.number().int().min(0).max(MAX_POLL_EVENTS).default(100),
  // polls always return at once (a long poll is not offered), which RFC 8936 §2.4 allows
  returnImmediately: z.boolean().optional(),
});

export function eventsRouter(store: Store, config: Config, log: (msg: string, err: unknown) => void): Router {
  const r = Router();
  const ev = eventsConfig(config);
  const key = () => currentSigningKey(store.db, config.encryptionKey, ev.keyRotationDays);
  r.get(JWKS_PATH, async (_req, res) => {
    // a key exists before the first SET, so a receiver can fetch it while being set up
    if (config.encryptionKey) await key();
    res.set("Cache-Control", "public, max-age=300").json(await publicJwks(store.db, ev.keyRotationDays));
  });
  r.post(`${POLL_PREFIX}:receiverId`, express.json({ limit: config.maxBodyBytes }), async (req: Request, res: Response) => {
    const receiver = await authenticatePoller(store.db, config.encryptionKey, String(req.params.receiverId), readApiKey(req));
    const parsed = PollBody.safeParse(req.body ?? {});
    if (!parsed.success) throw invalid(`poll request: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`);
    const audience = `${config.baseUrl ?? ""}/events/poll/${receiver.id}`;
    res.json(await poll(store.db, receiver, parsed.data, key, eventIssuer(config), audience));
  });
  r.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const p = problemOf(err);
    if (p.status >= 500) log("unhandled error in events request", err);
    sendProblem(res, p);
  });
  return r;
}
