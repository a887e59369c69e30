/**
 * The load generator: a keep-alive HTTP client for sequential latency
 * (1 connection, one request at a time, timed from send to the last body
 * byte) and an autocannon wrapper for throughput. Every response's status is
 * checked; a wrong status or a failed body check is an error, counted and
 * sampled, never silently measured.
 */
import http from "node:http";
import autocannon from "autocannon";

export interface Req {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  path: string;
  body?: unknown;
  /** of the body; default application/scim+json (the admin API takes application/json) */
  contentType?: string;
  expect: number;
  /** extra check of the body (after the timer stopped); returns a problem or null */
  check?: (body: string) => string | null;
}

export interface Scenario {
  name: string;
  port: number;
  /** measured requests */
  n: number;
  warmup: number;
  /** the i-th request (warm-up requests come first, then the measured ones) */
  next: (i: number) => Req;
}

export interface LatencyResult {
  scenario: string;
  connections: 1;
  n: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
  /** sequential: 1000 / mean latency */
  reqPerSec: number;
  errors: number;
  errorSamples: string[];
  /** stopped early by the time budget (fewer than the requested measurements) */
  capped: boolean;
  /** p50 ÷ the bare route's p50 (filled in by run.ts) */
  vsBare?: number;
}

export class Client {
  private agents = new Map<number, http.Agent>();

  /** maxSockets: keep-alive connections per port (1: strictly sequential) */
  constructor(private headers: Record<string, string>, private maxSockets = 1) {}

  private agent(port: number): http.Agent {
    let a = this.agents.get(port);
    if (!a) {
      a = new http.Agent({ keepAlive: true, maxSockets: this.maxSockets });
      this.agents.set(port, a);
    }
    return a;
  }

  send(port: number, r: Req): Promise<{ status: number; body: string; ms: number }> {
    const payload = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
    const headers: Record<string, string | number> = { ...this.headers };
    if (payload) {
      headers["Content-Type"] = r.contentType ?? "application/scim+json";
      headers["Content-Length"] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const start = process.hrtime.bigint();
      const req = http.request({ host: "127.0.0.1", port, method: r.method, path: r.path, agent: this.agent(port), headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ms });
        });
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
  }
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** At least this many measurements are taken, whatever the time budget. */
const MIN_SAMPLES = 30;

/**
 * Runs scenarios interleaved request by request (A, B, C, A, B, C, …), so a
 * noisy neighbour or a drifting machine hits every scenario of a ratio alike.
 * Warm-up requests are sent the same way and not recorded. A scenario that has
 * spent `budgetMs` measuring (a quarter of it warming up) stops early, after at
 * least MIN_SAMPLES measurements, so an O(N) regression cannot make the run last
 * an hour; its result says `capped`.
 */
export async function runInterleaved(client: Client, scenarios: Scenario[], budgetMs: number, onProgress?: (msg: string) => void): Promise<LatencyResult[]> {
  const state = scenarios.map((s) => ({ s, i: 0, times: [] as number[], errors: 0, samples: [] as string[], warmMs: 0, spentMs: 0 }));
  const one = async (st: (typeof state)[number], record: boolean) => {
    const r = st.s.next(st.i++);
    let problem: string | null = null;
    const t0 = performance.now();
    try {
      const res = await client.send(st.s.port, r);
      if (res.status !== r.expect) problem = `${r.method} ${r.path} → ${res.status} (expected ${r.expect}): ${res.body.slice(0, 300)}`;
      else if (r.check) {
        const c = r.check(res.body);
        if (c) problem = `${r.method} ${r.path} → ${c}`;
      }
      if (record) st.times.push(res.ms);
    } catch (err) {
      problem = `${r.method} ${r.path} → ${err instanceof Error ? err.message : String(err)}`;
    }
    if (record) st.spentMs += performance.now() - t0;
    else st.warmMs += performance.now() - t0;
    if (problem) {
      st.errors++;
      if (st.samples.length < 3) st.samples.push(problem);
    }
  };
  const maxWarm = Math.max(...scenarios.map((s) => s.warmup));
  for (let w = 0; w < maxWarm; w++) for (const st of state) if (w < st.s.warmup && st.warmMs < budgetMs / 4) await one(st, false);
  const maxN = Math.max(...scenarios.map((s) => s.n));
  const step = Math.max(1, Math.floor(maxN / 4));
  for (let k = 0; k < maxN; k++) {
    for (const st of state) if (k < st.s.n && (st.spentMs < budgetMs || st.times.length < MIN_SAMPLES)) await one(st, true);
    if (onProgress && (k + 1) % step === 0 && k + 1 < maxN) onProgress(`    ${k + 1}/${maxN}`);
  }
  return state.map(({ s, times, errors, samples }) => {
    const capped = times.length < s.n;
    const sorted = [...times].sort((a, b) => a - b);
    const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
    return {
      scenario: s.name, connections: 1, n: sorted.length,
      p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99),
      mean, max: sorted[sorted.length - 1] ?? NaN, reqPerSec: 1000 / mean, errors, errorSamples: samples, capped,
    };
  });
}

export interface ThroughputResult {
  scenario: string;
  connections: number;
  seconds: number;
  requests: number;
  reqPerSec: number;
  /** autocannon's histogram has no p95; p97.5 is the nearest it reports */
  p50: number;
  p97_5: number;
  p99: number;
  errors: number;
  errorSamples: string[];
  /** req/s ÷ the bare route's req/s at the same connections (filled in by run.ts) */
  vsBare?: number;
}

/** autocannon against one route; `path()` gives each request's path. A warm-up second is run first and discarded. */
export async function runAutocannon(
  name: string, port: number, path: () => string, headers: Record<string, string>, connections: number, seconds: number,
  /** given: each request is a POST of this body (e.g. a new user each time) */
  body?: () => string,
): Promise<ThroughputResult> {
  const once = (duration: number) => autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    headers: body ? { ...headers, "Content-Type": "application/scim+json" } : headers,
    requests: [{ method: body ? "POST" : "GET", setupRequest: (req) => ({ ...req, path: path(), ...(body ? { body: body() } : {}) }) }],
  });
  const warm = await once(1);
  const r = await once(seconds);
  const samples: string[] = [];
  const bad = (x: autocannon.Result) => x.non2xx + x.errors + x.timeouts;
  if (bad(warm) + bad(r) > 0) {
    samples.push(`non-2xx ${warm.non2xx + r.non2xx} (4xx ${r["4xx"]}, 5xx ${r["5xx"]}), errors ${warm.errors + r.errors}, timeouts ${warm.timeouts + r.timeouts}`);
  }
  return {
    scenario: name, connections, seconds: r.duration, requests: r.requests.total,
    reqPerSec: r.requests.total / r.duration,
    p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99,
    errors: bad(warm) + bad(r), errorSamples: samples,
  };
}
