/** A real app listening on loopback (SETs name its URL as issuer, receivers fetch its JWKS), with an org and its key. */
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type express from "express";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { createEventWorker, type EventWorker, type WorkerOptions } from "../../src/events/worker.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

export interface EventsApp {
  store: TestStore;
  config: Config;
  base: string;
  orgId: string;
  key: string;
  call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; json: any }>;
  worker(opts?: WorkerOptions): EventWorker;
  /** runs worker rounds until nothing is due (or the time is up) */
  drain(w: EventWorker, ms?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startEventsApp(events: Partial<NonNullable<Config["events"]>> = {}): Promise<EventsApp> {
  const store = await openTestStore();
  let app: express.Express | undefined;
  const server = http.createServer((req, res) => app!(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const defaults = loadConfig({});
  const config: Config = { ...defaults, baseUrl: base, encryptionKey: crypto.randomBytes(32), events: { ...defaults.events!, retryBaseMs: 20, retryMaxMs: 200, timeoutMs: 2000, ...events } };
  const errors: unknown[] = [];
  app = createApp(store, config, { log: (msg, err) => errors.push(`${msg}: ${String((err as Error)?.stack ?? err)}`) });
  const { org, key } = await createOrg(store.db, `events-${crypto.randomBytes(4).toString("hex")}`);
  const workers: EventWorker[] = [];
  const call = async (method: string, path: string, body?: unknown, k = key.key) => {
    const scim = path.startsWith("/scim/");
    const res = await fetch(base + path, {
      method, headers: { authorization: `Bearer ${k}`, ...(body === undefined ? {} : { "content-type": scim ? "application/scim+json" : "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  return {
    store, config, base, orgId: org.id, key: key.key, call,
    worker(opts = {}) {
      const w = createEventWorker(store, config, { loop: false, ...opts });
      workers.push(w);
      return w;
    },
    async drain(w, ms = 20_000) {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const n = await w.runOnce();
        if (n > 0) continue;
        const left = await store.db.selectFrom("event_deliveries").select("id").where("status", "in", ["pending", "leased"]).limit(1).execute();
        if (left.length === 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await store.close();
      if (errors.length) throw new Error(`the server logged errors: ${errors.join("\n")}`);
    },
  };
}
