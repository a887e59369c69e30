/**
 * Event receivers of an org: register (push URL or none for polling, format, event
 * types, shared secret), pause and resume, delete, see deliveries, replay. Each change
 * is audited (and so is itself an event) in its transaction.
 */
import crypto from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { recordAudit, type Actor } from "../audit/record.ts";
import { now } from "../clock.ts";
import { invalid, notFound } from "../errors.ts";
import { checkOutboundUrl } from "../security/outbound.ts";
import { decryptSecret, encryptSecret, requireEncryptionKey } from "../security/secrets.ts";
import { eventUri, isEvent, resourceKey, storedTypes, typesList } from "./catalog.ts";
import { DEFAULT_MAX_ATTEMPTS } from "./deliveries.ts";

export type ReceiverFormat = "set" | "webhook";

export interface ReceiverInput {
  url: string | null;
  format: ReceiverFormat;
  eventTypes?: string[];
  /** the shared secret (webhook HMAC key, poll bearer); generated when absent */
  secret?: string;
  maxAttempts?: number;
}

export interface ReceiverView {
  id: string;
  url: string | null;
  delivery: "push" | "poll";
  format: string;
  eventTypes: string[];
  status: string;
  maxAttempts: number;
  createdAt: string;
  deliveries: Record<string, number>;
}

type Db = Kysely<Database>;
const secretContext = (id: string) => `event-receiver-secret:${id}`;
const MIN_SECRET_CHARS = 16;

function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid("url must be an absolute http(s) URL");
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") throw invalid("url must be an absolute http(s) URL");
  if (u.username || u.password) throw invalid("url must not carry credentials; the receiver checks the signature instead");
}

export async function createReceiver(db: Db, encryptionKey: Buffer | undefined, orgId: string, input: ReceiverInput, actor: Actor): Promise<{ receiver: ReceiverView; secret: string }> {
  const key = requireEncryptionKey(encryptionKey, "an event receiver's secret");
  if (input.url !== null) {
    checkUrl(input.url);
    await checkOutboundUrl(input.url, "The event receiver's address");
  }
  if (input.url === null && input.format !== "set") throw invalid("a receiver without a url polls (RFC 8936), which carries SETs: format must be set");
  if (input.secret !== undefined && input.secret.length < MIN_SECRET_CHARS) throw invalid(`secret must be at least ${MIN_SECRET_CHARS} characters`);
  const secret = input.secret ?? crypto.randomBytes(32).toString("base64url");
  const id = crypto.randomUUID();
  const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  await db.transaction().execute(async (trx) => {
    await trx.insertInto("event_receivers").values({
      id, org_id: orgId, url: input.url, format: input.format, event_types: storedTypes(input.eventTypes),
      secret: encryptSecret(key, secret, secretContext(id)), status: "active", max_attempts: maxAttempts, created_at: now(),
    }).execute();
    await recordAudit(trx, { orgId, actor, action: "event_receiver.create", targetType: "event_receiver", targetId: id, detail: { url: input.url, format: input.format } });
  });
  return { receiver: await getReceiver(db, orgId, id), secret };
}

async function rowOf(db: Db, orgId: string, id: string) {
  const row = await db.selectFrom("event_receivers").selectAll().where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  if (!row) throw notFound(`no event receiver ${id}`);
  return row;
}

export async function getReceiver(db: Db, orgId: string, id: string): Promise<ReceiverView> {
  const [view] = await views(db, orgId, [await rowOf(db, orgId, id)]);
  return view!;
}

export async function listReceivers(db: Db, orgId: string): Promise<ReceiverView[]> {
  const rows = await db.selectFrom("event_receivers").selectAll().where("org_id", "=", orgId).orderBy("created_at").orderBy("id").execute();
  return views(db, orgId, rows);
}

async function views(db: Db, _orgId: string, rows: Database["event_receivers"][]): Promise<ReceiverView[]> {
  if (rows.length === 0) return [];
  const counts = await db.selectFrom("event_deliveries").select(["receiver_id", "status", sql<number>`count(*)`.as("n")])
    .where("receiver_id", "in", rows.map((r) => r.id)).groupBy(["receiver_id", "status"]).execute();
  return rows.map((r) => ({
    id: r.id, url: r.url, delivery: r.url === null ? "poll" : "push", format: r.format, eventTypes: typesList(r.event_types),
    status: r.status, maxAttempts: r.max_attempts, createdAt: r.created_at,
    deliveries: Object.fromEntries(counts.filter((c) => c.receiver_id === r.id).map((c) => [c.status, Number(c.n)])),
  }));
}

/** Pauses (nothing is pushed; deliveries wait) or resumes a receiver. */
export async function setReceiverStatus(db: Db, orgId: string, id: string, status: "active" | "paused", actor: Actor): Promise<ReceiverView> {
  await db.transaction().execute(async (trx) => {
    await rowOf(trx, orgId, id);
    await trx.updateTable("event_receivers").set({ status }).where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: status === "paused" ? "event_receiver.pause" : "event_receiver.resume", targetType: "event_receiver", targetId: id });
  });
  return getReceiver(db, orgId, id);
}

export async function deleteReceiver(db: Db, orgId: string, id: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await rowOf(trx, orgId, id);
    await trx.deleteFrom("event_deliveries").where("receiver_id", "=", id).execute();
    await trx.deleteFrom("event_receivers").where("id", "=", id).execute();
    await recordAudit(trx, { orgId, actor, action: "event_receiver.delete", targetType: "event_receiver", targetId: id });
  });
}

export const MAX_DELIVERY_PAGE = 500;

export interface DeliveryView {
  eventId: string;
  type: string;
  eventUri: string;
  target: { type: string; id: string | null };
  at: string;
  status: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastStatus: number | null;
  responseMs: number | null;
  deliveredAt: string | null;
}

/** A receiver's deliveries, oldest event first, optionally by status, after an event's audit position. */
export async function listDeliveries(db: Db, orgId: string, id: string, q: { status?: string; limit?: number; after?: number }): Promise<{ deliveries: DeliveryView[]; next: number | null }> {
  await rowOf(db, orgId, id);
  const limit = Math.min(q.limit ?? 100, MAX_DELIVERY_PAGE);
  let sel = db.selectFrom("event_deliveries as d").innerJoin("audit_events as a", "a.id", "d.audit_id")
    .select(["d.audit_id", "d.status", "d.attempts", "d.next_at", "d.last_error", "d.last_status", "d.response_ms", "d.delivered_at",
      "a.event_id", "a.action", "a.target_type", "a.target_id", "a.at"])
    .where("d.receiver_id", "=", id).orderBy("d.audit_id").limit(limit + 1);
  if (q.status) sel = sel.where("d.status", "=", q.status);
  if (q.after !== undefined) sel = sel.where("d.audit_id", ">", q.after);
  const rows = await sel.execute();
  const page = rows.slice(0, limit);
  return {
    deliveries: page.map((r) => ({
      eventId: r.event_id ?? "", type: r.action, eventUri: eventUri(r.action, r.target_type), target: { type: r.target_type, id: r.target_id },
      at: r.at, status: r.status, attempts: r.attempts, nextAttemptAt: r.status === "pending" ? r.next_at : null,
      lastError: r.last_error, lastStatus: r.last_status, responseMs: r.response_ms, deliveredAt: r.delivered_at,
    })),
    next: rows.length > limit ? Number(page.at(-1)!.audit_id) : null,
  };
}

/**
 * Sends again every event of the org since `since` that the receiver asks for (delivered,
 * dead or never queued — an event from before it was registered, too), in order, with the
 * same event ids. Returns how many deliveries were queued.
 */
export async function replaySince(db: Db, orgId: string, id: string, since: string, actor: Actor): Promise<number> {
  if (Number.isNaN(Date.parse(since))) throw invalid("since must be an ISO-8601 time");
  const from = new Date(since).toISOString();
  return db.transaction().execute(async (trx) => {
    const r = await rowOf(trx, orgId, id);
    const types = typesList(r.event_types);
    const events = await trx.selectFrom("audit_events").select(["id", "action", "target_type", "target_id"])
      .where("org_id", "=", orgId).where("at", ">=", from).orderBy("id").execute();
    const wanted = events.filter((e) => isEvent(e.action) && (types[0] === "*" || types.includes(e.action) || types.includes(eventUri(e.action, e.target_type))));
    const at = now();
    for (let i = 0; i < wanted.length; i += 200) {
      const chunk = wanted.slice(i, i + 200);
      await trx.insertInto("event_deliveries")
        .values(chunk.map((e) => ({ receiver_id: id, audit_id: Number(e.id), resource_key: resourceKey(orgId, e.target_type, e.target_id), status: "pending", next_at: at })))
        .onConflict((oc) => oc.columns(["receiver_id", "audit_id"]).doUpdateSet({ status: "pending", attempts: 0, next_at: at, lease_until: null, last_error: null }))
        .execute();
    }
    await recordAudit(trx, { orgId, actor, action: "event_receiver.replay", targetType: "event_receiver", targetId: id, detail: { since: from, events: wanted.length } });
    return wanted.length;
  });
}

/** The receiver's shared secret in clear (for signing and for checking a poller's bearer). */
export function receiverSecret(encryptionKey: Buffer | undefined, receiverId: string, stored: string): string {
  return decryptSecret(requireEncryptionKey(encryptionKey, "an event receiver's secret"), stored, secretContext(receiverId));
}
