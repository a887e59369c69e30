/**
 * Role mapping rules at scale (not a timed test): how long a dry run and the
 * save (apply to every member, in one transaction) of one rule take when its
 * SCIM group holds every member. Seeds by direct SQL (bench/seed.ts: N members
 * in one team), marks those memberships as the directory's (`scim` sources, so
 * the rule's `scim-group` matches them all), then times `dryRunRule` and
 * `createRule` (Weave access → viewer for everyone: one change and one audit
 * event per member). Prints a Markdown table.
 *
 *   npx tsx bench/mappings.ts                                   # SQLite, fresh temp file, 100,000 members
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/mappings.ts   # fresh schema, dropped after
 *   BENCH_USERS=10000 npx tsx bench/mappings.ts                 # a quicker run
 */
import { createRule, dryRunRule } from "../src/org/mappings/mappings.ts";
import { openBenchDatabase } from "./database.ts";
import { seed } from "./seed.ts";

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const log = (m: string) => process.stderr.write(`${m}\n`);
const OPERATOR = { door: "cli" as const, id: "operator" };

async function main(): Promise<void> {
  const bench = await openBenchDatabase(process.env.DATABASE_URL);
  try {
    const s = await seed(bench.store, USERS, 0, 10_000, log);
    const db = bench.store.db;
    const at = new Date().toISOString();
    for (let i = 0; i < s.members.length; i += 1000) {
      await db.insertInto("membership_sources").values(s.members.slice(i, i + 1000).map((m) => ({
        team_id: s.bigTeamId, member_id: m.id, org_id: s.orgId, kind: "scim", source_id: "bench-directory", granted_at: at,
      }))).execute();
    }
    const team = await db.selectFrom("teams").select("display_name").where("id", "=", s.bigTeamId).executeTakeFirstOrThrow();
    log(`seeded ${USERS.toLocaleString("en")} members in "${team.display_name}" in ${s.seconds.toFixed(1)} s (${bench.label})`);
    const rule = { priority: 10, match: { kind: "scim-group" as const, value: team.display_name }, weaveRole: "viewer" };

    let t = performance.now();
    const dry = await dryRunRule(db, s.orgId, rule, OPERATOR);
    const dryMs = performance.now() - t;
    log(`dry run: ${dry.report.length.toLocaleString("en")} members would change, ${(dryMs / 1000).toFixed(1)} s`);
    t = performance.now();
    const saved = await createRule(db, s.orgId, rule, OPERATOR);
    const saveMs = performance.now() - t;
    log(`save: ${saved.report.length.toLocaleString("en")} members changed, ${(saveMs / 1000).toFixed(1)} s`);
    const changed = Number((await db.selectFrom("members").select((eb) => eb.fn.countAll().as("n")).where("org_id", "=", s.orgId).where("weave_role", "=", "viewer").executeTakeFirstOrThrow()).n);
    if (changed !== USERS) throw new Error(`the save changed ${changed} members, not ${USERS}`);

    const per = (ms: number) => `${((ms * 1000) / USERS).toFixed(0)} µs`;
    console.log(`\n| ${USERS.toLocaleString("en")} members, one rule matching all (${bench.label}) | total | per member |`);
    console.log("|---|---|---|");
    console.log(`| dry run (the saving transaction, rolled back) | ${(dryMs / 1000).toFixed(1)} s | ${per(dryMs)} |`);
    console.log(`| save (apply to every member, audited, one transaction) | ${(saveMs / 1000).toFixed(1)} s | ${per(saveMs)} |`);
  } finally {
    await bench.dispose();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
