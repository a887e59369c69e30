/**
 * A throw-away database for one benchmark run: a fresh SQLite file in a temp
 * dir (DATABASE_URL unset), or a fresh schema in PostgreSQL (postgres://…),
 * migrated to the latest version and removed by `dispose()`.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { openDatabase, type Store } from "../db/connect.ts";
import { migrateToLatest } from "../db/migrate.ts";

export interface BenchDatabase {
  store: Store;
  /** what the server process passes to openDatabase */
  url: string;
  pgSchema: string | undefined;
  /** e.g. "SQLite 3.50.2 (file /tmp/…)" or "PostgreSQL 15.x (schema bench_…)" */
  label: string;
  /** closes the store and drops the schema / deletes the file; safe to call twice */
  dispose(): Promise<void>;
}

/** `keepSchema` (PostgreSQL): use that schema (created when missing) and keep it, like a `sqlite:PATH` file. */
export async function openBenchDatabase(databaseUrl: string | undefined, keepSchema?: string): Promise<BenchDatabase> {
  if (databaseUrl && /^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgres(databaseUrl, keepSchema);
  return openSqlite(databaseUrl);
}

async function openSqlite(databaseUrl: string | undefined): Promise<BenchDatabase> {
  // sqlite:PATH is honoured (the file is then kept); otherwise a temp dir that is removed afterwards.
  const dir = databaseUrl ? null : fs.mkdtempSync(path.join(os.tmpdir(), "rollcall-bench-"));
  const url = databaseUrl ?? `sqlite:${path.join(dir!, "bench.db")}`;
  const store = openDatabase(url);
  await migrateToLatest(store);
  const { rows } = await sql<{ v: string }>`select sqlite_version() as v`.execute(store.db);
  let disposed = false;
  return {
    store, url, pgSchema: undefined,
    label: `SQLite ${rows[0].v} (${url.slice("sqlite:".length)}, WAL, synchronous=NORMAL)`,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await store.close().catch(() => {});
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(url: string, keepSchema?: string): Promise<BenchDatabase> {
  const schema = keepSchema ?? `bench_${crypto.randomBytes(5).toString("hex")}`;
  const admin = openDatabase(url, { pgPoolSize: 1 });
  let version = "";
  try {
    await (keepSchema ? sql`create schema if not exists ${sql.id(schema)}` : sql`create schema ${sql.id(schema)}`).execute(admin.db);
    const { rows } = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(admin.db);
    version = rows[0]?.v ?? "";
  } finally {
    await admin.close();
  }
  const store = openDatabase(url, { pgSchema: schema });
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    await store.close().catch(() => {});
    if (keepSchema) return;
    const cleanup = openDatabase(url, { pgPoolSize: 1 });
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(cleanup.db);
    } finally {
      await cleanup.close();
    }
  };
  try {
    await migrateToLatest(store);
  } catch (err) {
    await dispose();
    throw err;
  }
  return { store, url, pgSchema: schema, label: `PostgreSQL ${version} (${store.describe})`, dispose };
}
