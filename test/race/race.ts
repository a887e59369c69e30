/**
 * Two writers, one paused inside its transaction: `race` pauses writer A at a named
 * point (src/org/race-points.ts), starts writer B while A holds its locks, waits until
 * B is blocked behind A, then lets A go and returns both responses.
 *
 * "Blocked behind A" is observed, never slept for: on PostgreSQL B's backend shows a
 * lock wait in pg_stat_activity (or B has already answered, which the assertions then
 * catch as a second winner). On SQLite the store is one connection and A's transaction
 * holds it (BEGIN IMMEDIATE), so every query of B, its authentication included, waits
 * for A's commit: B's outcome cannot depend on how far it got before A was released.
 */
import { sql } from "kysely";
import type supertest from "supertest";
import { pauseAt } from "../../src/org/race-points.ts";
import type { TestApp } from "../support/app.ts";

type Reply = supertest.Response;

/** Starts a supertest request now (a Test only runs once it is awaited or `then`ed). */
const start = (req: supertest.Test): Promise<Reply> => new Promise((resolve, reject) => { req.then(resolve, reject); });

async function lockWaiters(t: TestApp): Promise<number> {
  const r = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(t.store.db);
  return r.rows[0]!.n;
}

async function blockedBehindA(t: TestApp, b: Promise<Reply>): Promise<void> {
  if (t.store.dialect !== "postgres") return;
  let settled = false;
  void b.then(() => { settled = true; }, () => { settled = true; });
  while (!settled && (await lockWaiters(t)) === 0) await new Promise((r) => setImmediate(r));
}

export interface RaceResult {
  a: Reply;
  b: Reply;
}

export async function race(t: TestApp, point: string, writerA: () => supertest.Test, writerB: () => supertest.Test): Promise<RaceResult> {
  const pause = pauseAt(point);
  const a = start(writerA());
  const first = await Promise.race([pause.reached.then(() => "paused" as const), a.then(() => "answered" as const)]);
  if (first === "answered") {
    pause.release();
    const r = await a;
    throw new Error(`writer A answered ${r.status} without reaching the race point "${point}": ${JSON.stringify(r.body)}`);
  }
  const b = start(writerB());
  await blockedBehindA(t, b);
  pause.release();
  return { a: await a, b: await b };
}
