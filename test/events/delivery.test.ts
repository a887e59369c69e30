/**
 * Provisioning events end to end: changes through SCIM, Bulk and the admin API, a SET
 * receiver and a webhook receiver on loopback that verify every signature, checked for
 * completeness and per-resource order against the audit log; rollback, outage, dead
 * letters, pause, replay, RFC 8936 polling and the discovery document.
 */
import assert from "node:assert/strict";
import { createLocalJWKSet, jwtVerify } from "jose";
import { recordAudit } from "../../src/org/audit/record.ts";
import { startEventsApp, type EventsApp } from "./harness.ts";
import { startReceiver, type Received, type TestReceiver } from "./receiver.ts";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const user = (userName: string) => ({ schemas: [USER], userName, emails: [{ value: `${userName}@example.com`, primary: true }], active: true });

/** The org's events since `afterId` in audit order: [eventId, subject]. */
async function auditEvents(t: EventsApp, afterId = 0) {
  const rows = await t.store.db.selectFrom("audit_events").select(["id", "event_id", "action", "target_type", "target_id"])
    .where("org_id", "=", t.orgId).where("id", ">", afterId).orderBy("id").execute();
  return rows.filter((r) => !r.action.endsWith(".refused"));
}

const subjectOf = (r: { target_type: string; target_id: string | null }) =>
  ({ member: `/Users/${r.target_id}`, team: `/Groups/${r.target_id}`, role: `/Roles/${r.target_id}` })[r.target_type] ?? `${r.target_type}:${r.target_id}`;

/** Every audit event arrived exactly once after dedupe, and each resource's events in audit order. */
function assertCompleteAndOrdered(all: Received[], audit: Awaited<ReturnType<typeof auditEvents>>, opts: { exactlyOnce?: boolean; earlier?: Set<string> } = {}) {
  // events from before the window (the receivers' own registration) are not what is checked
  const received = all.filter((r) => !opts.earlier?.has(r.eventId));
  const firstSeen = new Map<string, number>();
  received.forEach((r, i) => { if (!firstSeen.has(r.eventId)) firstSeen.set(r.eventId, i); });
  if (opts.exactlyOnce) assert.equal(received.length, firstSeen.size, "no event arrived twice");
  assert.deepEqual([...firstSeen.keys()].sort(), audit.map((a) => a.event_id!).sort(), "every audited change arrived, and nothing else");
  const bySubject = new Map<string, string[]>();
  for (const a of audit) bySubject.set(subjectOf(a), [...(bySubject.get(subjectOf(a)) ?? []), a.event_id!]);
  for (const [subject, ids] of bySubject) {
    const arrived = [...firstSeen.entries()].filter(([id]) => ids.includes(id)).sort((x, y) => x[1] - y[1]).map(([id]) => id);
    assert.deepEqual(arrived, ids, `events of ${subject} arrived in audit order`);
  }
  for (const r of received) {
    const a = audit.find((x) => x.event_id === r.eventId)!;
    assert.equal(r.subject, subjectOf(a), "the event names its resource");
  }
}

describe("provisioning events", function () {
  this.timeout(60_000);
  let t: EventsApp;
  const receivers: TestReceiver[] = [];
  const receiver = async (secret?: string) => {
    const r = await startReceiver({ jwksUrl: `${t.base}/.well-known/scim-events-jwks.json`, issuer: `${t.base}/scim/v2`, secret });
    receivers.push(r);
    return r;
  };
  const register = async (body: Record<string, unknown>) => {
    const res = await t.call("POST", "/api/v1/event-receivers", body);
    assert.equal(res.status, 201, JSON.stringify(res.json));
    return res.json as { id: string; secret?: string };
  };
  const lastAuditId = async () => Number((await t.store.db.selectFrom("audit_events").select((eb) => eb.fn.max("id").as("m")).executeTakeFirst())?.m ?? 0);

  beforeEach(async () => { t = await startEventsApp(); });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await t.close();
  });

  it("delivers every change of every door as a verified SET and a verified webhook, complete and in order per resource", async () => {
    const setRx = await receiver();
    const secret = "a-webhook-secret-of-some-length";
    const hookRx = await receiver(secret);
    await register({ url: setRx.url, format: "set" });
    const hook = await register({ url: hookRx.url, format: "webhook", secret });
    assert.equal(hook.secret, undefined, "a secret the caller chose is not echoed");
    const from = await lastAuditId();

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await t.call("POST", "/scim/v2/Users", user(`ev-user-${i}`));
      assert.equal(res.status, 201, JSON.stringify(res.json));
      ids.push(res.json.id);
    }
    const group = await t.call("POST", "/scim/v2/Groups", { schemas: [GROUP], displayName: "Evented", members: [{ value: ids[0] }] });
    assert.equal(group.status, 201, JSON.stringify(group.json));
    assert.ok([200, 204].includes((await t.call("PATCH", `/scim/v2/Groups/${group.json.id}`, { schemas: [PATCH], Operations: [{ op: "add", path: "members", value: ids.slice(1, 4).map((value) => ({ value })) }] })).status));
    assert.equal((await t.call("PATCH", `/scim/v2/Users/${ids[1]}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: false }] })).status, 200);
    assert.equal((await t.call("PATCH", `/scim/v2/Users/${ids[1]}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "active", value: true }] })).status, 200);
    assert.equal((await t.call("DELETE", `/scim/v2/Users/${ids[2]}`)).status, 204);
    const bulk = await t.call("POST", "/scim/v2/Bulk", { schemas: [BULK], Operations: [
      { method: "POST", path: "/Users", bulkId: "b1", data: user("ev-bulk-1") },
      { method: "PATCH", path: `/Users/${ids[3]}`, data: { schemas: [PATCH], Operations: [{ op: "replace", path: "displayName", value: "Renamed" }] } },
    ] });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.json));
    assert.equal((await t.call("POST", "/api/v1/teams", { name: "from-admin-api" })).status, 201);

    const w = t.worker();
    await t.drain(w);
    const audit = await auditEvents(t, from);
    assert.ok(audit.length >= 15, `a dozen and more changes were audited (${audit.length})`);
    for (const rx of [setRx, hookRx]) {
      assert.deepEqual(rx.bad, [], "every signature verified");
      assertCompleteAndOrdered(rx.received, audit, { exactlyOnce: true, earlier: new Set((await auditEvents(t)).filter((a) => a.id <= from).map((a) => a.event_id!)) });
    }
    const types = new Set(setRx.received.map((r) => r.type));
    for (const e of ["create:notice", "patch:notice", "delete", "activate", "deactivate"]) assert.ok(types.has(`urn:ietf:params:scim:event:prov:${e}`), `a ${e} SET was sent`);
    const created = setRx.received.find((r) => r.type.endsWith("create:notice") && r.subject === `/Users/${ids[0]}`)!;
    assert.deepEqual(created.claims.sub_id, { format: "scim", uri: `/Users/${ids[0]}` });
    assert.equal((created.claims.events as Record<string, { ref: string }>)["urn:ietf:params:scim:event:prov:create:notice"]!.ref, `${t.base}/scim/v2/Users/${ids[0]}`);
    assert.ok(hookRx.received.some((r) => r.type === "member.deactivate"), "webhooks carry the audit action as their type");

    const list = await t.call("GET", `/api/v1/event-receivers/${hook.id}/deliveries?limit=500`);
    assert.equal(list.status, 200);
    assert.equal(list.json.deliveries.length, audit.length + 1, "and its own registration event");
    for (const d of list.json.deliveries) {
      assert.equal(d.status, "delivered");
      assert.equal(d.attempts, 1);
      assert.equal(d.lastStatus, 204);
      assert.equal(typeof d.responseMs, "number");
    }
  });

  it("a rolled-back change leaves no event; a refused request writes none", async () => {
    const rx = await receiver();
    const r = await register({ url: rx.url, format: "set" });
    await assert.rejects(t.store.db.transaction().execute(async (trx) => {
      await recordAudit(trx, { orgId: t.orgId, actor: { door: "cli", id: "operator" }, action: "member.update", targetType: "member", targetId: "x" });
      throw new Error("the change fails after its audit row");
    }), /fails after/);
    assert.equal((await t.call("POST", "/scim/v2/Users", user("dup"))).status, 201);
    assert.equal((await t.call("POST", "/scim/v2/Users", user("dup"))).status, 409);
    const queued = await t.store.db.selectFrom("event_deliveries as d").innerJoin("audit_events as a", "a.id", "d.audit_id")
      .select(["a.action", "a.target_id"]).where("receiver_id", "=", r.id).orderBy("a.id").execute();
    const audited = (await auditEvents(t)).filter((a) => a.id >= queued.length && a.action !== "event_receiver.create" || a.target_id !== r.id);
    assert.ok(queued.every((q) => q.target_id !== "x"), "the rolled-back change queued nothing");
    assert.equal(queued.filter((q) => q.action === "member.create").length, 1, "one member.create: the refused duplicate wrote none");
    assert.ok(audited.length > 0);
    const audit = await t.store.db.selectFrom("audit_events").select("action").where("target_id", "=", "x").execute();
    assert.deepEqual(audit, []);
  });

  it("a receiver that is down gets everything afterwards, in order per resource; a permanent refusal and exhausted retries dead-letter", async () => {
    const rx = await receiver();
    rx.refuse = true;
    await register({ url: rx.url, format: "set", maxAttempts: 100 });
    const from = await lastAuditId();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await t.call("POST", "/scim/v2/Users", user(`down-${i}`))).json.id);
    for (const id of ids) for (const name of ["A", "B", "C"]) {
      assert.equal((await t.call("PATCH", `/scim/v2/Users/${id}`, { schemas: [PATCH], Operations: [{ op: "replace", path: "displayName", value: name }] })).status, 200);
    }
    const w = t.worker();
    for (let i = 0; i < 15; i++) { await w.runOnce(); await new Promise((r) => setTimeout(r, 15)); }
    assert.ok(rx.requests > 4, "the worker kept trying");
    assert.equal(rx.received.length, 0);
    const waiting = await t.store.db.selectFrom("event_deliveries").select(["status", "attempts"]).where("status", "=", "pending").execute();
    assert.ok(waiting.some((d) => d.attempts > 1), "retries are counted");
    rx.refuse = false;
    await t.drain(w);
    assertCompleteAndOrdered(rx.received, await auditEvents(t, from), { exactlyOnce: true, earlier: new Set((await auditEvents(t)).filter((a) => a.id <= from).map((a) => a.event_id!)) });

    // a receiver that always fails: dead after maxAttempts; one that refuses with 400: dead at once
    const broken = await receiver();
    broken.refuse = true;
    const b = await register({ url: broken.url, format: "set", maxAttempts: 3, eventTypes: ["member.create"] });
    const picky = await register({ url: `${rx.url}?reject`, format: "webhook", eventTypes: ["urn:ietf:params:scim:event:prov:create:notice"] });
    assert.equal((await t.call("POST", "/scim/v2/Users", user("dead-letter"))).status, 201);
    await t.drain(w);
    const dead = await t.call("GET", `/api/v1/event-receivers/${b.id}/deliveries?status=dead`);
    assert.equal(dead.json.deliveries.length, 1);
    assert.equal(dead.json.deliveries[0].attempts, 3);
    assert.match(dead.json.deliveries[0].lastError, /HTTP 503/);
    const refused = await t.call("GET", `/api/v1/event-receivers/${picky.id}/deliveries`);
    assert.deepEqual(refused.json.deliveries.map((d: { status: string; attempts: number }) => [d.status, d.attempts]), [["dead", 1]], "a webhook whose HMAC it cannot check is refused with 400: no retry");
  });

  it("pause holds deliveries, resume sends them; replay sends again from a point in time; delete removes the receiver", async () => {
    const rx = await receiver();
    const r = await register({ url: rx.url, format: "set" });
    const from = await lastAuditId();
    assert.equal((await t.call("PATCH", `/api/v1/event-receivers/${r.id}`, { status: "paused" })).json.status, "paused");
    assert.equal((await t.call("POST", "/scim/v2/Users", user("paused-1"))).status, 201);
    const w = t.worker();
    await w.runOnce();
    assert.equal(rx.received.length, 0, "nothing is pushed to a paused receiver");
    assert.equal((await t.call("PATCH", `/api/v1/event-receivers/${r.id}`, { status: "active" })).status, 200);
    await t.drain(w);
    const firstRound = rx.received.length;
    assert.ok(firstRound >= 2, "the user's event and the resume event arrived");
    const since = (await t.store.db.selectFrom("audit_events").select("at").where("id", "=", from).executeTakeFirstOrThrow()).at;
    const replay = await t.call("POST", `/api/v1/event-receivers/${r.id}/replay`, { since });
    assert.equal(replay.status, 200);
    assert.ok(replay.json.queued >= firstRound);
    await t.drain(w);
    const again = rx.received.slice(firstRound).map((x) => x.eventId);
    for (const id of rx.received.slice(0, firstRound).map((x) => x.eventId)) assert.ok(again.includes(id), "a replay carries the same event ids");
    const listed = await t.call("GET", "/api/v1/event-receivers");
    assert.equal(listed.json.items[0].id, r.id);
    assert.equal((await t.call("DELETE", `/api/v1/event-receivers/${r.id}`)).status, 204);
    assert.equal((await t.call("GET", `/api/v1/event-receivers/${r.id}`)).status, 404);
  });

  it("RFC 8936 polling: signed SETs in audit order, acknowledged ones do not come again, a wrong secret is 401", async () => {
    const poller = await register({ url: null, format: "set" });
    assert.ok(poller.secret && poller.secret.length >= 32, "a generated secret is shown once");
    for (let i = 0; i < 3; i++) assert.equal((await t.call("POST", "/scim/v2/Users", user(`poll-${i}`))).status, 201);
    const pollAt = `/events/poll/${poller.id}`;
    assert.equal((await t.call("POST", pollAt, {}, "not-the-secret-at-all")).status, 401);
    const jwks = createLocalJWKSet((await t.call("GET", "/.well-known/scim-events-jwks.json")).json);
    const first = await t.call("POST", pollAt, { maxEvents: 2 }, poller.secret);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.json.moreAvailable, true);
    const jtis = Object.keys(first.json.sets);
    assert.equal(jtis.length, 2);
    for (const [jti, set] of Object.entries(first.json.sets as Record<string, string>)) {
      const { payload } = await jwtVerify(set, jwks, { issuer: `${t.base}/scim/v2`, audience: `${t.base}${pollAt}`, typ: "secevent+jwt" });
      assert.equal(payload.jti, jti);
    }
    const second = await t.call("POST", pollAt, { ack: jtis, maxEvents: 100 }, poller.secret);
    const rest = Object.keys(second.json.sets);
    assert.equal(second.json.moreAvailable, false);
    for (const j of jtis) assert.ok(!rest.includes(j), "acknowledged SETs are not sent again");
    const audit = (await auditEvents(t)).map((a) => a.event_id);
    assert.deepEqual([...jtis, ...rest], audit.slice(audit.indexOf(jtis[0]!)), "polled in audit order, none missing");
    const third = await t.call("POST", pollAt, { ack: rest }, poller.secret);
    assert.deepEqual(third.json.sets, {});
  });

  it("/ServiceProviderConfig advertises the RFC 9967 events; a receiver with a bad url or a webhook without a url is refused", async () => {
    const spc = await t.call("GET", "/scim/v2/ServiceProviderConfig");
    assert.equal(spc.json.securityEvents.asyncRequest, "none");
    assert.ok(spc.json.securityEvents.eventUris.includes("urn:ietf:params:scim:event:prov:deactivate"));
    const bad = await t.call("POST", "/api/v1/event-receivers", { url: "ftp://example.com/x", format: "set" });
    assert.equal(bad.status, 400);
    const hookWithoutUrl = await t.call("POST", "/api/v1/event-receivers", { url: null, format: "webhook" });
    assert.equal(hookWithoutUrl.status, 400);
  });
});
