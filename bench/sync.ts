/**
 * Initial sync the way an identity provider does it, through the API, into a
 * fresh org (its own API key) on the benchmark database: U users, then G groups
 * of ~50 members (group g holds users g·m … g·m+m−1, m = min(50, ⌊U/G⌋)).
 *
 * Three ways: one request at a time; 4 concurrent connections (users, then
 * groups, each pulled from a shared queue); POST /Bulk in batches of ≤ 1,000
 * operations where each group travels with its users and names them by
 * `bulkId:` reference. Every response's status is checked; afterwards the org
 * must hold exactly U users and G groups. Each phase has a time budget: when it
 * runs out the phase stops, is marked capped, and its rate (ops/s) still counts.
 */
import { Client, type Req } from "./client.ts";

const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group";
const BULK_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_MAX_OPS = 1000;
/** stay under the server's default 1 MiB body limit (maxPayloadSize) */
const BULK_MAX_BYTES = 900 * 1024;

export type SyncMode = "one-by-one" | "4 concurrent" | "bulk";

export interface SyncResult {
  scenario: string;
  mode: SyncMode;
  connections: number;
  /** operations planned (users + groups) */
  planned: number;
  /** operations done (with a 2xx) */
  done: number;
  users: number;
  groups: number;
  membersPerGroup: number;
  /** HTTP requests sent */
  requests: number;
  seconds: number;
  /** operations per second */
  opsPerSec: number;
  /** wall time for the whole sync: measured, or extrapolated from opsPerSec when capped */
  wallSeconds: number;
  capped: boolean;
  /** per-request latency (ms): for bulk, one request is a batch */
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  errorSamples: string[];
}

interface Plan {
  users: { bulkId: string; body: Record<string, unknown> }[];
  groups: { bulkId: string; body: (memberIds: string[]) => Record<string, unknown>; members: number[] }[];
  membersPerGroup: number;
}

function plan(tag: string, u: number, g: number): Plan {
  const m = g > 0 ? Math.max(1, Math.min(50, Math.floor(u / g))) : 0;
  const users = Array.from({ length: u }, (_, i) => {
    const userName = `Sync.${tag}.${i}`;
    return {
      bulkId: `u${i}`,
      body: {
        schemas: [USER_URN], userName, externalId: `sync-${tag}-${i}`, active: true,
        name: { givenName: "Sync", familyName: `User ${i}` }, displayName: `Sync User ${i}`,
        emails: [{ value: `${userName}@Example.com`, type: "work", primary: true }],
      } as Record<string, unknown>,
    };
  });
  const groups = Array.from({ length: g }, (_, k) => {
    const members = Array.from({ length: Math.min(m, Math.max(0, u - k * m)) }, (_, j) => k * m + j);
    return {
      bulkId: `g${k}`, members,
      body: (ids: string[]) => ({ schemas: [GROUP_URN], displayName: `Sync Group ${tag} ${k}`, externalId: `sync-g-${tag}-${k}`, members: ids.map((value) => ({ value })) }),
    };
  });
  return { users, groups, membersPerGroup: m };
}

const parse = (body: string): any => { try { return JSON.parse(body); } catch { return null; } };

function pct(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

/** Runs one sync into the org that `apiKey` belongs to. */
export async function runSync(
  mode: SyncMode, port: number, apiKey: string, u: number, g: number, budgetMs: number, log: (m: string) => void,
): Promise<SyncResult> {
  const connections = mode === "4 concurrent" ? 4 : 1;
  const client = new Client({ Authorization: `Bearer ${apiKey}`, Accept: "application/scim+json" }, connections);
  const p = plan(`${mode.replace(/\W/g, "")}${Date.now().toString(36)}`, u, g);
  const ids: (string | undefined)[] = new Array(u);
  const times: number[] = [];
  const samples: string[] = [];
  let errors = 0;
  let done = 0;
  let doneUsers = 0;
  let doneGroups = 0;
  let requests = 0;
  const t0 = performance.now();
  const over = () => performance.now() - t0 > budgetMs;
  const problem = (msg: string) => { errors++; if (samples.length < 3) samples.push(msg.slice(0, 400)); };

  const send = async (r: Req): Promise<any> => {
    requests++;
    try {
      const res = await client.send(port, r);
      times.push(res.ms);
      if (res.status !== r.expect) { problem(`${r.method} ${r.path} → ${res.status} (expected ${r.expect}): ${res.body.slice(0, 300)}`); return null; }
      return parse(res.body);
    } catch (err) {
      problem(`${r.method} ${r.path} → ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
  };
  const postUser = async (i: number) => {
    const j = await send({ method: "POST", path: "/scim/v2/Users", body: p.users[i].body, expect: 201 });
    if (j?.id) { ids[i] = j.id; done++; doneUsers++; }
  };
  const postGroup = async (k: number) => {
    const grp = p.groups[k];
    const memberIds = grp.members.map((i) => ids[i]).filter((x): x is string => !!x);
    const j = await send({ method: "POST", path: "/scim/v2/Groups", body: grp.body(memberIds), expect: 201 });
    if (j?.id) {
      done++; doneGroups++;
      if ((j.members?.length ?? memberIds.length) !== memberIds.length) problem(`group ${k}: created with ${j.members?.length} members, sent ${memberIds.length}`);
    }
  };
  /** `workers` loops pulling indexes 0…n−1 from a shared counter until done or over budget */
  const pool = async (n: number, workers: number, fn: (i: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(Array.from({ length: workers }, async () => {
      while (next < n && !over()) await fn(next++);
    }));
  };

  if (mode !== "bulk") {
    await pool(u, connections, postUser);
    log(`    ${mode}: ${doneUsers} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    await pool(g, connections, postGroup);
  } else {
    // Each group travels with the users it holds, referenced by bulkId; users in no group fill up batches.
    type Op = { method: "POST"; path: string; bulkId: string; data: Record<string, unknown> };
    const batches: Op[][] = [];
    let cur: Op[] = [];
    let bytes = 0;
    const push = (ops: Op[]) => {
      const size = ops.reduce((a, o) => a + JSON.stringify(o).length + 1, 0);
      if (cur.length && (cur.length + ops.length > BULK_MAX_OPS || bytes + size > BULK_MAX_BYTES)) { batches.push(cur); cur = []; bytes = 0; }
      cur.push(...ops);
      bytes += size;
    };
    const inGroup = new Set<number>();
    for (const grp of p.groups) {
      for (const i of grp.members) inGroup.add(i);
      push([
        ...grp.members.map((i): Op => ({ method: "POST", path: "/Users", bulkId: p.users[i].bulkId, data: p.users[i].body })),
        { method: "POST", path: "/Groups", bulkId: grp.bulkId, data: grp.body(grp.members.map((i) => `bulkId:${p.users[i].bulkId}`)) },
      ]);
    }
    for (let i = 0; i < u; i++) if (!inGroup.has(i)) push([{ method: "POST", path: "/Users", bulkId: p.users[i].bulkId, data: p.users[i].body }]);
    if (cur.length) batches.push(cur);
    for (const [b, ops] of batches.entries()) {
      if (over()) break;
      const j = await send({ method: "POST", path: "/scim/v2/Bulk", body: { schemas: [BULK_URN], Operations: ops }, expect: 200 });
      if (!j) continue;
      const results: any[] = j.Operations ?? [];
      if (results.length !== ops.length) problem(`bulk batch ${b}: ${results.length} results for ${ops.length} operations`);
      for (const r of results) {
        if (r.status === "201") { done++; if (String(r.bulkId).startsWith("g")) doneGroups++; else doneUsers++; }
        else problem(`bulk batch ${b}, ${r.method} bulkId ${r.bulkId} → ${r.status}: ${JSON.stringify(r.response ?? {}).slice(0, 300)}`);
      }
      if ((b + 1) % 5 === 0) log(`    bulk: ${b + 1}/${batches.length} batches, ${done} ops`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const planned = u + g;
  const capped = done + errors < planned && over();

  // The org must hold exactly what was acknowledged (a fresh org: nothing else is in it).
  for (const [type, want] of [["Users", doneUsers], ["Groups", doneGroups]] as const) {
    const r = await client.send(port, { method: "GET", path: `/scim/v2/${type}?count=0`, expect: 200 });
    const total = parse(r.body)?.totalResults;
    if (r.status !== 200 || total !== want) problem(`after the ${mode} sync, GET /${type}?count=0 → ${r.status}, totalResults ${total}; ${want} were acknowledged`);
  }
  client.close();
  const sorted = [...times].sort((a, b) => a - b);
  const opsPerSec = done / seconds;
  return {
    scenario: `initial sync, ${mode === "bulk" ? "POST /Bulk (≤ 1,000 ops, bulkId refs)" : mode === "4 concurrent" ? "POST one per request, 4 connections" : "POST one per request, 1 connection"}`,
    mode, connections, planned, done, users: doneUsers, groups: doneGroups, membersPerGroup: p.membersPerGroup, requests, seconds, opsPerSec,
    wallSeconds: capped ? planned / opsPerSec : seconds, capped,
    p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), errors, errorSamples: samples,
  };
}
