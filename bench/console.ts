/**
 * The console at 100,000 members, in headless Chromium (not a timed test):
 * how long the members page takes to show its first rows, a search to show its
 * result, and a team of 10,000 members to open. Seeds by direct SQL
 * (bench/seed.ts), serves the real app in this process, signs the browser in
 * with the operator's one-time link, and prints each measure (median and
 * slowest of BENCH_CONSOLE_RUNS, default 5) as a Markdown table.
 *
 *   npm run bench:console                                   # SQLite, fresh temp file
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:console   # fresh schema, dropped after
 *   BENCH_USERS=20000 npm run bench:console                 # a quicker run
 */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { chromium } from "playwright-core";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { createAdminLink } from "../src/org/arrival/admin-links.ts";
import { openBenchDatabase } from "./database.ts";
import { seed } from "./seed.ts";

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const TEAM = Math.min(10_000, USERS);
const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 5);
const log = (m: string) => process.stderr.write(`${m}\n`);

async function main(): Promise<void> {
  const bench = await openBenchDatabase(process.env.DATABASE_URL);
  try {
    const s = await seed(bench.store, USERS, 0, 10_000, log);
    const teamId = crypto.randomUUID();
    const t0 = new Date().toISOString();
    const db = bench.store.db;
    await db.insertInto("teams").values({ id: teamId, org_id: s.orgId, display_name: "Ten thousand", name_key: "ten thousand", external_id: null, created_at: t0, updated_at: t0 }).execute();
    for (let i = 0; i < TEAM; i += 1000) {
      await db.insertInto("team_members").values(s.members.slice(i, Math.min(TEAM, i + 1000)).map((m) => ({ team_id: teamId, member_id: m.id, org_id: s.orgId, role: "member", custom_role_id: null, created_at: t0 }))).execute();
    }
    log(`seeded ${USERS.toLocaleString("en")} members and a team of ${TEAM.toLocaleString("en")} in ${s.seconds.toFixed(1)} s (${bench.label})`);

    const server = http.createServer(createApp(bench.store, loadConfig({ LOG_LEVEL: "silent" }), { log: (msg, err) => log(`app error: ${msg} ${String(err)}`) }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"] });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1366, height: 768 }, baseURL: base })).newPage();
      await page.goto(`/admin/link/${(await createAdminLink(db, s.orgId)).token}`);
      await page.waitForURL(/#\/organization$/);
      const target = s.members[Math.floor(USERS * 0.73)]!;
      const measures: Record<string, number[]> = { "members page: first rows": [], "search (typed, 250 ms debounce included): its one result": [], [`team of ${TEAM.toLocaleString("en")}: first rows`]: [], "members: jump to the last page": [] };
      const [first, search, team, jump] = Object.values(measures);
      for (let run = 0; run < RUNS; run++) {
        await page.goto("/admin/#/organization");
        await page.locator("#main h1").waitFor();
        let t = performance.now();
        await page.goto("/admin/#/members");
        await page.locator("tbody tr").first().waitFor();
        first!.push(performance.now() - t);

        t = performance.now();
        await page.getByLabel("Search").fill(target.userName.toLowerCase());
        await page.locator(`tr[data-member='${target.userName}']`).waitFor();
        await page.getByText("1–1 of 1").waitFor();
        search!.push(performance.now() - t);

        await page.getByLabel("Search").fill("");
        await page.getByText(`of ${USERS.toLocaleString("en")}`, { exact: false }).first().waitFor();
        t = performance.now();
        await page.getByRole("button", { name: "Last page" }).click();
        await page.locator(`tr[data-member='${s.members.at(-1)!.userName}']`).waitFor();
        jump!.push(performance.now() - t);

        await page.goto("/admin/#/teams");
        await page.locator("tr[data-team='Ten thousand']").waitFor();
        t = performance.now();
        await page.locator("tr[data-team='Ten thousand']").getByRole("button", { name: "Open" }).click();
        await page.locator(".roster tbody tr").first().waitFor();
        await page.getByText(`${TEAM.toLocaleString("en")} in all`).waitFor();
        team!.push(performance.now() - t);
      }
      const ms = (v: number) => `${Math.round(v)} ms`;
      console.log(`\n${bench.label}, ${USERS.toLocaleString("en")} members, headless Chromium, ${RUNS} runs\n`);
      console.log("| measure | median | slowest |\n|---|---|---|");
      for (const [name, v] of Object.entries(measures)) {
        const sorted = [...v].sort((a, b) => a - b);
        console.log(`| ${name} | ${ms(sorted[Math.floor(sorted.length / 2)]!)} | ${ms(sorted.at(-1)!)} |`);
      }
    } finally {
      await browser.close();
      server.closeAllConnections();
      server.close();
    }
  } finally {
    await bench.dispose();
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
