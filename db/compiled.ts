/**
 * Hot queries built and compiled once per dialect instead of once per request (kysely's
 * query building was ~27% of the CPU of GET /Users/{id}). The query is written with the
 * query builder as usual, in the one place that owns it; `param("name")` marks where a
 * value goes. Each call binds the values and runs the compiled SQL through the same
 * executor (so inside a transaction it runs on the transaction's connection, and on
 * SQLite through the prepared-statement cache, sqlite-statements.ts).
 *
 * @example
 * const byId = compiled((db) => db.selectFrom("members").selectAll().where("id", "=", param<string>("id")));
 * const [m] = await byId(db, { id });
 */
import type { Compilable, CompiledQuery, Kysely } from "kysely";
import type { Database } from "./types.ts";

const MARK = "\u0000compiled-param:";

/** Where a value goes; only for `compiled` queries (a plain query would bind the marker itself). */
export function param<T>(name: string): T {
  return `${MARK}${name}` as T;
}

type Slot = { name: string } | { value: unknown };

export function compiled<P extends Record<string, unknown>, R>(build: (db: Kysely<Database>) => Compilable<R>): (db: Kysely<Database>, params: P) => Promise<R[]> {
  // One compilation per dialect: a transaction shares its database's adapter.
  const byAdapter = new WeakMap<object, { query: CompiledQuery<R>; slots: Slot[] }>();
  return async (db, params) => {
    const adapter = db.getExecutor().adapter;
    let c = byAdapter.get(adapter);
    if (!c) {
      const query = build(db).compile();
      const slots = query.parameters.map((p): Slot => (typeof p === "string" && p.startsWith(MARK) ? { name: p.slice(MARK.length) } : { value: p }));
      for (const s of slots) if ("name" in s && !(s.name in params)) throw new Error(`compiled query: no value for parameter "${s.name}"`);
      c = { query, slots };
      byAdapter.set(adapter, c);
    }
    const parameters = c.slots.map((s) => ("name" in s ? params[s.name] : s.value));
    return (await db.executeQuery<R>({ ...c.query, parameters })).rows;
  };
}
