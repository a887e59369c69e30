/**
 * kill -9 during a sync with a receiver attached: the server process is killed with
 * SIGKILL while users are being provisioned and events pushed; after a restart every
 * committed change — every 2xx-acknowledged one among them — arrives at the receiver,
 * exactly once after deduplication by event id, with nothing that was never committed.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import { createReceiver } from "../../src/org/events/receivers.ts";
import { startReceiver, type TestReceiver } from "../events/receiver.ts";
import { freshDatabase, killAll, PG, pool, request, startServer, USER_URN, type TestDatabase } from "./process.ts";
import type { Store } from "../../db/connect.ts";

describe(`SIGKILL during a sync with an event receiver attached (${PG ? "PostgreSQL" : "SQLite"})`, function () {
  this.timeout(120_000);
  let database: TestDatabase | undefined;
  let store: Store | undefined;
  let rx: TestReceiver | undefined;
  after(async () => {
    await killAll();
    await rx?.close();
    await store?.close();
    await database?.drop();
  });

  it("delivers every committed change after the restart, exactly once after dedupe", async () => {
    database = await freshDatabase("evcrash");
    const key = `evcrash-${crypto.randomBytes(10).toString("hex")}`;
    const encryptionKey = crypto.randomBytes(32);
    const env = {
      DATABASE_URL: database.url, ROLLCALL_BOOTSTRAP_KEY: key, ROLLCALL_ENCRYPTION_KEY: encryptionKey.toString("hex"),
      EVENTS_RETRY_BASE_MS: "50", EVENTS_RETRY_MAX_MS: "500", EVENTS_TIMEOUT_MS: "1000",
    };
    let server = await startServer(env);
    store = database.open();
    const org = await store.db.selectFrom("orgs").select("id").executeTakeFirstOrThrow();
    const secret = crypto.randomBytes(24).toString("hex");
    rx = await startReceiver({ jwksUrl: "http://127.0.0.1:9/unused", issuer: "unused", secret });
    rx.delayMs = 3; // deliveries are in flight when the kill comes
    await createReceiver(store.db, encryptionKey, org.id, { url: rx.url, format: "webhook", secret }, { door: "cli", id: "operator" });

    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    const acked: string[] = [];
    let killed = false;
    await pool(400, 4, async (i) => {
      if (killed) return;
      const r = await request(agent, server.port, key, "POST", "/scim/v2/Users", { schemas: [USER_URN], userName: `crash-ev-${i}`, emails: [{ value: `crash-ev-${i}@example.com`, primary: true }] });
      if (r.status === 201) {
        acked.push(r.json().id as string);
        if (acked.length === 60 && !killed) {
          killed = true;
          server.child.kill("SIGKILL");
        }
      }
    });
    assert.equal((await server.exited).signal, "SIGKILL");
    agent.destroy();
    const deliveredBeforeRestart = rx.received.length;
    assert.ok(deliveredBeforeRestart < (await store.db.selectFrom("audit_events").select("id").execute()).length, "the kill came before every event was delivered");

    server = await startServer(env);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const open = await store.db.selectFrom("event_deliveries").select("id").where("status", "!=", "delivered").execute();
      if (open.length === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await server.stop();

    assert.deepEqual(rx.bad, [], "every HMAC verified");
    const audit = await store.db.selectFrom("audit_events").select(["event_id", "action", "target_id"]).where("action", "not like", "%.refused").orderBy("id").execute();
    const registered = audit.findIndex((a) => a.action === "event_receiver.create");
    const expected = audit.slice(registered).map((a) => a.event_id!);
    const unique = new Set(rx.received.map((r) => r.eventId));
    assert.deepEqual([...unique].sort(), [...expected].sort(), "every committed change arrived, nothing else");
    for (const id of acked) assert.ok(rx.received.some((r) => r.type === "member.create" && r.subject === `/Users/${id}`), `the acknowledged user ${id} arrived`);
    const dupes = rx.received.length - unique.size;
    console.log(`      ${acked.length} acknowledged creates, ${expected.length} events, ${deliveredBeforeRestart} delivered before the kill, ${dupes} redelivered after it (deduplicated by id)`);
  });
});
