/**
 * /Bulk's batches (src/scim/bulk/batch.ts) on the real database: one transaction per
 * batch, a savepoint per operation. A throwing operation is undone alone, a request
 * longer than a batch commits in several, and a batch whose commit fails reports its
 * operations as not made (a deferred foreign key makes COMMIT itself fail, on both databases).
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { BATCH_OPERATIONS, BulkBatches } from "../../src/scim/bulk/batch.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

describe("SCIM /Bulk batches", () => {
  let store: TestStore;
  before(async () => {
    store = await openTestStore();
    await sql`create table bulk_batch_probe (id integer primary key, ref integer references bulk_batch_probe (id) deferrable initially deferred)`.execute(store.db);
  });
  after(async () => { await store.close(); });
  const ids = async () => (await sql<{ id: number }>`select id from bulk_batch_probe order by id`.execute(store.db)).rows.map((r) => Number(r.id));
  const insert = (b: BulkBatches, id: number, ref: number | null = null) => sql`insert into bulk_batch_probe (id, ref) values (${id}, ${ref})`.execute(b.store.db);
  beforeEach(async () => { await sql`delete from bulk_batch_probe`.execute(store.db); });

  it("undoes a throwing operation alone, its own nested transaction included, and keeps the others", async () => {
    const b = new BulkBatches(store);
    await b.within(0, () => insert(b, 1));
    await assert.rejects(b.within(1, async () => {
      await insert(b, 2);
      await b.store.db.transaction().execute((trx) => sql`insert into bulk_batch_probe (id) values (3)`.execute(trx));
      throw new Error("operation failed after writing");
    }), /operation failed after writing/);
    await b.within(2, () => b.store.db.transaction().execute(async (trx) => {
      await sql`insert into bulk_batch_probe (id) values (4)`.execute(trx);
    }));
    // a duplicate key is a database error inside the batch (on PostgreSQL it would abort a plain transaction)
    await assert.rejects(b.within(3, () => insert(b, 1)));
    await b.within(4, () => insert(b, 5));
    assert.deepEqual(await b.close(), []);
    assert.deepEqual(await ids(), [1, 4, 5]);
  });

  it("commits a request longer than one batch in several batches, all of it kept", async () => {
    const b = new BulkBatches(store, { operations: BATCH_OPERATIONS, millis: Number.POSITIVE_INFINITY });
    const n = BATCH_OPERATIONS * 2 + 7;
    for (let i = 0; i < n; i++) await b.within(i, () => insert(b, i + 1));
    assert.deepEqual(await b.close(), []);
    assert.equal((await ids()).length, n);
  });

  it("reports every operation of a batch whose commit failed, and keeps none of them", async () => {
    const b = new BulkBatches(store, { operations: 10, millis: Number.POSITIVE_INFINITY }); // one batch, however slow the machine
    await b.within(0, () => insert(b, 1));
    await b.within(1, () => insert(b, 2, 999)); // fine until COMMIT checks the deferred reference
    assert.equal(b.lostCount(), 0);
    assert.deepEqual(await b.close(), [0, 1]);
    assert.deepEqual(await ids(), []);
    // the connection is usable afterwards
    const c = new BulkBatches(store);
    await c.within(0, () => insert(c, 7));
    assert.deepEqual(await c.close(), []);
    assert.deepEqual(await ids(), [7]);
  });
});
