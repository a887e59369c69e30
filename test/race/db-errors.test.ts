/**
 * The one translation of a lost race (src/org/db-errors.ts), fed the real errors each
 * database raises: a membership that refers to a User that is not there (a foreign key),
 * and on PostgreSQL a real deadlock between two transactions locking two rows in
 * opposite orders. Each becomes a 409 domain error; anything else passes unchanged.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import type { Transaction } from "kysely";
import type { Database } from "../../db/types.ts";
import { isDeadlock, isForeignKeyViolation, lostRace } from "../../src/org/db-errors.ts";
import { DomainError } from "../../src/org/errors.ts";
import { createTeam } from "../../src/org/teams/teams.ts";
import { auth, startTestApp, user, type TestApp } from "../support/app.ts";

const failure = async (p: Promise<unknown>): Promise<unknown> => p.then(() => assert.fail("expected the database to refuse"), (err: unknown) => err);

describe(`lost races become 409s (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it("a membership of a User that is not there: the foreign key error is a 409 naming what to do", async () => {
    const team = await createTeam(t.store.db, t.org.id, { displayName: "Keyed", externalId: null }, [], { door: "cli", id: "operator" });
    const err = await failure(t.store.db.insertInto("team_members").values({
      team_id: team.id, member_id: crypto.randomUUID(), org_id: t.org.id, role: "member", custom_role_id: null, created_at: new Date().toISOString(),
    }).execute());
    assert.ok(isForeignKeyViolation(err), String(err));
    const translated = lostRace(err, "the Group");
    assert.ok(translated instanceof DomainError);
    assert.equal(translated.kind, "conflict");
    assert.match(translated.message, /^the Group refers to a row that was deleted meanwhile/);
  });

  it("other errors pass unchanged", async () => {
    const err = new Error("something else");
    assert.equal(lostRace(err, "the User"), err);
    assert.equal(lostRace(null, "the User"), null);
  });

  it("PostgreSQL: a real deadlock is recognised and becomes a 409 (SQLite serializes writers and has none)", async () => {
    if (t.store.dialect !== "postgres") {
      // One connection, BEGIN IMMEDIATE: the second writer waits for the first; nothing to break.
      assert.equal(t.store.dialect, "sqlite");
      return;
    }
    const ids: string[] = [];
    for (const name of ["dl-a", "dl-b"]) ids.push((await t.http.post("/scim/v2/Users").set(auth(t.org.key)).send(user(name))).body.id as string);
    const bump = (trx: Transaction<Database>, id: string) =>
      trx.updateTable("members").set((eb) => ({ revision: eb("revision", "+", 1) })).where("id", "=", id).execute();
    // A locks row 0, B locks row 1, then each asks for the other's row.
    let aLocked!: () => void;
    let bLocked!: () => void;
    const aHolds = new Promise<void>((r) => { aLocked = r; });
    const bHolds = new Promise<void>((r) => { bLocked = r; });
    const results = await Promise.allSettled([
      t.store.db.transaction().execute(async (trx) => { await bump(trx, ids[0]!); aLocked(); await bHolds; await bump(trx, ids[1]!); }),
      t.store.db.transaction().execute(async (trx) => { await aHolds; await bump(trx, ids[1]!); bLocked(); await bump(trx, ids[0]!); }),
    ]);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    assert.equal(rejected.length, 1, "PostgreSQL aborted exactly one of the two");
    assert.ok(isDeadlock(rejected[0]!.reason), String(rejected[0]!.reason));
    const translated = lostRace(rejected[0]!.reason, "the User");
    assert.ok(translated instanceof DomainError && translated.kind === "conflict");
  });
});
