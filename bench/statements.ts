/**
 * `npx tsx bench/statements.ts [N] [ops]`: where a SCIM creation's database time goes, statement
 * by statement (SQLite: time in the statement; PostgreSQL: round trip). Seeds N members (default 10,000), then runs `ops` creations
 * (default 2,000) through createUserOp in-process and prints, per SQL text, calls per creation
 * and microseconds per call and per creation, sorted by total time.
 */
import SQLite from "better-sqlite3";
import { createRequire } from "node:module";
import { sql } from "kysely";
import { openBenchDatabase } from "./database.ts";
import { seed } from "./seed.ts";
import { createUserOp } from "../src/scim/users/operations.ts";
import type { ScimContext } from "../src/scim/context.ts";
import { loadConfig } from "../src/config.ts";

const times = new Map<string, { calls: number; ns: bigint }>();
let on = false;
const probe = new SQLite(":memory:").prepare("select 1");
const proto = Object.getPrototypeOf(probe) as Record<string, (...a: unknown[]) => unknown>;
for (const name of ["run", "all", "get", "iterate"]) {
  const orig = proto[name]!;
  proto[name] = function (this: { source: string }, ...args: unknown[]) {
    if (!on) return orig.apply(this, args);
    const t = process.hrtime.bigint();
    try { return orig.apply(this, args); } finally {
      const e = times.get(this.source) ?? { calls: 0, ns: 0n };
      e.calls++; e.ns += process.hrtime.bigint() - t; times.set(this.source, e);
    }
  };
}

// PostgreSQL: time each query from send to result (round trip and the backend's work).
const pg = createRequire(import.meta.url)("pg") as { Client: { prototype: Record<string, (...a: unknown[]) => unknown> } };
const pgQuery = pg.Client.prototype.query!;
pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
  const out = pgQuery.apply(this, args);
  if (!on || !(out instanceof Promise)) return out;
  const text = typeof args[0] === "string" ? args[0] : String((args[0] as { text?: string })?.text ?? "?");
  const t = process.hrtime.bigint();
  return out.finally(() => {
    const e = times.get(text) ?? { calls: 0, ns: 0n };
    e.calls++; e.ns += process.hrtime.bigint() - t; times.set(text, e);
  });
};

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const ops = Number(process.argv[3] ?? 2_000);
  const db = await openBenchDatabase(process.env.DATABASE_URL);
  const seeded = await seed(db.store, n, 0, 10_000, () => {});
  for (const p of (process.env.TRACE_PRAGMAS ?? "").split(";").filter(Boolean)) await sql.raw(`pragma ${p}`).execute(db.store.db);
  const ctx = { store: db.store, config: loadConfig({}), orgId: seeded.orgId, actor: { door: "scim", id: "key:statements" }, baseUrl: "http://localhost/scim/v2", interopProfile: "rollcall" } as unknown as ScimContext;
  const body = (i: number) => ({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `traced.${i}@example.com`, name: { givenName: "Traced", familyName: `${i}` }, emails: [{ value: `traced.${i}@example.com`, type: "work", primary: true }], active: true });
  for (let i = 0; i < 200; i++) await createUserOp(ctx, body(-i - 1));
  on = true;
  const t = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await createUserOp(ctx, body(i));
  const wall = Number(process.hrtime.bigint() - t) / 1e3 / ops;
  on = false;
  const rows = [...times].sort((a, b) => Number(b[1].ns - a[1].ns));
  const total = rows.reduce((s, [, e]) => s + Number(e.ns), 0) / 1e3 / ops;
  console.log(`${ops} creations at ${n} members: ${wall.toFixed(0)} µs each in all, ${total.toFixed(0)} µs in database statements\n`);
  for (const [src, e] of rows) console.log(`${(Number(e.ns) / 1e3 / ops).toFixed(1).padStart(7)} µs/op ${(e.calls / ops).toFixed(2).padStart(5)}×  ${(Number(e.ns) / 1e3 / e.calls).toFixed(1).padStart(7)} µs  ${src.replace(/\s+/g, " ").slice(0, 220)}`);
  await db.dispose();
}
await main();
