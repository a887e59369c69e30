/**
 * The delivery rules: which deliveries are due, who takes them, what a success or a
 * failure does. A worker claims due deliveries under a lease (on PostgreSQL with
 * `FOR UPDATE SKIP LOCKED`, so instances share them without taking the same one), one
 * at a time per resource and receiver, in audit order: a delivery waits while an earlier
 * one of its resource is pending, leased or waiting for its retry. A failure retries
 * with exponential backoff and full jitter; after the receiver's `max_attempts` it is dead.
 */
import { sql, type Kysely } from "kysely";
import type { Store } from "../../../db/connect.ts";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";
import { racePoint } from "../race-points.ts";
import type { EventRow } from "./messages.ts";

export interface RetryPolicy {
  /** first retry after about this long; each next one doubles */
  baseMs: number;
  /** no wait is longer than this */
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 1000, maxMs: 3_600_000 };
export const DEFAULT_MAX_ATTEMPTS = 15;

/** The wait before retry n (1-based): base·2^(n−1), capped, then a random half to whole of it. */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const full = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(full / 2 + random() * (full / 2));
}

export interface ClaimedDelivery {
  id: number;
  attempt: number;
  resourceKey: string;
  receiver: { id: string; url: string; format: string; secret: string; maxAttempts: number };
  event: EventRow;
}

const plus = (ms: number) => new Date(Date.now() + ms).toISOString();

/**
 * Takes up to `limit` due deliveries of active push receivers under a lease of `leaseMs`
 * (a worker killed mid-delivery gives them back when the lease ends: at least once).
 */
export async function claimDue(store: Store, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return store.db.transaction().execute(async (trx) => {
    const at = now();
    let q = trx.selectFrom("event_deliveries as d")
      .innerJoin("event_receivers as r", "r.id", "d.receiver_id")
      .select(["d.id", "d.receiver_id", "d.resource_key", "d.audit_id"])
      .where("r.status", "=", "active").where("r.url", "is not", null)
      .where((w) => w.or([
        w.and([w("d.status", "=", "pending"), w("d.next_at", "<=", at)]),
        w.and([w("d.status", "=", "leased"), w("d.lease_until", "<", at)]),
      ]))
      .orderBy("d.audit_id").limit(limit);
    if (store.dialect === "postgres") q = q.forUpdate(["d"]).skipLocked();
    const candidates = (await q.execute()).map((c) => ({ ...c, audit_id: Number(c.audit_id), id: Number(c.id) }));
    if (candidates.length === 0) return [];
    const taken = await unblocked(trx, candidates);
    if (taken.length === 0) return [];
    await racePoint("events.claim");
    const ids = taken.map((c) => c.id);
    await trx.updateTable("event_deliveries")
      .set((eb) => ({ status: "leased", lease_until: plus(leaseMs), attempts: eb("attempts", "+", 1) }))
      .where("id", "in", ids).execute();
    const rows = await trx.selectFrom("event_deliveries as d")
      .innerJoin("event_receivers as r", "r.id", "d.receiver_id")
      .innerJoin("audit_events as a", "a.id", "d.audit_id")
      .select(["d.id", "d.attempts", "d.resource_key", "r.id as receiver_id", "r.url", "r.format", "r.secret", "r.max_attempts",
        "a.event_id", "a.org_id", "a.at", "a.door", "a.actor", "a.action", "a.target_type", "a.target_id", "a.detail"])
      .where("d.id", "in", ids).orderBy("d.audit_id").execute();
    return rows.map((r) => ({
      id: Number(r.id), attempt: r.attempts, resourceKey: r.resource_key,
      receiver: { id: r.receiver_id, url: r.url ?? "", format: r.format, secret: r.secret, maxAttempts: r.max_attempts },
      event: eventRow(r),
    }));
  });
}

type AuditFields = { event_id: string | null; org_id: string; at: string; door: string; actor: string; action: string; target_type: string; target_id: string | null; detail: string | null };

export function eventRow(r: AuditFields): EventRow {
  return {
    eventId: r.event_id ?? "", orgId: r.org_id, at: r.at, door: r.door, actor: r.actor, action: r.action,
    targetType: r.target_type, targetId: r.target_id, detail: r.detail === null ? null : JSON.parse(r.detail),
  };
}

type Candidate = { id: number; receiver_id: string; resource_key: string; audit_id: number };

/** The candidates with no earlier unfinished delivery of their resource outside the candidate set. */
async function unblocked(trx: Kysely<Database>, candidates: Candidate[]): Promise<Candidate[]> {
  const ids = candidates.map((c) => c.id);
  const maxAudit = Math.max(...candidates.map((c) => c.audit_id));
  const blockers = await trx.selectFrom("event_deliveries")
    .select(["receiver_id", "resource_key", sql<number>`min(audit_id)`.as("first")])
    .where("status", "in", ["pending", "leased"])
    .where("resource_key", "in", [...new Set(candidates.map((c) => c.resource_key))])
    .where("receiver_id", "in", [...new Set(candidates.map((c) => c.receiver_id))])
    .where("id", "not in", ids).where("audit_id", "<", maxAudit)
    .groupBy(["receiver_id", "resource_key"]).execute();
  const first = new Map(blockers.map((b) => [`${b.receiver_id} ${b.resource_key}`, Number(b.first)]));
  return candidates.filter((c) => {
    const f = first.get(`${c.receiver_id} ${c.resource_key}`);
    return f === undefined || f > c.audit_id;
  });
}

export interface Outcome {
  ok: boolean;
  /** HTTP status, when the receiver answered */
  status?: number;
  ms: number;
  error?: string;
  /** the receiver refused this event for good (a 4xx other than 408/429): dead now */
  permanent?: boolean;
}

/** What an attempt makes of a delivery: delivered, retried later, or dead (a permanent refusal, or the last attempt). */
export function outcomeStatus(d: ClaimedDelivery, o: Outcome): "delivered" | "pending" | "dead" {
  if (o.ok) return "delivered";
  return o.permanent || d.attempt >= d.receiver.maxAttempts ? "dead" : "pending";
}

/** Records what one attempt did (a retry waits with backoff). */
export async function recordOutcome(db: Kysely<Database>, d: ClaimedDelivery, o: Outcome, policy: RetryPolicy): Promise<void> {
  const common = { last_status: o.status ?? null, response_ms: Math.round(o.ms), lease_until: null };
  const status = outcomeStatus(d, o);
  if (status === "delivered") {
    await db.updateTable("event_deliveries").set({ ...common, status, delivered_at: now(), last_error: null }).where("id", "=", d.id).execute();
    return;
  }
  await db.updateTable("event_deliveries")
    .set({ ...common, status, last_error: (o.error ?? "failed").slice(0, 500), next_at: status === "dead" ? now() : plus(backoffMs(d.attempt, policy)) })
    .where("id", "=", d.id).execute();
}

/** Records a round's outcomes: the successes in one statement (a round trip each would cap delivery on PostgreSQL), the rest one by one. */
export async function recordOutcomes(db: Kysely<Database>, done: { d: ClaimedDelivery; o: Outcome }[], released: ClaimedDelivery[], policy: RetryPolicy): Promise<void> {
  const ok = done.filter((x) => x.o.ok);
  for (let i = 0; i < ok.length; i += 300) {
    const chunk = ok.slice(i, i + 300);
    const caseOf = (pick: (x: { d: ClaimedDelivery; o: Outcome }) => number | null) =>
      sql<number>`case ${sql.join(chunk.map((x) => sql`when id = ${x.d.id} then cast(${pick(x)} as integer)`), sql` `)} end`;
    await db.updateTable("event_deliveries").set({
      status: "delivered", delivered_at: now(), last_error: null, lease_until: null,
      last_status: caseOf((x) => x.o.status ?? null), response_ms: caseOf((x) => Math.round(x.o.ms)),
    }).where("id", "in", chunk.map((x) => x.d.id)).execute();
  }
  for (const x of done) if (!x.o.ok) await recordOutcome(db, x.d, x.o, policy);
  if (released.length) {
    await db.updateTable("event_deliveries")
      .set((eb) => ({ status: "pending", lease_until: null, attempts: eb("attempts", "-", 1) }))
      .where("id", "in", released.map((d) => d.id)).execute();
  }
}
