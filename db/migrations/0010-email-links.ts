/**
 * E-mail link sign-in and invites that carry everything (issue 16, items 3, 4, 9):
 * - `email_links`: one-time sign-in links (only the SHA-256 of the token is stored);
 * - orgs: `email_link_sign_in` (off by default) and `seat_overflow`
 *   ('refuse' | 'no-seat': what a new person gets when the full Models seats are used up);
 * - invites: a team role per team, the Models seat and the Weave access the invitee gets.
 */
import type { DialectName, MigrationDb } from "../connect.ts";

export async function up(db: MigrationDb, _dialect: DialectName): Promise<void> {
  await db.schema.alterTable("orgs").addColumn("email_link_sign_in", "integer", (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable("orgs").addColumn("seat_overflow", "text", (c) => c.notNull().defaultTo("refuse")).execute();
  /** JSON object: team id → { role: admin|member|view-only|custom, customRoleId } ; a team missing here is joined as member */
  await db.schema.alterTable("invites").addColumn("team_roles", "text", (c) => c.notNull().defaultTo("{}")).execute();
  /** null: by the org role (viewer → viewer, otherwise full), as before this migration */
  await db.schema.alterTable("invites").addColumn("models_seat", "text").execute();
  await db.schema.alterTable("invites").addColumn("weave_role", "text").execute();

  await db.schema.createTable("email_links")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
    /** SHA-256 (hex) of the token in the mailed link */
    .addColumn("token_hash", "text", (c) => c.notNull().unique())
    .addColumn("email", "text", (c) => c.notNull())
    .addColumn("email_key", "text", (c) => c.notNull())
    /** the invite the link was asked for from its page (it works even when the org has the door off) */
    .addColumn("invite_id", "text", (c) => c.references("invites.id").onDelete("cascade"))
    /** a same-origin path to land on after signing in */
    .addColumn("return_to", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text", (c) => c.notNull())
    .addColumn("used_at", "text")
    .execute();
  await db.schema.createIndex("email_links_expiry").on("email_links").column("expires_at").execute();
}
