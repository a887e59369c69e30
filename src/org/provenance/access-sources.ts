/**
 * Who granted a member's org role, Models seat and Weave access
 * (`access_sources`, migration 0011). A field's sources are those of its current
 * value: a write that changes the value replaces them with the writer; a write
 * that names the same value again (an admin confirming it, a mapping rule) adds
 * the writer beside the others.
 */
import type { Kysely, Transaction } from "kysely";
import type { Database, Member } from "../../../db/types.ts";
import { now } from "../clock.ts";
import { sourceView, type GrantSource, type SourceView } from "./sources.ts";

type Trx = Transaction<Database>;

export const ACCESS_FIELDS = ["org_role", "models_seat", "weave_role"] as const;
export type AccessField = (typeof ACCESS_FIELDS)[number];

/**
 * Records `source` for the fields `after` changed from `before` (null: a new
 * member, every field), and beside the others for the fields in `named` whose
 * value stayed.
 */
export async function recordAccessSources(
  trx: Trx, orgId: string, before: Member | null, after: Member, source: GrantSource, named: readonly AccessField[] = [],
): Promise<void> {
  const t = now();
  for (const field of ACCESS_FIELDS) {
    const changed = !before || before[field] !== after[field];
    if (!changed && !named.includes(field)) continue;
    if (changed) await trx.deleteFrom("access_sources").where("member_id", "=", after.id).where("field", "=", field).execute();
    await trx.insertInto("access_sources")
      .values({ member_id: after.id, org_id: orgId, field, value: after[field], kind: source.kind, source_id: source.id, granted_at: t })
      .onConflict((oc) => oc.columns(["member_id", "field", "kind", "source_id"]).doUpdateSet({ value: after[field], granted_at: t }))
      .execute();
  }
}

/** Takes `source` away from the member's fields; returns the fields left with no source (their value is then nobody's grant). */
export async function withdrawAccessSource(trx: Trx, memberId: string, source: GrantSource): Promise<AccessField[]> {
  const gone = await trx.deleteFrom("access_sources").where("member_id", "=", memberId)
    .where("kind", "=", source.kind).where("source_id", "=", source.id).returning("field").execute();
  const left = new Set((await trx.selectFrom("access_sources").select("field").where("member_id", "=", memberId).execute()).map((r) => r.field));
  return ACCESS_FIELDS.filter((f) => gone.some((g) => g.field === f) && !left.has(f));
}

/** Takes these sources of one kind away from one field of the member (its value stays). */
export async function withdrawAccessSources(trx: Trx, memberId: string, field: AccessField, kind: string, ids: readonly string[]): Promise<void> {
  if (!ids.length) return;
  await trx.deleteFrom("access_sources").where("member_id", "=", memberId).where("field", "=", field).where("kind", "=", kind).where("source_id", "in", [...ids]).execute();
}

/** Takes `source` away from every member's fields in the org (a removed connection); the values stay. */
export async function withdrawAccessSourceEverywhere(trx: Trx, orgId: string, source: GrantSource): Promise<void> {
  await trx.deleteFrom("access_sources").where("org_id", "=", orgId).where("kind", "=", source.kind).where("source_id", "=", source.id).execute();
}

/** The sources of each access field, for the API (camel-cased field names). */
export async function accessSourcesOf(db: Kysely<Database>, memberId: string): Promise<{ orgRole: SourceView[]; modelsSeat: SourceView[]; weaveRole: SourceView[] }> {
  const rows = await db.selectFrom("access_sources").select(["field", "kind", "source_id", "granted_at"])
    .where("member_id", "=", memberId).orderBy("granted_at").orderBy("kind").execute();
  const of = (f: AccessField) => rows.filter((r) => r.field === f).map(sourceView);
  return { orgRole: of("org_role"), modelsSeat: of("models_seat"), weaveRole: of("weave_role") };
}
