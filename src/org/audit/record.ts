/** Audit events: who did what to whom, when, through which door. Written in the
 * same transaction as the change they describe; each is also a provisioning event
 * (its `event_id`), handed to the outbox in that transaction (src/org/events). */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";
import { enqueueDeliveries } from "../events/outbox.ts";
import type { GrantSource } from "../provenance/sources.ts";

export type Door = "scim" | "admin" | "cli" | "sso" | "oauth";

/** Who is acting: the door and an identifier (API key id, member id, "operator"). */
export interface Actor {
  door: Door;
  id: string;
  /** what this actor's grants are recorded as (src/org/provenance); unset: derived from door and id */
  source?: GrantSource;
  /** the SCIM connection (service account id) the SCIM door writes through: what it creates or writes is managed by it (src/org/provenance/managed.ts) */
  connection?: string;
}

export async function recordAudit(
  db: Kysely<Database>,
  e: { orgId: string; actor: Actor; action: string; targetType: string; targetId: string | null; detail?: unknown },
): Promise<void> {
  // A change made outside a transaction (one row) still writes its audit row and deliveries together.
  if (!db.isTransaction) return db.transaction().execute((trx) => recordAudit(trx, e));
  const at = now();
  const row = await db
    .insertInto("audit_events")
    .values({
      org_id: e.orgId,
      at,
      door: e.actor.door,
      actor: e.actor.id,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      detail: e.detail === undefined ? null : JSON.stringify(e.detail),
      event_id: crypto.randomUUID(),
      person_id: personOf(e),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  // bigserial comes back from pg as a string
  await enqueueDeliveries(db, { auditId: Number(row.id), orgId: e.orgId, at, action: e.action, targetType: e.targetType, targetId: e.targetId });
}

/** The member an event is about besides its actor: the target member, or the one a team change names. */
function personOf(e: { targetType: string; targetId: string | null; detail?: unknown }): string | null {
  if (e.targetType === "member") return e.targetId;
  const m = e.detail && typeof e.detail === "object" ? (e.detail as Record<string, unknown>).memberId : undefined;
  return typeof m === "string" ? m : null;
}
