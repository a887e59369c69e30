/** The markdown report (printed and written to bench/results/latest.md). */
import type { LatencyResult, ThroughputResult } from "./client.ts";
import type { SyncResult } from "./sync.ts";
import type { WalkResult } from "./walk.ts";

export interface Ratio {
  name: string;
  value: number;
  goal?: number;
  /** the goal is a minimum (value ≥ goal); otherwise a maximum */
  atLeast?: boolean;
  /** which way is better, for `npm run bench:compare`; filled in by goalStatus() (default: lower, or higher with atLeast) */
  better?: "higher" | "lower";
  /** the likely reason, shown when the goal is missed */
  why?: string;
  /** filled in by goalStatus(): whether the goal is met, and if not by what factor it is missed */
  met?: boolean;
  missedBy?: number;
  /** how the ratio was computed */
  basis: string;
}

export interface Report {
  startedAt: string;
  seconds: number;
  machine: Record<string, string | number>;
  database: string;
  options: Record<string, unknown>;
  seeding: Record<string, unknown>;
  latency: LatencyResult[];
  throughput: ThroughputResult[];
  walks: WalkResult[];
  syncs: SyncResult[];
  ratios: Ratio[];
  memory: Record<string, number | string>;
  notes: string[];
  errors: string[];
  ok: boolean;
}

const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : "—");
const rps = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—");

export function goalStatus(q: Ratio): Ratio {
  q = { ...q, better: q.better ?? (q.atLeast ? "higher" : "lower") };
  if (q.goal === undefined) return q;
  const met = q.atLeast ? q.value >= q.goal : q.value <= q.goal;
  return { ...q, met, ...(met ? {} : { missedBy: q.atLeast ? q.goal / q.value : q.value / q.goal }) };
}

/** "≤ 1.5 ✅", or "≥ 5 ❌ missed by 2.10× (why)" */
export function verdict(q: Ratio): string {
  if (q.goal === undefined) return "—";
  const met = q.atLeast ? q.value >= q.goal : q.value <= q.goal;
  const sign = q.atLeast ? "≥" : "≤";
  if (met) return `${sign} ${q.goal} ✅`;
  const by = q.atLeast ? q.goal / q.value : q.value / q.goal;
  return `${sign} ${q.goal} ❌ missed by ${by.toFixed(2)}×${q.why ? ` (${q.why})` : ""}`;
}

export function toMarkdown(r: Report): string {
  const out: string[] = [];
  out.push(`# Rollcall benchmark — ${r.startedAt}`, "");
  out.push(`- database: ${r.database}`);
  for (const [k, v] of Object.entries(r.machine)) out.push(`- ${k}: ${v}`);
  out.push(`- seeding: ${Object.entries(r.seeding).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  out.push(`- options: ${Object.entries(r.options).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  out.push(`- run time: ${r.seconds.toFixed(0)} s`, "");

  const x = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(2));
  out.push("| scenario | conns | requests | p50 ms | p95 ms | p99 ms | req/s | × bare | errors |");
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const l of r.latency) out.push(`| ${l.scenario} | 1 (seq) | ${l.n}${l.capped ? " (time-capped)" : ""} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${rps(l.reqPerSec)} | ${x(l.vsBare)} p50 | ${l.errors} |`);
  for (const t of r.throughput)
    out.push(`| ${t.scenario} (autocannon ${t.seconds.toFixed(0)} s) | ${t.connections} | ${t.requests} | ${ms(t.p50)} | — (p97.5 ${ms(t.p97_5)}) | ${ms(t.p99)} | ${rps(t.reqPerSec)} | ${t.vsBare === undefined ? "—" : `${x(t.vsBare)} req/s`} | ${t.errors} |`);
  out.push("");

  if (r.walks.length) {
    out.push("| walk | pages | users | wall s | p50 ms/page | p95 | p99 | users/s | server RSS start → peak | errors |");
    out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const w of r.walks)
      out.push(`| ${w.scenario} | ${w.pages} | ${w.users.toLocaleString("en-US")}${w.capped ? ` of ${w.totalResults.toLocaleString("en-US")} (time-capped)` : ""} | ${w.capped ? `≈ ${w.wallSeconds.toFixed(0)} (extrap.)` : w.seconds.toFixed(1)} | ${ms(w.p50)} | ${ms(w.p95)} | ${ms(w.p99)} | ${rps(w.users / w.seconds)} | ${w.rssStartMb?.toFixed(0) ?? "—"} → ${w.peakRssMb?.toFixed(0) ?? "—"} MB | ${w.errors} |`);
    out.push("");
  }
  if (r.syncs.length) {
    out.push("| initial sync | conns | ops done / planned | HTTP requests | wall s | ops/s | p50 ms/request | p95 | p99 | errors |");
    out.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const y of r.syncs)
      out.push(`| ${y.scenario} | ${y.connections} | ${y.done.toLocaleString("en-US")} / ${y.planned.toLocaleString("en-US")} (${y.users} users, ${y.groups} groups of ${y.membersPerGroup}) | ${y.requests} | ${y.capped ? `≈ ${y.wallSeconds.toFixed(0)} (time-capped at ${y.seconds.toFixed(0)}, extrap.)` : y.seconds.toFixed(1)} | ${rps(y.opsPerSec)} | ${ms(y.p50)} | ${ms(y.p95)} | ${ms(y.p99)} | ${y.errors} |`);
    out.push("");
  }

  out.push("| ratio / goal | value | goal | basis |");
  out.push("|---|---:|---:|---|");
  for (const q of r.ratios) out.push(`| ${q.name} | ${q.value.toFixed(2)} | ${verdict(q)} | ${q.basis} |`);
  out.push("");
  out.push(`Memory: ${Object.entries(r.memory).map(([k, v]) => `${k} ${v}`).join(", ")}`, "");
  if (r.notes.length) {
    out.push("Notes:");
    for (const n of r.notes) out.push(`- ${n}`);
    out.push("");
  }
  out.push(r.errors.length ? `**${r.errors.length} error sample(s) — the run FAILED:**` : "No errors: every response had the expected status.");
  for (const e of r.errors) out.push(`- ${e}`);
  return `${out.join("\n")}\n`;
}
