/** Audit events: who did what to whom, when, through which door. Written in the
 * same transaction as the change they describe. */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";
import type { GrantSource } from "../provenance/sources.ts";

export type Door = "scim" | "admin" | "cli" | "sso";

/** Who is acting: the door and an identifier (API key id, member id, "operator"). */
export interface Actor {
  door: Door;
  id: string;
  /** what this actor's grants are recorded as (src/org/provenance); unset: derived from door and id */
  source?: GrantSource;
}

export async function recordAudit(
  db: Kysely<Database>,
  e: { orgId: string; actor: Actor; action: string; targetType: string; targetId: string | null; detail?: unknown },
): Promise<void> {
  await db
    .insertInto("audit_events")
    .values({
      org_id: e.orgId,
      at: now(),
      door: e.actor.door,
      actor: e.actor.id,
      action: e.action,
      target_type: e.targetType,
      target_id: e.targetId,
      detail: e.detail === undefined ? null : JSON.stringify(e.detail),
    })
    .execute();
}
