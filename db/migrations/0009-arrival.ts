/**
 * Arrival (issue 16): where an address's verification came from, and sessions
 * that can be ended by member or by door.
 *
 * - `member_emails.verified_by`: who vouches for this address of the member —
 *   `scim` (the org's own directory), `oidc <issuer>` / `ldap <url>` (a verified
 *   sign-in), `email` (an e-mail link), or null (an unverified claim). Only a
 *   vouched-for address is a link target (src/org/arrival/link.ts).
 * - `email_verifications`: every time an authoritative source verified an
 *   address of a global user (source as above, `scim <orgId>` for a directory).
 *   Rows migrated from `users.email_verified = 1` get the source `legacy`, which
 *   links nothing: the old rules could mark a claimant's user verified.
 * - `sessions.member_id`, `org_id`, `door` (filled in for existing sessions from
 *   their JSON): so a deactivation, a removal or a revoked connection deletes the
 *   sessions it ends, in the same transaction.
 */
import { sql } from "kysely";
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("member_emails").addColumn("verified_by", "text").execute();
  // Members whose user never signed in were created by the org's directory (SCIM): its addresses.
  await sql`update member_emails set verified_by = 'scim' where member_id in (
    select m.id from members m where not exists (select 1 from identities i where i.user_id = m.user_id))`.execute(db);

  await db.schema.createTable("email_verifications")
    .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
    .addColumn("email_key", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("org_id", "text")
    .addColumn("verified_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("email_verifications_pk", ["user_id", "email_key", "source"])
    .execute();
  await db.schema.createIndex("email_verifications_email").on("email_verifications").columns(["email_key", "source"]).execute();
  await sql`insert into email_verifications (user_id, email_key, source, org_id, verified_at)
    select id, email_key, 'legacy', null, updated_at from users where email_verified = 1 and email_key is not null`.execute(db);

  await db.schema.alterTable("sessions").addColumn("member_id", "text").execute();
  await db.schema.alterTable("sessions").addColumn("org_id", "text").execute();
  await db.schema.alterTable("sessions").addColumn("door", "text").execute();
  // Sessions signed in before this migration: their member, org and door come from the session's JSON.
  const rows = await db.selectFrom("sessions").select(["sid", "data"]).execute() as { sid: string; data: string }[];
  for (const r of rows) {
    let user: { memberId?: unknown; orgId?: unknown; door?: unknown } | undefined;
    try { user = (JSON.parse(r.data) as { user?: typeof user }).user; } catch { user = undefined; }
    if (!user) continue;
    const text = (v: unknown) => (typeof v === "string" ? v : null);
    await db.updateTable("sessions").set({ member_id: text(user.memberId), org_id: text(user.orgId), door: text(user.door) }).where("sid", "=", r.sid).execute();
  }
  await db.schema.createIndex("sessions_member").on("sessions").column("member_id").execute();
  await db.schema.createIndex("sessions_org_door").on("sessions").columns(["org_id", "door"]).execute();
}
