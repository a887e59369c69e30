/**
 * Commits the operations of one /Bulk request in batches: one database transaction per
 * batch of up to BATCH_OPERATIONS operations (or BATCH_MILLIS of work), and a savepoint
 * per operation inside it. An operation's own `db.transaction()` becomes its savepoint,
 * so a failed operation still rolls back alone and leaves nothing half-written, while the
 * batch pays for one commit (PostgreSQL: one WAL flush) instead of one per operation.
 *
 * What a batch holds while it is open: on SQLite the writer lock and the process's one
 * connection (other requests of this instance wait, at most one batch long); on
 * PostgreSQL one pool connection and the row locks its operations took.
 *
 * @example
 * const batches = new BulkBatches(ctx.store);
 * for (const op of ops) await batches.within(op.index, () => runOne({ ...ctx, store: batches.store }, op));
 * const lost = await batches.close(); // operations of a batch whose commit failed
 */
import {
  CompiledQuery, Kysely, PostgresIntrospector, PostgresQueryCompiler, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver,
} from "kysely";
import type { Store } from "../../../db/connect.ts";
import type { Database } from "../../../db/types.ts";

/** Bounds of one batch: the writer lock (SQLite) is held at most this long or this many operations. */
export const BATCH_OPERATIONS = 200;
export const BATCH_MILLIS = 250;

const raw = (conn: DatabaseConnection, sql: string) => conn.executeQuery(CompiledQuery.raw(sql));

/** A driver on one connection already inside a transaction: its "transactions" are savepoints. */
class SavepointDriver implements Driver {
  private depth = 0;
  constructor(private readonly conn: DatabaseConnection) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> { return this.conn; }
  async beginTransaction(c: DatabaseConnection): Promise<void> { await raw(c, `savepoint bulk_op_${++this.depth}`); }
  async commitTransaction(c: DatabaseConnection): Promise<void> { await raw(c, `release savepoint bulk_op_${this.depth--}`); }
  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    await raw(c, `rollback to savepoint bulk_op_${this.depth}`);
    await raw(c, `release savepoint bulk_op_${this.depth--}`);
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

function savepointKysely(store: Store, conn: DatabaseConnection): Kysely<Database> {
  const adapter = store.db.getExecutor().adapter; // the store's own (revision.ts tells the dialects apart by it)
  const sqlite = store.dialect === "sqlite";
  const dialect: Dialect = {
    createAdapter: () => adapter,
    createDriver: () => new SavepointDriver(conn),
    createIntrospector: (db) => (sqlite ? new SqliteIntrospector(db) : new PostgresIntrospector(db)),
    createQueryCompiler: () => (sqlite ? new SqliteQueryCompiler() : new PostgresQueryCompiler()),
  };
  return new Kysely<Database>({ dialect });
}

interface OpenBatch {
  db: Kysely<Database>;
  startedAt: number;
  operations: number[];
  end(how: "commit" | "rollback"): Promise<void>;
}

/** Holds a connection from the store's pool (SQLite: its one connection) in a transaction until end(). */
function openBatch(store: Store): Promise<OpenBatch> {
  return new Promise((opened, failed) => {
    let isOpen = false;
    const held = store.db.getExecutor().provideConnection(async (conn) => {
      await raw(conn, store.dialect === "sqlite" ? "begin immediate" : "begin");
      let ended!: (how: "commit" | "rollback") => void;
      const ending = new Promise<"commit" | "rollback">((r) => { ended = r; });
      isOpen = true;
      opened({ db: savepointKysely(store, conn), startedAt: Date.now(), operations: [], end: async (how) => { ended(how); await held; } });
      const how = await ending;
      if (how === "commit") {
        try { await raw(conn, "commit"); } catch (err) { await raw(conn, "rollback").catch(() => {}); throw err; }
      } else await raw(conn, "rollback");
    });
    held.catch((err) => { if (!isOpen) failed(err); });
  });
}

export class BulkBatches {
  private open: OpenBatch | undefined;
  private readonly lost: number[] = [];
  /** The store the operations use: its db is the open batch's (savepoint-per-transaction) connection. */
  readonly store: Store;

  constructor(
    private readonly base: Store,
    private readonly bounds: { operations: number; millis: number } = { operations: BATCH_OPERATIONS, millis: BATCH_MILLIS },
  ) {
    const self = this;
    this.store = {
      ...base,
      get db(): Kysely<Database> {
        if (!self.open) throw new Error("bulk: no batch is open");
        return self.open.db;
      },
    };
  }

  /**
   * Runs one operation (numbered `index`) in the open batch, opening one first, under its own
   * savepoint: whatever it did is undone when it throws (also its reads outside its own
   * transaction, which on PostgreSQL could otherwise abort the whole batch). Ends the batch when full.
   */
  async within<T>(index: number, run: () => Promise<T>): Promise<T> {
    this.open ??= await openBatch(this.base);
    const batch = this.open;
    try {
      return await batch.db.transaction().execute(run);
    } finally {
      batch.operations.push(index);
      if (batch.operations.length >= this.bounds.operations || Date.now() - batch.startedAt >= this.bounds.millis) await this.end();
    }
  }

  /** How many operations were lost to failed commits so far. */
  lostCount(): number {
    return this.lost.length;
  }

  /** Commits the open batch, if any; returns the operations of every batch whose commit failed (nothing of them was kept). */
  async close(): Promise<number[]> {
    await this.end();
    return this.lost;
  }

  private async end(): Promise<void> {
    const batch = this.open;
    if (!batch) return;
    this.open = undefined;
    try {
      await batch.end("commit");
    } catch {
      this.lost.push(...batch.operations);
    }
  }
}
