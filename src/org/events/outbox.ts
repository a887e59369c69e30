/**
 * The outbox: the audit row of a change is its event, and this writes one delivery row
 * per receiver that asked for it — in the change's own transaction, so a rolled-back
 * change leaves neither, and a committed one is never without its deliveries.
 */
import { sql, type Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { eventUri, isEvent, resourceKey } from "./catalog.ts";

export interface OutboxEvent {
  auditId: number;
  orgId: string;
  at: string;
  action: string;
  targetType: string;
  targetId: string | null;
}

export async function enqueueDeliveries(db: Kysely<Database>, e: OutboxEvent): Promise<void> {
  if (!isEvent(e.action)) return;
  const key = resourceKey(e.orgId, e.targetType, e.targetId);
  const byAction = `%,${e.action},%`;
  const byUri = `%,${eventUri(e.action, e.targetType)},%`;
  await db.insertInto("event_deliveries")
    .columns(["receiver_id", "audit_id", "resource_key", "status", "next_at"])
    .expression((eb) => eb.selectFrom("event_receivers")
      .select([
        "id",
        sql<number>`${e.auditId}`.as("audit_id"),
        sql<string>`${key}`.as("resource_key"),
        sql<string>`'pending'`.as("status"),
        sql<string>`${e.at}`.as("next_at"),
      ])
      .where("org_id", "=", e.orgId)
      .where((w) => w.or([w("event_types", "=", "*"), w("event_types", "like", byAction), w("event_types", "like", byUri)])))
    .execute();
}
