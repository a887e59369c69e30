/**
 * Seeds the benchmark org by direct SQL (not through the API): one org with an
 * API key (createOrg), N members with their users and e-mail rows, one team
 * holding all N members and one team holding 100 of them. `spares` more
 * members belong to no team; the PATCH scenarios add them to the teams.
 *
 * Rows go in as multi-row INSERTs (1,000 rows each), one transaction per
 * `batch` members, on both SQLite and PostgreSQL.
 */
import crypto from "node:crypto";
import { sql, type Kysely, type Transaction } from "kysely";
import type { Store } from "../db/connect.ts";
import type { Insertable } from "kysely";
import type { Database, TeamsTable } from "../db/types.ts";
import { createOrg } from "../src/org/orgs/orgs.ts";

export interface SeededMember {
  id: string;
  userName: string;
  email: string;
}

export interface Seeded {
  orgId: string;
  apiKey: string;
  /** the N members; all of them are in the big team */
  members: SeededMember[];
  /** members in no team (for the PATCH scenarios) */
  spares: SeededMember[];
  bigTeamId: string;
  smallTeamId: string;
  smallTeamSize: number;
  rowsInserted: number;
  seconds: number;
  /** epoch ms: member i (spares follow the N members) was created and last modified at lastModifiedBase + i·1000 */
  lastModifiedBase: number;
}

const ROWS_PER_INSERT = 1000;
export const SMALL_TEAM_SIZE = 100;

const pad = (i: number) => String(i).padStart(7, "0");

/** The i-th seeded person: mixed-case userName and e-mail, so the lower-cased keys matter. */
export function person(i: number): { userName: string; email: string; givenName: string; familyName: string } {
  return {
    userName: `Bench.User.${pad(i)}`,
    email: `bench.user.${pad(i)}@Example.COM`,
    givenName: `Given${pad(i)}`,
    familyName: `Family${pad(i)}`,
  };
}

async function insertRows<T extends keyof Database & string>(trx: Transaction<Database>, table: T, rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await trx.insertInto(table).values(rows.slice(i, i + ROWS_PER_INSERT) as any).execute();
  }
}

export async function seed(store: Store, n: number, spares: number, batch: number, log: (msg: string) => void): Promise<Seeded> {
  const started = performance.now();
  const db: Kysely<Database> = store.db;
  const { org, key } = await createOrg(db, `bench-${crypto.randomBytes(3).toString("hex")}`);
  const orgId = org.id;
  const base = Date.now() - (n + spares) * 1000;
  const iso = (i: number) => new Date(base + i * 1000).toISOString();
  const t0 = new Date(base).toISOString();

  const bigTeamId = crypto.randomUUID();
  const smallTeamId = crypto.randomUUID();
  const team = (id: string, name: string): Insertable<TeamsTable> => ({
    id, org_id: orgId, display_name: name, name_key: name.toLowerCase(), external_id: null,
    storage_type: "default", members_can_invite: 0, domain_matching: 0, revision: 1, created_at: t0, updated_at: t0,
  });
  await db.insertInto("teams").values([team(bigTeamId, `Everyone (${n})`), team(smallTeamId, `Small (${SMALL_TEAM_SIZE})`)]).execute();

  const members: SeededMember[] = [];
  const spareMembers: SeededMember[] = [];
  const total = n + spares;
  let rows = 2;
  for (let from = 0; from < total; from += batch) {
    const to = Math.min(total, from + batch);
    const users: Record<string, unknown>[] = [];
    const mems: Record<string, unknown>[] = [];
    const emails: Record<string, unknown>[] = [];
    const teamMembers: Record<string, unknown>[] = [];
    for (let i = from; i < to; i++) {
      const p = person(i);
      const t = iso(i);
      const userId = crypto.randomUUID();
      const memberId = crypto.randomUUID();
      const displayName = `${p.givenName} ${p.familyName}`;
      users.push({ id: userId, email: p.email, email_key: p.email.toLowerCase(), email_verified: 0, display_name: displayName, created_at: t, updated_at: t });
      mems.push({
        id: memberId, org_id: orgId, user_id: userId,
        user_name: p.userName, user_name_key: p.userName.toLowerCase(), primary_email_key: p.email.toLowerCase(),
        external_id: `ext-${pad(i)}`,
        display_name: displayName, display_name_key: displayName.toLowerCase(),
        given_name: p.givenName, family_name: p.familyName,
        active: 1, org_role: "member", models_seat: "full", weave_role: "full", billing_admin: 0,
        resource: JSON.stringify({
          name: { givenName: p.givenName, familyName: p.familyName },
          displayName,
          emails: [{ value: p.email, type: "work", primary: true }],
        }),
        revision: 1, created_at: t, updated_at: t,
      });
      emails.push({ member_id: memberId, org_id: orgId, position: 0, value: p.email, value_key: p.email.toLowerCase(), type: "work", is_primary: 1 });
      const m = { id: memberId, userName: p.userName, email: p.email };
      if (i < n) {
        members.push(m);
        teamMembers.push({ team_id: bigTeamId, member_id: memberId, org_id: orgId, role: "member", custom_role_id: null, created_at: t });
        if (i < SMALL_TEAM_SIZE)
          teamMembers.push({ team_id: smallTeamId, member_id: memberId, org_id: orgId, role: "member", custom_role_id: null, created_at: t });
      } else {
        spareMembers.push(m);
      }
    }
    await db.transaction().execute(async (trx) => {
      await insertRows(trx, "users", users);
      await insertRows(trx, "members", mems);
      await insertRows(trx, "member_emails", emails);
      await insertRows(trx, "team_members", teamMembers);
    });
    rows += users.length + mems.length + emails.length + teamMembers.length;
    log(`  seeded ${to.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} members`);
  }

  if (store.dialect === "sqlite") {
    // Start the measurements from a checkpointed database, not a 100 MB WAL.
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
  } else {
    // What autovacuum would do shortly after a bulk load; without it the planner guesses.
    await sql`analyze`.execute(db);
  }
  return {
    orgId, apiKey: key.key, members, spares: spareMembers, bigTeamId, smallTeamId, smallTeamSize: SMALL_TEAM_SIZE,
    rowsInserted: rows, seconds: (performance.now() - started) / 1000, lastModifiedBase: base,
  };
}
