/**
 * RFC 8936 poll delivery for a receiver registered without a url: the receiver
 * acknowledges what it processed (`ack`), reports SETs it could not (`setErrs`), and gets
 * the next pending ones in audit order. Unacknowledged SETs come again (at least once).
 * The poller authenticates with the receiver's shared secret as a bearer token.
 */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";
import { DomainError, invalid } from "../errors.ts";
import { eventRow } from "./deliveries.ts";
import { signSet } from "./messages.ts";
import { receiverSecret } from "./receivers.ts";
import type { SigningKey } from "./signing-keys.ts";

export interface PollRequest {
  ack: string[];
  setErrs: Record<string, { err: string; description?: string }>;
  maxEvents: number;
}

export const MAX_POLL_EVENTS = 1000;

const unauthorized = () => new DomainError("unauthorized", "unknown polling receiver or wrong secret");

function sameSecret(a: string, b: string): boolean {
  const x = crypto.createHash("sha256").update(a).digest();
  const y = crypto.createHash("sha256").update(b).digest();
  return crypto.timingSafeEqual(x, y);
}

/** Checks the bearer against a polling receiver; the same refusal for unknown ids and wrong secrets. */
export async function authenticatePoller(db: Kysely<Database>, encryptionKey: Buffer | undefined, receiverId: string, bearer: string | null): Promise<{ id: string; orgId: string; status: string }> {
  const r = await db.selectFrom("event_receivers").selectAll().where("id", "=", receiverId).executeTakeFirst();
  if (!r || r.url !== null || !bearer || !sameSecret(receiverSecret(encryptionKey, r.id, r.secret), bearer)) throw unauthorized();
  return { id: r.id, orgId: r.org_id, status: r.status };
}

export async function poll(db: Kysely<Database>, receiver: { id: string; status: string }, req: PollRequest, key: () => Promise<SigningKey>, issuer: string, audience: string): Promise<{ sets: Record<string, string>; moreAvailable: boolean }> {
  if (req.maxEvents < 0 || req.maxEvents > MAX_POLL_EVENTS) throw invalid(`maxEvents must be between 0 and ${MAX_POLL_EVENTS}`);
  const at = now();
  const byEventIds = (ids: string[]) => db.selectFrom("audit_events").select("id").where("event_id", "in", ids);
  if (req.ack.length) {
    await db.updateTable("event_deliveries").set({ status: "delivered", delivered_at: at, lease_until: null })
      .where("receiver_id", "=", receiver.id).where("audit_id", "in", byEventIds(req.ack)).execute();
  }
  for (const [jti, e] of Object.entries(req.setErrs)) {
    await db.updateTable("event_deliveries").set({ status: "dead", last_error: `${e.err}: ${e.description ?? ""}`.slice(0, 500), lease_until: null })
      .where("receiver_id", "=", receiver.id).where("audit_id", "in", byEventIds([jti])).execute();
  }
  if (receiver.status !== "active" || req.maxEvents === 0) return { sets: {}, moreAvailable: false };
  const rows = await db.selectFrom("event_deliveries as d").innerJoin("audit_events as a", "a.id", "d.audit_id")
    .select(["d.id", "a.event_id", "a.org_id", "a.at", "a.door", "a.actor", "a.action", "a.target_type", "a.target_id", "a.detail"])
    .where("d.receiver_id", "=", receiver.id).where("d.status", "in", ["pending", "leased"])
    .orderBy("d.audit_id").limit(req.maxEvents + 1).execute();
  const page = rows.slice(0, req.maxEvents);
  if (page.length) {
    await db.updateTable("event_deliveries").set((eb) => ({ attempts: eb("attempts", "+", 1), next_at: at }))
      .where("id", "in", page.map((r) => r.id)).execute();
  }
  const signing = page.length ? await key() : null;
  const sets: Record<string, string> = {};
  for (const r of page) {
    const e = eventRow(r);
    sets[e.eventId] = await signSet(e, signing!, issuer, audience);
  }
  return { sets, moreAvailable: rows.length > page.length };
}
