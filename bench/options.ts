/**
 * Benchmark options, from argv (`--users=10000`) or the environment
 * (`BENCH_USERS=10000`); argv wins. `DATABASE_URL` picks the database.
 */
export interface BenchOptions {
  /** members in the org (all of them in the big team) */
  users: number;
  /** sequential requests measured per latency scenario */
  requests: number;
  /** sequential requests measured for the deep page (each is O(offset)) */
  pageRequests: number;
  /** un-measured requests before each latency scenario */
  warmup: number;
  /** time budget of one latency scenario, in seconds (it stops early, after ≥ 30 measurements) */
  scenarioSeconds: number;
  /** seconds per autocannon run (0 skips autocannon) */
  duration: number;
  /** seed of the pseudo-random choice of ids and names */
  seed: number;
  /** unset: a fresh SQLite file in a temp dir; postgres://…: a fresh schema, dropped afterwards */
  databaseUrl: string | undefined;
  /** members inserted per transaction while seeding */
  batch: number;
  /** users created through the API by each initial-sync scenario */
  syncUsers: number;
  /** groups created through the API by each initial-sync scenario (~50 members each) */
  syncGroups: number;
  /** time budget of one initial-sync phase and of one full walk, in seconds (stops early, marked time-capped) */
  phaseSeconds: number;
}

const HELP = `usage: npm run bench [-- --users=N --requests=N --page-requests=N --warmup=N --scenario-seconds=S --duration=S --seed=N --batch=N --sync-users=N --sync-groups=N --phase-seconds=S]
environment: BENCH_USERS (100000), BENCH_REQUESTS (400), BENCH_PAGE_REQUESTS (100), BENCH_WARMUP (50),
             BENCH_SCENARIO_SECONDS (30: time budget of one latency scenario, ≥ 30 measurements),
             BENCH_DURATION (5, 0 skips autocannon), BENCH_SEED (42), BENCH_BATCH (10000),
             BENCH_SYNC_USERS (10000), BENCH_SYNC_GROUPS (200), BENCH_PHASE_SECONDS (300: budget of one sync phase / walk),
             DATABASE_URL (unset: fresh SQLite file in a temp dir; postgres://…: fresh schema, dropped afterwards)`;

export function readOptions(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const args = new Map<string, string>();
  for (const a of argv) {
    if (a === "-h" || a === "--help") {
      console.log(HELP);
      process.exit(0);
    }
    const m = /^--([a-z-]+)=(.*)$/.exec(a);
    if (!m) throw new Error(`unknown argument "${a}"\n${HELP}`);
    args.set(m[1], m[2]);
  }
  const int = (flag: string, envName: string, fallback: number, min: number): number => {
    const raw = args.get(flag) ?? env[envName];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw.replace(/_/g, ""));
    if (!Number.isInteger(n) || n < min) throw new Error(`${envName} / --${flag} must be an integer ≥ ${min}, got "${raw}"`);
    return n;
  };
  const databaseUrl = args.get("db") ?? (env.DATABASE_URL || undefined);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl) && !databaseUrl.startsWith("sqlite:"))
    throw new Error(`DATABASE_URL must be unset, sqlite:PATH or postgres://…`);
  return {
    users: int("users", "BENCH_USERS", 100_000, 200),
    requests: int("requests", "BENCH_REQUESTS", 400, 10),
    pageRequests: int("page-requests", "BENCH_PAGE_REQUESTS", 100, 10),
    warmup: int("warmup", "BENCH_WARMUP", 50, 0),
    scenarioSeconds: int("scenario-seconds", "BENCH_SCENARIO_SECONDS", 30, 1),
    duration: int("duration", "BENCH_DURATION", 5, 0),
    seed: int("seed", "BENCH_SEED", 42, 0),
    databaseUrl,
    batch: int("batch", "BENCH_BATCH", 10_000, 100),
    syncUsers: int("sync-users", "BENCH_SYNC_USERS", 10_000, 0),
    syncGroups: int("sync-groups", "BENCH_SYNC_GROUPS", 200, 0),
    phaseSeconds: int("phase-seconds", "BENCH_PHASE_SECONDS", 300, 1),
  };
}

/** A small deterministic PRNG (mulberry32), so two runs pick the same ids. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
