/** Queries compiled once (db/compiled.ts): values bound per call, inside a transaction on its connection, the same on both databases. */
import assert from "node:assert/strict";
import { compiled, param } from "../../db/compiled.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

describe(`compiled queries (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, () => {
  let store: TestStore;
  before(async () => { store = await openTestStore(); });
  after(async () => { await store.close(); });

  const orgByName = compiled<{ name: string }, { id: string; name: string }>((db) =>
    db.selectFrom("orgs").select(["id", "name"]).where("name", "=", param<string>("name")).where("id", "is not", null));

  it("binds each call's values, and sees a transaction's own uncommitted rows", async () => {
    const a = await createOrg(store.db, "compiled-a");
    const b = await createOrg(store.db, "compiled-b");
    assert.deepEqual(await orgByName(store.db, { name: "compiled-a" }), [{ id: a.org.id, name: "compiled-a" }]);
    assert.deepEqual(await orgByName(store.db, { name: "compiled-b" }), [{ id: b.org.id, name: "compiled-b" }]);
    assert.deepEqual(await orgByName(store.db, { name: "nobody" }), []);
    await store.db.transaction().execute(async (trx) => {
      await trx.updateTable("orgs").set({ name: "compiled-c" }).where("id", "=", a.org.id).execute();
      assert.deepEqual(await orgByName(trx, { name: "compiled-c" }), [{ id: a.org.id, name: "compiled-c" }]);
    });
  });

  it("refuses a call without a value for a parameter", async () => {
    const q = compiled<{ name: string }, { id: string }>((db) => db.selectFrom("orgs").select("id").where("name", "=", param<string>("name")));
    await assert.rejects(q(store.db, {} as { name: string }), /no value for parameter "name"/);
  });
});
