/**
 * Group commit for SQLite: concurrent transactions of this process share one database
 * transaction and one COMMIT, each under its own SAVEPOINT. SQLite has one writer and the
 * process one connection, so transactions already run one after the other; what a shared
 * COMMIT saves is the commit itself (every page a transaction dirtied is written to the WAL
 * once per commit, and concurrent writers dirty the same index pages: audit, members, …).
 *
 * - A transaction opens the group (BEGIN IMMEDIATE) or joins the open one (SAVEPOINT).
 *   Its end releases the savepoint (success) or rolls back to it (failure: only its own
 *   work is undone) and lets the next waiter use the connection.
 * - The group commits when the connection is next free after the transactions queued at
 *   that moment (a setImmediate turn), or at MAX_MEMBERS. A transaction's `execute()`
 *   returns only after the COMMIT: nobody is answered for a change not yet durable. If the
 *   COMMIT fails, every member's transaction fails with its error (none of them was kept).
 * - A statement outside a transaction while a group is open runs inside it and is
 *   answered after the COMMIT too (a read then never shows what might be rolled back).
 *   Transaction control from outside the driver (BEGIN, SAVEPOINT, PRAGMA, …) commits the
 *   open group first.
 *
 * PostgreSQL keeps plain per-request transactions (many connections, row locks).
 *
 * @example
 * new Kysely<Database>({ dialect: groupCommitDialect({ database }, () => sqlite.inTransaction) });
 */
import {
  CompiledQuery, SqliteDriver, type DatabaseConnection, type Driver, type QueryCompiler, type QueryResult, type SqliteDialectConfig,
} from "kysely";

/** A group commits at the latest after this many transactions (bounds how long the writer lock is held). */
export const MAX_MEMBERS = 64;

/** Tests: runs before each group's COMMIT with its number of transactions; may wait (pause) or throw (a failed COMMIT). */
let beforeCommit: ((members: number) => Promise<void> | void) | null = null;
export function setBeforeGroupCommit(hook: typeof beforeCommit): void {
  beforeCommit = hook;
}

const CONTROL = /^\s*(begin|commit|end|rollback|savepoint|release|pragma|vacuum|attach|detach)\b/i;
const raw = (conn: DatabaseConnection, sql: string) => conn.executeQuery(CompiledQuery.raw(sql));

interface Waiting { resolve(): void; reject(err: unknown): void }
interface Group { members: number; waiting: Waiting[]; scheduled: boolean }

/** One acquisition of the connection (kysely passes it back to every driver call of that use). */
class Holder implements DatabaseConnection {
  holdsLock = true;
  inTransaction = false;
  constructor(private readonly driver: GroupCommitDriver) {}
  executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
    return this.driver.run<R>(this, q);
  }
  streamQuery<R>(q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.driver.stream<R>(this, q, chunkSize);
  }
}

export class GroupCommitDriver implements Driver {
  readonly #inner: SqliteDriver;
  #conn!: DatabaseConnection;
  #locked = false;
  readonly #queue: (() => void)[] = [];
  #group: Group | null = null;
  #destroyed = false;

  constructor(config: SqliteDialectConfig, private readonly inTransaction: () => boolean, private readonly maxMembers = MAX_MEMBERS) {
    this.#inner = new SqliteDriver(config);
  }

  async init(): Promise<void> {
    await this.#inner.init();
    this.#conn = await this.#inner.acquireConnection();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock();
    return new Holder(this);
  }

  async releaseConnection(c: DatabaseConnection): Promise<void> {
    const h = c as Holder;
    if (h.holdsLock) { h.holdsLock = false; this.#unlock(); }
  }

  async beginTransaction(c: DatabaseConnection): Promise<void> {
    const h = c as Holder;
    await this.#hold(h);
    if (!this.#group) {
      await raw(this.#conn, "begin immediate");
      this.#group = { members: 0, waiting: [], scheduled: false };
    }
    await raw(this.#conn, "savepoint group_member");
    h.inTransaction = true;
  }

  async commitTransaction(c: DatabaseConnection): Promise<void> {
    const h = c as Holder;
    await raw(this.#conn, "release savepoint group_member");
    h.inTransaction = false;
    const group = this.#group!;
    group.members++;
    const done = this.#join(group);
    if (group.members >= this.maxMembers) await this.#commit();
    h.holdsLock = false;
    this.#unlock();
    return done;
  }

  async rollbackTransaction(c: DatabaseConnection): Promise<void> {
    const h = c as Holder;
    if (!h.inTransaction) return; // its group's COMMIT failed: nothing of it is left
    h.inTransaction = false;
    const group = this.#group!;
    try {
      await raw(this.#conn, "rollback to savepoint group_member");
      await raw(this.#conn, "release savepoint group_member");
    } catch (err) {
      if (this.inTransaction()) throw err;
    }
    // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the members before it are lost too.
    if (!this.inTransaction()) {
      this.#group = null;
      for (const w of group.waiting) w.reject(new Error("the database rolled back the shared transaction; this change was not made"));
    } else if (group.members === 0 && group.waiting.length === 0) {
      this.#group = null;
      await raw(this.#conn, "rollback");
    } else this.#schedule(group);
  }

  async savepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.#inner.savepoint(c, name, compile);
  }

  async rollbackToSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.#inner.rollbackToSavepoint(c, name, compile);
  }

  async releaseSavepoint(c: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.#inner.releaseSavepoint(c, name, compile);
  }

  async destroy(): Promise<void> {
    await this.#lock();
    if (this.#group) await this.#commit();
    this.#destroyed = true;
    await this.#inner.releaseConnection();
    await this.#inner.destroy();
  }

  /** A statement: inside its transaction as is; outside one while a group is open, in the group, answered after its COMMIT. */
  async run<R>(h: Holder, q: CompiledQuery): Promise<QueryResult<R>> {
    await this.#hold(h);
    if (h.inTransaction || !this.#group) return this.#conn.executeQuery<R>(q);
    if (CONTROL.test(q.sql)) {
      await this.#commit();
      return this.#conn.executeQuery<R>(q);
    }
    const result = await this.#conn.executeQuery<R>(q);
    const done = this.#join(this.#group);
    h.holdsLock = false;
    this.#unlock();
    await done;
    return result;
  }

  async *stream<R>(h: Holder, q: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    await this.#hold(h);
    if (!h.inTransaction && this.#group) await this.#commit();
    yield* this.#conn.streamQuery<R>(q, chunkSize);
  }

  /** Waits for the group's COMMIT; schedules it for when the connection is next free. */
  #join(group: Group): Promise<void> {
    const done = new Promise<void>((resolve, reject) => group.waiting.push({ resolve, reject }));
    this.#schedule(group);
    return done;
  }

  #schedule(group: Group): void {
    if (group.scheduled) return;
    group.scheduled = true;
    setImmediate(() => {
      void (async () => {
        await this.#lock();
        try {
          if (this.#group === group && !this.#destroyed) await this.#commit();
        } finally {
          this.#unlock();
        }
      })();
    });
  }

  /** Commits the open group (the caller holds the connection) and answers its members. */
  async #commit(): Promise<void> {
    const group = this.#group;
    if (!group) return;
    this.#group = null;
    try {
      if (beforeCommit) await beforeCommit(group.members);
      await raw(this.#conn, "commit");
    } catch (err) {
      if (this.inTransaction()) await raw(this.#conn, "rollback").catch(() => {});
      for (const w of group.waiting) w.reject(err);
      return;
    }
    for (const w of group.waiting) w.resolve();
  }

  async #hold(h: Holder): Promise<void> {
    if (h.holdsLock) return;
    await this.#lock();
    h.holdsLock = true;
  }

  #lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#queue.push(resolve));
  }

  #unlock(): void {
    const next = this.#queue.shift();
    if (next) next();
    else this.#locked = false;
  }
}
