/**
 * A full walk through all users of the org, as an IdP reconciliation does it:
 * by index paging (startIndex += count) or by cursor (RFC 9865: cursor=, then
 * nextCursor until there is none), count=1000. Every page's status is checked
 * and the walk must see every user exactly once (the org does not change during
 * it). The caller measures the server's RSS around it. Time-capped.
 */
import type { Client } from "./client.ts";

export interface WalkResult {
  scenario: string;
  mode: "index" | "cursor";
  count: number;
  pages: number;
  users: number;
  totalResults: number;
  seconds: number;
  /** measured, or extrapolated from the rate when capped */
  wallSeconds: number;
  capped: boolean;
  p50: number;
  p95: number;
  p99: number;
  /** server RSS (MB) when the walk started, and its sampled peak during the walk */
  rssStartMb?: number;
  peakRssMb?: number;
  errors: number;
  errorSamples: string[];
}

const parse = (body: string): any => { try { return JSON.parse(body); } catch { return null; } };
const pct = (s: number[], p: number) => (s.length ? s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1] : NaN);

export async function walk(client: Client, port: number, mode: "index" | "cursor", count: number, budgetMs: number, log: (m: string) => void): Promise<WalkResult> {
  const seen = new Set<string>();
  const times: number[] = [];
  const samples: string[] = [];
  let errors = 0;
  let total = -1;
  let pages = 0;
  let dupes = 0;
  const t0 = performance.now();
  let startIndex = 1;
  let cursor: string | undefined = "";
  let capped = false;
  for (;;) {
    if (performance.now() - t0 > budgetMs) { capped = true; break; }
    const path = mode === "index"
      ? `/scim/v2/Users?startIndex=${startIndex}&count=${count}`
      : `/scim/v2/Users?count=${count}&cursor=${encodeURIComponent(cursor!)}`;
    const res = await client.send(port, { method: "GET", path, expect: 200 });
    times.push(res.ms);
    pages++;
    const j = res.status === 200 ? parse(res.body) : null;
    if (!j || !Array.isArray(j.Resources)) {
      errors++;
      if (samples.length < 3) samples.push(`GET ${path.slice(0, 200)} → ${res.status}: ${res.body.slice(0, 300)}`);
      break;
    }
    if (total < 0) total = j.totalResults;
    for (const r of j.Resources) { if (seen.has(r.id)) dupes++; else seen.add(r.id); }
    if (pages % 100 === 0) log(`    ${mode} walk: ${seen.size.toLocaleString("en-US")} / ${total.toLocaleString("en-US")} users`);
    if (mode === "index") {
      startIndex += count;
      if (j.Resources.length < count || startIndex > total) break;
    } else {
      cursor = j.nextCursor;
      if (!cursor) break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  if (!capped && errors === 0 && seen.size !== total) { errors++; samples.push(`${mode} walk saw ${seen.size} distinct users (${dupes} repeated), totalResults ${total}`); }
  else if (dupes) { errors++; samples.push(`${mode} walk saw ${dupes} users twice`); }
  const sorted = [...times].sort((a, b) => a - b);
  return {
    scenario: `full walk, ${mode === "index" ? "index paging" : "cursor"} (count=${count})`, mode, count, pages, users: seen.size, totalResults: total,
    seconds, wallSeconds: capped && seen.size ? (total / seen.size) * seconds : seconds, capped,
    p50: pct(sorted, 50), p95: pct(sorted, 95), p99: pct(sorted, 99), errors, errorSamples: samples,
  };
}
