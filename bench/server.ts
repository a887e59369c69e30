/**
 * The process under test, forked by bench/run.ts: the real app
 * (`createApp(store, loadConfig({}))`) and a bare Express 5 app (the floor),
 * each on an ephemeral loopback port. Talks to the parent over IPC:
 * sends {type:"ready", app, bare}; answers "stats" with its resource usage;
 * exits on "stop".
 *
 * Env: BENCH_SERVER_DB (the database URL), BENCH_SERVER_PG_SCHEMA (optional),
 * BENCH_LOG_LEVEL (the app's LOG_LEVEL; default "info").
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { openDatabase } from "../db/connect.ts";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";

export type ServerMessage =
  | { type: "ready"; app: number; bare: number }
  | { type: "stats"; maxRssKb: number; rssBytes: number; heapUsedBytes: number; appErrors: number; lastAppError?: string }
  /** answer to "window": peak RSS sampled (every 25 ms) since the previous "window"; the window restarts */
  | { type: "window"; peakRssBytes: number; rssBytes: number };

const send = (m: ServerMessage) => process.send!(m);

function listen(handler: http.RequestListener): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    const server = http.createServer(handler);
    server.keepAliveTimeout = 60_000;
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

async function main(): Promise<void> {
  const url = process.env.BENCH_SERVER_DB;
  if (!url) throw new Error("BENCH_SERVER_DB is not set (this file is started by bench/run.ts)");
  const schema = process.env.BENCH_SERVER_PG_SCHEMA || undefined;
  const store = openDatabase(url, schema ? { pgSchema: schema } : {});

  let appErrors = 0;
  let lastAppError: string | undefined;
  // The app's defaults, except the request log level: BENCH_LOG_LEVEL (default "info", production's default:
  // one pino JSON line per request on stdout, which run.ts sends to bench/results/server-<db>.log).
  const app = createApp(store, loadConfig({ LOG_LEVEL: process.env.BENCH_LOG_LEVEL || "info" }), {
    log: (msg, err) => {
      appErrors++;
      lastAppError = `${msg} ${err instanceof Error ? err.stack ?? err.message : String(err ?? "")}`.slice(0, 2000);
    },
  });
  const bare = express();
  bare.disable("x-powered-by");
  bare.get("/", (_req, res) => { res.json({ status: "ok", n: 1 }); });

  const appServer = await listen(app);
  const bareServer = await listen(bare);
  // process.resourceUsage().maxRSS is the lifetime peak; a sampled peak per window measures one phase (e.g. a walk).
  let windowPeak = process.memoryUsage.rss();
  const sampler = setInterval(() => { windowPeak = Math.max(windowPeak, process.memoryUsage.rss()); }, 25);
  sampler.unref();
  process.on("message", async (m: { type: string }) => {
    if (m.type === "window") {
      const rss = process.memoryUsage.rss();
      send({ type: "window", peakRssBytes: Math.max(windowPeak, rss), rssBytes: rss });
      windowPeak = rss;
    } else if (m.type === "stats") {
      const mem = process.memoryUsage();
      send({ type: "stats", maxRssKb: process.resourceUsage().maxRSS, rssBytes: mem.rss, heapUsedBytes: mem.heapUsed, appErrors, lastAppError });
    } else if (m.type === "stop") {
      appServer.closeAllConnections();
      bareServer.closeAllConnections();
      await Promise.all([new Promise((r) => appServer.close(r)), new Promise((r) => bareServer.close(r))]);
      await store.close();
      process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
  send({ type: "ready", app: (appServer.address() as AddressInfo).port, bare: (bareServer.address() as AddressInfo).port });
}

main().catch((err) => {
  console.error("bench server failed:", err);
  process.exit(1);
});
