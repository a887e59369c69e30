/**
 * better-sqlite3 behind kysely with a cache of prepared statements. Kysely's SQLite
 * driver prepares every query anew; preparing (parsing and planning the SQL) cost as
 * much CPU as running the query on the hot paths (GET by id, POST /Users). The SQL
 * text kysely compiles is the same for the same query shape (values are parameters),
 * so a small LRU by SQL text serves nearly every query from the cache.
 *
 * @example
 * new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(new SQLite(file)) }) });
 */
import type SQLite from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** Distinct query shapes kept; `IN (?, ?, …)` lists of every length are shapes too, hence a bound. */
const MAX_STATEMENTS = 500;

export function cachingStatements(sqlite: SQLite.Database, max = MAX_STATEMENTS): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => {
      cache.clear();
      sqlite.close();
    },
    prepare(sql: string): SqliteStatement {
      let stmt = cache.get(sql);
      if (stmt) {
        // Map order is insertion order: re-inserting keeps the most recently used last.
        cache.delete(sql);
      } else {
        stmt = sqlite.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
