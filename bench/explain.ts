/**
 * `npx tsx bench/explain.ts [N]`: seeds N members (default 20,000) like the
 * benchmark and prints the query plan (SQLite EXPLAIN QUERY PLAN, PostgreSQL
 * EXPLAIN ANALYZE) of the hot SCIM queries, built with the app's own filter
 * compiler. Same DATABASE_URL rules as bench/run.ts.
 */
import { sql, type Compilable } from "kysely";
import { compileFilter, USER_ATTRIBUTES } from "../src/scim/filter/compile.ts";
import { parseFilter } from "../src/scim/filter/parse.ts";
import { openBenchDatabase } from "./database.ts";
import { seed } from "./seed.ts";

const n = Number(process.argv[2] ?? 20_000);
const db = await openBenchDatabase(process.env.DATABASE_URL || undefined);
try {
  const s = await seed(db.store, n, 0, 10_000, () => {});
  const k = db.store.db;
  const m = s.members[Math.floor(n / 3)];
  const where = (f: string) => {
    const p = parseFilter(f);
    if (!p.ok) throw new Error(p.error.detail);
    const c = compileFilter(p.value, USER_ATTRIBUTES);
    if (!c.ok) throw new Error(c.error.detail);
    return c.value;
  };
  const users = () => k.selectFrom("members as m").selectAll("m").where("m.org_id", "=", s.orgId);
  const queries: [string, Compilable][] = [
    ["GET /Users/{id}", k.selectFrom("members").selectAll().where("org_id", "=", s.orgId).where("id", "=", m.id)],
    ["filter userName eq (page)", users().where(where(`userName eq "${m.userName}"`)).orderBy("m.id").limit(100).offset(0)],
    ["filter emails.value eq (count)", users().where(where(`emails.value eq "${m.email}"`)).clearSelect().select((eb) => eb.fn.countAll().as("n"))],
    ["filter emails.value eq (page)", users().where(where(`emails.value eq "${m.email}"`)).orderBy("m.id").limit(100).offset(0)],
    ["deep page (startIndex N/2)", users().orderBy("m.id").offset(Math.floor(n / 2)).limit(100)],
    ["POST /Users lookup (userName or externalId)", k.selectFrom("members").selectAll().where("org_id", "=", s.orgId)
      .where((eb) => eb.or([eb("user_name_key", "=", "new.user.1"), eb("external_id", "=", "new-1")]))],
    // Proposed shapes (not what the app runs today), to compare plans:
    ["PROPOSED emails.value eq as IN over (org_id, value_key)", users()
      .where("m.id", "in", k.selectFrom("member_emails as e").select("e.member_id").where("e.org_id", "=", s.orgId).where("e.value_key", "=", m.email.toLowerCase()))
      .orderBy("m.id").limit(100).offset(0)],
    ["PROPOSED emails.value eq as EXISTS with e.org_id = m.org_id", users()
      .where((eb) => eb.exists(eb.selectFrom("member_emails as e").select(sql.lit(1).as("one")).whereRef("e.member_id", "=", "m.id")
        .whereRef("e.org_id", "=", "m.org_id").where("e.value_key", "=", m.email.toLowerCase())))
      .orderBy("m.id").limit(100).offset(0)],
    ["PROPOSED POST /Users lookup with org_id inside each OR branch", k.selectFrom("members").selectAll()
      .where((eb) => eb.or([eb.and([eb("org_id", "=", s.orgId), eb("user_name_key", "=", "new.user.1")]), eb.and([eb("org_id", "=", s.orgId), eb("external_id", "=", "new-1")])]))],
  ];
  for (const [name, q] of queries) {
    const c = q.compile();
    const prefix = db.store.dialect === "sqlite" ? "explain query plan " : "explain (analyze, costs off, timing off) ";
    const t0 = performance.now();
    const { rows } = await k.executeQuery({ ...c, sql: prefix + c.sql });
    const ms = performance.now() - t0;
    console.log(`\n## ${name}  (${ms.toFixed(1)} ms incl. plan)\n${c.sql}`);
    for (const r of rows as Record<string, unknown>[]) console.log(`  ${r.detail ?? r["QUERY PLAN"] ?? JSON.stringify(r)}`);
  }
} finally {
  await db.dispose();
}
