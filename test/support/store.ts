/**
 * A migrated database for one test file: a fresh SQLite file when DATABASE_URL
 * is unset or sqlite:, a fresh schema in PostgreSQL when it is postgres://.
 * The same suites run against both; a PostgreSQL that cannot be reached fails.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import crypto from "node:crypto";
import { sql } from "kysely";
import { openDatabase, type Store } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";

/** A store plus a DATABASE_URL that reaches the same database, for child processes (CLI, server). */
export type TestStore = Store & { url: string };

export async function openTestStore(): Promise<TestStore> {
  const url = process.env.DATABASE_URL;
  if (url && /^postgres(ql)?:/.test(url)) {
    const schema = `t_${crypto.randomBytes(6).toString("hex")}`;
    const admin = openDatabase(url, { pgPoolSize: 1 });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    await admin.close();
    const store = Object.assign(openDatabase(url, { pgSchema: schema }), {
      url: `${url}${url.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
    });
    await migrateToLatest(store);
    const close = store.close.bind(store);
    store.close = async () => {
      await close();
      const cleanup = openDatabase(url, { pgPoolSize: 1 });
      await sql`drop schema ${sql.id(schema)} cascade`.execute(cleanup.db);
      await cleanup.close();
    };
    return store;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollcall-test-"));
  const file = path.join(dir, "test.db");
  const store = Object.assign(openDatabase(`sqlite:${file}`), { url: `sqlite:${file}` });
  await migrateToLatest(store);
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return store;
}

/**
 * An EMPTY (unmigrated) database for child processes (CLI, server) that read
 * only DATABASE_URL: a fresh PostgreSQL schema selected through the URL's
 * `options`, or a SQLite file in a fresh temp dir.
 */
export async function emptyDatabaseUrl(label: string): Promise<{ url: string; cleanup(): Promise<void> }> {
  const base = process.env.DATABASE_URL;
  if (base && /^postgres(ql)?:/.test(base)) {
    const schema = `t_${label}_${crypto.randomBytes(5).toString("hex")}`;
    const admin = openDatabase(base, { pgPoolSize: 1 });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    await admin.close();
    return {
      url: `${base}${base.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      async cleanup() {
        const c = openDatabase(base, { pgPoolSize: 1 });
        await sql`drop schema ${sql.id(schema)} cascade`.execute(c.db);
        await c.close();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rollcall-${label}-`));
  return { url: `sqlite:${path.join(dir, `${label}.db`)}`, async cleanup() { fs.rmSync(dir, { recursive: true, force: true }); } };
}
