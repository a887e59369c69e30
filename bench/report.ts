/** The markdown report (printed and written to bench/results/latest.md). */
import type { LatencyResult, ThroughputResult } from "./client.ts";

export interface Ratio {
  name: string;
  value: number;
  goal?: number;
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
  ratios: Ratio[];
  memory: Record<string, number | string>;
  notes: string[];
  errors: string[];
  ok: boolean;
}

const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(2) : x.toFixed(1)) : "—");
const rps = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—");

export function toMarkdown(r: Report): string {
  const out: string[] = [];
  out.push(`# Rollcall benchmark — ${r.startedAt}`, "");
  out.push(`- database: ${r.database}`);
  for (const [k, v] of Object.entries(r.machine)) out.push(`- ${k}: ${v}`);
  out.push(`- seeding: ${Object.entries(r.seeding).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  out.push(`- options: ${Object.entries(r.options).map(([k, v]) => `${k}=${v}`).join(", ")}`);
  out.push(`- run time: ${r.seconds.toFixed(0)} s`, "");

  out.push("| scenario | conns | requests | p50 ms | p95 ms | p99 ms | req/s | errors |");
  out.push("|---|---:|---:|---:|---:|---:|---:|---:|");
  for (const l of r.latency) out.push(`| ${l.scenario} | 1 (seq) | ${l.n}${l.capped ? " (time-capped)" : ""} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${rps(l.reqPerSec)} | ${l.errors} |`);
  for (const t of r.throughput)
    out.push(`| ${t.scenario} (autocannon ${t.seconds.toFixed(0)} s) | ${t.connections} | ${t.requests} | ${ms(t.p50)} | — (p97.5 ${ms(t.p97_5)}) | ${ms(t.p99)} | ${rps(t.reqPerSec)} | ${t.errors} |`);
  out.push("");

  out.push("| ratio | value | goal | basis |");
  out.push("|---|---:|---:|---|");
  for (const x of r.ratios) {
    const verdict = x.goal === undefined ? "—" : `≤ ${x.goal} ${x.value <= x.goal ? "✅" : "❌ missed"}`;
    out.push(`| ${x.name} | ${x.value.toFixed(2)} | ${verdict} | ${x.basis} |`);
  }
  out.push("");
  out.push(`Memory: ${Object.entries(r.memory).map(([k, v]) => `${k} ${v}`).join(", ")}`, "");
  if (r.notes.length) {
    out.push("Notes:");
    for (const n of r.notes) out.push(`- ${n}`);
    out.push("");
  }
  out.push(r.errors.length ? `**${r.errors.length} error sample(s) — the run FAILED:**` : "No errors: every response had the expected status.");
  for (const e of r.errors) out.push(`- ${e}`);
  return out.join("\n") + "\n";
}
