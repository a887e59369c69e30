/**
 * The delivery worker: off the request path, it claims due deliveries (src/org/events/
 * deliveries.ts), pushes them — RFC 8935 SETs or HMAC-signed webhooks — and records each
 * outcome. Deliveries of one resource go one after another; resources go side by side.
 * On PostgreSQL every instance may run one (SKIP LOCKED shares the work); on SQLite run
 * one (EVENTS_WORKER=off on the others).
 */
import type { Store } from "../../db/connect.ts";
import { eventsConfig, type Config } from "../config.ts";
import { claimDue, outcomeStatus, recordOutcomes, type ClaimedDelivery, type Outcome, type RetryPolicy } from "../org/events/deliveries.ts";
import { EVENT_ID_HEADER, SET_MEDIA_TYPE, SIGNATURE_HEADER, signSet, webhookBody, webhookSignature } from "../org/events/messages.ts";
import { receiverSecret } from "../org/events/receivers.ts";
import { currentSigningKey, type SigningKey } from "../org/events/signing-keys.ts";
import { eventIssuer } from "./issuer.ts";
import { OutboundRefused } from "../org/security/outbound.ts";
import { post } from "./post.ts";

export interface WorkerOptions {
  /** how long to sleep when nothing is due */
  idleMs?: number;
  batch?: number;
  /** a claimed delivery not finished in this time is taken again (the worker died) */
  leaseMs?: number;
  /** resources delivered side by side */
  concurrency?: number;
  log?: (msg: string, err?: unknown) => void;
  /** false: no background loop (tests drive `runOnce`) */
  loop?: boolean;
}

export interface EventWorker {
  /** one claim-and-deliver round; returns how many deliveries it took */
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

const KEY_CACHE_MS = 60_000;

export function createEventWorker(store: Store, config: Config, opts: WorkerOptions = {}): EventWorker {
  const ev = eventsConfig(config);
  const policy: RetryPolicy = { baseMs: ev.retryBaseMs, maxMs: ev.retryMaxMs };
  const batch = opts.batch ?? 200;
  // longer than one push can take, short enough that a killed worker's deliveries are soon taken again
  const leaseMs = opts.leaseMs ?? ev.timeoutMs * 2 + 5000;
  const concurrency = opts.concurrency ?? 32;
  const issuer = eventIssuer(config);
  let cached: { key: SigningKey; until: number } | undefined;
  const signingKey = async () => {
    if (!cached || cached.until < Date.now()) cached = { key: await currentSigningKey(store.db, config.encryptionKey, ev.keyRotationDays), until: Date.now() + KEY_CACHE_MS };
    return cached.key;
  };

  async function attempt(d: ClaimedDelivery, secret: string): Promise<Outcome> {
    const started = performance.now();
    try {
      const headers: Record<string, string> = { [EVENT_ID_HEADER]: d.event.eventId };
      let body: string;
      if (d.receiver.format === "set") {
        body = await signSet(d.event, await signingKey(), issuer, d.receiver.url);
        headers["content-type"] = SET_MEDIA_TYPE;
        headers.accept = "application/json";
      } else {
        body = webhookBody(d.event);
        headers["content-type"] = "application/json";
        headers[SIGNATURE_HEADER] = webhookSignature(secret, body);
      }
      const res = await post(d.receiver.url, headers, body, ev.timeoutMs);
      const text = res.text;
      const ms = performance.now() - started;
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, ms };
      // RFC 8935 §2.3: a 400 names what is wrong with this SET; 4xx other than 408/429 will not get better by retrying
      const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
      return { ok: false, status: res.status, ms, error: `HTTP ${res.status}${text ? `: ${text}` : ""}`, permanent };
    } catch (err) {
      // the outbound policy refuses this receiver's address: retrying will not change that (a replay can, once the operator allows it)
      if (err instanceof OutboundRefused) return { ok: false, ms: performance.now() - started, error: err.message, permanent: true };
      const cause = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
      return { ok: false, ms: performance.now() - started, error: cause };
    }
  }

  async function runOnce(): Promise<number> {
    const claimed = await claimDue(store, batch, leaseMs);
    if (claimed.length === 0) return 0;
    const secrets = new Map<string, string>();
    for (const d of claimed) if (!secrets.has(d.receiver.id)) secrets.set(d.receiver.id, receiverSecret(config.encryptionKey, d.receiver.id, d.receiver.secret));
    const chains = new Map<string, ClaimedDelivery[]>();
    for (const d of claimed) {
      const k = `${d.receiver.id} ${d.resourceKey}`;
      const chain = chains.get(k);
      if (chain) chain.push(d);
      else chains.set(k, [d]);
    }
    const queue = [...chains.values()];
    const done: { d: ClaimedDelivery; o: Outcome }[] = [];
    const released: ClaimedDelivery[] = [];
    const runChain = async (chain: ClaimedDelivery[]) => {
      for (let i = 0; i < chain.length; i++) {
        const d = chain[i]!;
        const o = await attempt(d, secrets.get(d.receiver.id)!);
        done.push({ d, o });
        if (outcomeStatus(d, o) === "pending") {
          // an earlier event of this resource waits for its retry: the later ones wait behind it
          released.push(...chain.slice(i + 1));
          return;
        }
      }
    };
    const lanes = Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      for (let chain = queue.shift(); chain; chain = queue.shift()) await runChain(chain);
    });
    await Promise.all(lanes);
    // one transaction for the round's outcomes (a crash before it only means those are sent again: at least once)
    await store.db.transaction().execute((trx) => recordOutcomes(trx, done, released, policy));
    return claimed.length;
  }

  let stopped = false;
  let wake: (() => void) | undefined;
  const loop = opts.loop === false ? Promise.resolve() : (async () => {
    const idleMs = opts.idleMs ?? 200;
    while (!stopped) {
      let n = 0;
      try {
        n = await runOnce();
      } catch (err) {
        opts.log?.("event delivery round failed", err);
      }
      if (n === 0 && !stopped) await new Promise<void>((resolve) => { wake = resolve; setTimeout(resolve, idleMs).unref(); });
    }
  })();
  return {
    runOnce,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
