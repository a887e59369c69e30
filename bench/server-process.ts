/**
 * Starts bench/server.ts (compiled: dist/, built first when stale) as a child process under
 * plain node with NODE_ENV=production, as `npm start` runs it; used by run.ts and profile.ts.
 * `execArgv` adds node flags (profile.ts: --cpu-prof).
 */
import { fork, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchDatabase } from "./database.ts";
import type { ServerMessage } from "./server.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Server {
  child: ChildProcess;
  app: number;
  bare: number;
  stats(): Promise<Extract<ServerMessage, { type: "stats" }>>;
  /** peak RSS since the previous window() (sampled every 25 ms); starts a new window */
  window(): Promise<Extract<ServerMessage, { type: "window" }>>;
  stop(): Promise<void>;
}

/** The server's stdout (its request log, one JSON line per request at LOG_LEVEL info) goes to `logFile`. */
export function startServer(db: BenchDatabase, logFile: string, execArgv: string[] = []): Promise<Server> {
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  // The server runs as in production: compiled JavaScript (dist/, built first when stale) under plain node.
  const build = spawnSync(process.execPath, [path.join(here, "../scripts/build-if-stale.mjs")], { stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
  const out = fs.openSync(logFile, "w");
  const child = fork(path.join(here, "../dist/bench/server.js"), [], {
    execArgv,
    env: { ...process.env, NODE_ENV: "production", BENCH_SERVER_DB: db.url, BENCH_SERVER_PG_SCHEMA: db.pgSchema ?? "" },
    stdio: ["ignore", out, "inherit", "ipc"],
  });
  fs.closeSync(out);
  const next = <T extends ServerMessage["type"]>(type: T) =>
    new Promise<Extract<ServerMessage, { type: T }>>((resolve, reject) => {
      const onMsg = (m: ServerMessage) => { if (m.type === type) { cleanup(); resolve(m as any); } };
      const onExit = (code: number | null) => { cleanup(); reject(new Error(`bench server exited (code ${code}) before "${type}"`)); };
      const cleanup = () => { child.off("message", onMsg); child.off("exit", onExit); };
      child.on("message", onMsg);
      child.once("exit", onExit);
    });
  return next("ready").then((ready) => ({
    child, app: ready.app, bare: ready.bare,
    stats: () => { const p = next("stats"); child.send({ type: "stats" }); return p; },
    window: () => { const p = next("window"); child.send({ type: "window" }); return p; },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      child.once("exit", () => { clearTimeout(timer); resolve(); });
      child.send({ type: "stop" });
    }),
  }));
}

