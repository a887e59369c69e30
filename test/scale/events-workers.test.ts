/**
 * Two delivery workers, each on its own connection pool (two instances), share 10,000
 * events on PostgreSQL through FOR UPDATE SKIP LOCKED: every event is delivered, none
 * twice (the receiver never fails, so there is no retry), in order per resource, and both
 * workers take part. On SQLite one worker delivers them (one instance delivers there).
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { openDatabase, type Store } from "../../db/connect.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { createEventWorker } from "../../src/events/worker.ts";
import { recordAudit } from "../../src/org/audit/record.ts";
import { createReceiver } from "../../src/org/events/receivers.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { startReceiver, type TestReceiver } from "../events/receiver.ts";
import { openTestStore, type TestStore } from "../support/store.ts";
import { PG } from "./process.ts";

const EVENTS = 10_000;
const RESOURCES = 250;

describe(`${PG ? "two workers on PostgreSQL" : "one worker on SQLite"} deliver ${EVENTS} events`, function () {
  this.timeout(300_000);
  let store: TestStore;
  let second: Store | undefined;
  let rx: TestReceiver;
  after(async () => {
    await rx?.close();
    await second?.close();
    await store?.close();
  });

  it("none lost, none delivered twice, in order per resource", async () => {
    store = await openTestStore();
    const encryptionKey = crypto.randomBytes(32);
    const defaults = loadConfig({});
    const config: Config = { ...defaults, encryptionKey, events: { ...defaults.events!, timeoutMs: 5000 } };
    const { org } = await createOrg(store.db, "many-events");
    const secret = crypto.randomBytes(24).toString("hex");
    rx = await startReceiver({ jwksUrl: "http://127.0.0.1:9/unused", issuer: "unused", secret });
    await createReceiver(store.db, encryptionKey, org.id, { url: rx.url, format: "webhook", secret }, { door: "cli", id: "operator" });
    const actor = { door: "cli" as const, id: "operator" };
    for (let t = 0; t < EVENTS / 100; t++) {
      await store.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 100; i++) {
          const n = t * 100 + i;
          await recordAudit(trx, { orgId: org.id, actor, action: "member.update", targetType: "member", targetId: `m${n % RESOURCES}`, detail: { n } });
        }
      });
    }

    second = PG ? openDatabase(store.url) : undefined;
    const workers = [createEventWorker(store, config, { loop: false }), ...(second ? [createEventWorker(second, config, { loop: false })] : [])];
    const taken = workers.map(() => 0);
    const started = performance.now();
    await Promise.all(workers.map(async (w, i) => {
      for (let idle = 0; idle < 20;) {
        const n = await w.runOnce();
        taken[i]! += n;
        if (n > 0) idle = 0;
        else { idle++; await new Promise((r) => setTimeout(r, 5)); }
      }
    }));
    const seconds = (performance.now() - started) / 1000;

    const audit = await store.db.selectFrom("audit_events").select(["event_id", "target_id", "action"]).where("org_id", "=", org.id).orderBy("id").execute();
    assert.equal(audit.length, EVENTS + 1);
    assert.deepEqual(rx.bad, []);
    const ids = rx.received.map((r) => r.eventId);
    assert.equal(new Set(ids).size, ids.length, "no event was delivered twice");
    assert.deepEqual([...ids].sort(), audit.map((a) => a.event_id!).sort(), "no event was lost");
    const attempts = await store.db.selectFrom("event_deliveries").select(["attempts", "status"]).execute();
    assert.ok(attempts.every((d) => d.attempts === 1 && d.status === "delivered"), "one attempt each");
    const position = new Map(ids.map((id, i) => [id, i]));
    for (let r = 0; r < RESOURCES; r++) {
      const mine = audit.filter((a) => a.target_id === `m${r}`).map((a) => position.get(a.event_id!)!);
      assert.deepEqual(mine, [...mine].sort((a, b) => a - b), `resource m${r} in audit order`);
    }
    if (PG) assert.ok(taken.every((n) => n > 0), `both workers delivered (${taken.join(" + ")})`);
    console.log(`      ${EVENTS} events in ${seconds.toFixed(1)} s = ${Math.round(EVENTS / seconds)} events/s (workers took ${taken.join(" + ")})`);
  });
});
