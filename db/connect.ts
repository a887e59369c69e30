/**
 * The dialect choice. `DATABASE_URL` unset → SQLite at ./data/rollcall.db;
 * `sqlite:PATH` → that SQLite file; `postgres://…` → PostgreSQL.
 *
 * @example
 * const store = openDatabase("sqlite:/tmp/rollcall.db");
 * await migrateToLatest(store);
 * await store.db.selectFrom("orgs").selectAll().execute();
 * await store.close();
 */
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, type DialectAdapter, type Driver } from "kysely";
import { GroupCommitDriver } from "./group-commit.ts";
import { cachingStatements } from "./sqlite-statements.ts";
import type { Database } from "./types.ts";

export type DialectName = "sqlite" | "postgres";
/** What a migration sees: any table, any column, typed by what the migration itself says (no generated schema at migration time). */
export type MigrationDb = Kysely<Record<string, Record<string, unknown>>>;

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** human-readable location, never containing a password */
  describe: string;
  /** connection pool state for metrics (PostgreSQL: the pg pool; SQLite: one connection, never waiting) */
  poolStats?(): PoolStats;
  close(): Promise<void>;
}

export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface OpenOptions {
  /** PostgreSQL schema to use (created if missing); tests use one per run */
  pgSchema?: string;
  pgPoolSize?: number;
}

export const DEFAULT_SQLITE_PATH = "./data/rollcall.db";

export function openDatabase(url: string | undefined = process.env.DATABASE_URL, opts: OpenOptions = {}): Store {
  if (url && /^postgres(ql)?:\/\//.test(url)) return openPostgres(url, opts);
  const file = !url ? DEFAULT_SQLITE_PATH : url.startsWith("sqlite:") ? url.slice("sqlite:".length) : null;
  if (file === null) throw new Error(`DATABASE_URL must be unset, sqlite:PATH or postgres://…; got "${(url ?? "").replace(/:[^:@/]*@/, ":***@")}"`);
  return openSqlite(file);
}

/**
 * Transactions share commits (group-commit.ts), each group starting with BEGIN IMMEDIATE:
 * it takes the write lock up front, so a second process waits (busy_timeout) instead of
 * failing with SQLITE_BUSY when a transaction that has already read tries to write.
 */
class GroupCommitSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0], private readonly inTransaction: () => boolean) {
    super(settings);
  }

  override createDriver(): Driver {
    return new GroupCommitDriver(this.settings, this.inTransaction);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** SQLite's DDL is transactional: migrations then run in one BEGIN IMMEDIATE, so two
 * processes starting on one empty file cannot both run the same migration. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

function openSqlite(file: string): Store {
  if (file !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma("journal_mode = WAL");
  // NORMAL in WAL mode survives a process crash (SIGKILL); only an OS crash can lose the last commit.
  sqlite.pragma("synchronous = NORMAL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  // LIKE must be case-sensitive: case-insensitive attributes are matched on lower-cased key columns.
  sqlite.pragma("case_sensitive_like = ON");
  const db = new Kysely<Database>({ dialect: new GroupCommitSqliteDialect({ database: cachingStatements(sqlite) }, () => sqlite.inTransaction) });
  return {
    db,
    dialect: "sqlite",
    describe: `sqlite:${file}`,
    poolStats: () => ({ total: 1, idle: 0, waiting: 0 }),
    async close() {
      await db.destroy();
    },
  };
}

// pg is loaded only when PostgreSQL is used: a SQLite instance saves its ~10 MB of resident memory.
const requirePg = (): typeof import("pg") => createRequire(import.meta.url)("pg");

function openPostgres(url: string, opts: OpenOptions): Store {
  const pg = requirePg();
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.pgPoolSize ?? Number(process.env.PG_POOL_SIZE ?? 10),
    ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
  });
  // An idle client losing its connection must not crash the process.
  pool.on("error", () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    dialect: "postgres",
    describe: url.replace(/:[^:@/]*@/, ":***@") + (opts.pgSchema ? ` (schema ${opts.pgSchema})` : ""),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async close() {
      await db.destroy();
    },
  };
}
