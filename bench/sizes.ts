/**
 * `npx tsx bench/sizes.ts N`: the storage cost per member for docs/capacity.md. Seeds N members
 * by direct SQL (bench/seed.ts, same database rules as `npm run bench`: DATABASE_URL unset →
 * temp SQLite file, postgres://… → fresh schema, dropped afterwards; `sqlite:PATH` and `BENCH_PG_SCHEMA=name` keep the data for bench/capacity.ts), then creates
 * BENCH_SIZES_API members through the SCIM operation (createUserOp: what an IdP's POST writes,
 * audit and verification rows included). Prints rows and bytes (table + its indexes) per
 * table after each step, and the bytes per member of each, as JSON and a table.
 */
import { sql } from "kysely";
import { openBenchDatabase, type BenchDatabase } from "./database.ts";
import { seed } from "./seed.ts";
import { createUserOp } from "../src/scim/users/operations.ts";
import type { ScimContext } from "../src/scim/context.ts";
import { loadConfig } from "../src/config.ts";

interface TableSize { table: string; rows: number; tableBytes: number; indexBytes: number }

async function sizes(db: BenchDatabase): Promise<TableSize[]> {
  const k = db.store.db;
  const tables = db.store.dialect === "sqlite"
    ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(k)).rows.map((r) => r.name)
    : (await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = current_schema() and tablename not like 'kysely_%'`.execute(k)).rows.map((r) => r.name);
  const out: TableSize[] = [];
  for (const t of tables.sort()) {
    const rows = Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(t)}`.execute(k)).rows[0]!.n);
    if (db.store.dialect === "sqlite") {
      const idx = (await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${t}`.execute(k)).rows.map((r) => r.name);
      const bytes = async (names: string[]) => names.length
        ? Number((await sql<{ b: number }>`select coalesce(sum(pgsize), 0) as b from dbstat where name in (${sql.join(names)})`.execute(k)).rows[0]!.b) : 0;
      out.push({ table: t, rows, tableBytes: await bytes([t]), indexBytes: await bytes(idx) });
    } else {
      const r = (await sql<{ t: string; i: string }>`select pg_table_size(${t}::regclass) as t, pg_indexes_size(${t}::regclass) as i`.execute(k)).rows[0]!;
      out.push({ table: t, rows, tableBytes: Number(r.t), indexBytes: Number(r.i) });
    }
  }
  return out.filter((s) => s.rows > 0);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 100_000);
  const api = Number(process.env.BENCH_SIZES_API ?? 2000);
  const db = await openBenchDatabase(process.env.DATABASE_URL || undefined, process.env.BENCH_PG_SCHEMA || undefined);
  try {
    const seeded = await seed(db.store, n, 0, 10_000, () => {});
    if (db.store.dialect === "postgres") await sql`analyze`.execute(db.store.db);
    const afterSeed = await sizes(db);
    const org = await db.store.db.selectFrom("api_keys").select("org_id").limit(1).executeTakeFirstOrThrow();
    const ctx = { store: db.store, config: loadConfig({}), orgId: org.org_id, actor: { door: "scim", id: "key:sizes" }, baseUrl: "http://localhost/scim/v2" } as unknown as ScimContext;
    const t0 = Date.now();
    for (let i = 0; i < api; i++) {
      await createUserOp(ctx, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `sized.${i}@example.com`, name: { givenName: "Sized", familyName: `${i}` },
        emails: [{ value: `sized.${i}@example.com`, type: "work", primary: true }] });
    }
    const apiSeconds = (Date.now() - t0) / 1000;
    if (db.store.dialect === "postgres") await sql`analyze`.execute(db.store.db);
    const afterApi = await sizes(db);
    const report = {
      database: db.label, seededMembers: n, seedSeconds: seeded.seconds, apiMembers: api, apiSeconds, apiPerSecond: api / apiSeconds,
      afterSeed, afterApi,
      perApiMember: afterApi.map((a) => {
        const b = afterSeed.find((s) => s.table === a.table) ?? { rows: 0, tableBytes: 0, indexBytes: 0 };
        return { table: a.table, rows: (a.rows - b.rows) / api, bytes: (a.tableBytes + a.indexBytes - b.tableBytes - b.indexBytes) / api };
      }).filter((x) => x.rows > 0 || x.bytes > 0),
    };
    console.log(JSON.stringify(report, null, 2));
    const mb = (b: number) => (b / 1048576).toFixed(1);
    console.error(`\n${db.label}: ${n.toLocaleString("en-US")} seeded + ${api} through createUserOp (${report.apiPerSecond.toFixed(0)}/s in-process)`);
    console.error("| table | rows | table MB | index MB | bytes/row (table+index) |");
    for (const s of afterApi) console.error(`| ${s.table} | ${s.rows.toLocaleString("en-US")} | ${mb(s.tableBytes)} | ${mb(s.indexBytes)} | ${((s.tableBytes + s.indexBytes) / s.rows).toFixed(0)} |`);
  } finally {
    await db.dispose();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
