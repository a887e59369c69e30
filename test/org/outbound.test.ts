/**
 * The outbound address policy (src/org/security/outbound.ts) with no allow-list:
 * loopback, private, link-local (cloud metadata), unspecified, multicast and broadcast
 * addresses — and IPv6 forms that embed them — are refused when an admin saves them
 * (422, plain words, nothing stored) and again at each connection against the address a
 * name resolves to then (`localhost` → 127.0.0.1), so a receiver saved while its address
 * was allowed gets nothing once it is not. Runs on SQLite and PostgreSQL (DATABASE_URL).
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../../src/config.ts";
import { addressRefusal, OUTBOUND_ALLOW_VAR, OutboundRefused, parseOutboundAllow } from "../../src/org/security/outbound.ts";
import { outboundFetch } from "../../src/org/security/outbound-fetch.ts";
import { as, problem } from "../admin/principals.ts";
import { startEventsApp, type EventsApp } from "../events/harness.ts";
import { startTestApp, type TestApp } from "../support/app.ts";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";

/** Runs with ROLLCALL_OUTBOUND_ALLOW set to `value` (undefined: unset), restoring the suite's allow-list after. */
function withAllow(value: string | undefined) {
  let saved: string | undefined;
  return {
    set() { saved = process.env[OUTBOUND_ALLOW_VAR]; if (value === undefined) delete process.env[OUTBOUND_ALLOW_VAR]; else process.env[OUTBOUND_ALLOW_VAR] = value; },
    restore() { if (saved === undefined) delete process.env[OUTBOUND_ALLOW_VAR]; else process.env[OUTBOUND_ALLOW_VAR] = saved; },
  };
}

/** A loopback HTTP peer that counts what reaches it. */
async function peer(): Promise<{ port: number; hits: () => number; hangUp(): Promise<void>; close(): Promise<void> }> {
  let n = 0;
  const server = http.createServer((_req, res) => { n++; res.writeHead(204).end(); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { port: (server.address() as AddressInfo).port, hits: () => n,
    /** ends the kept-alive connections (opened while allowed), so the next delivery connects anew */
    hangUp: async () => { server.closeAllConnections(); await new Promise((r) => setTimeout(r, 50)); },
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe("outbound address policy: the addresses", () => {
  const none = parseOutboundAllow(undefined);
  it("refuses loopback, private, link-local, unspecified, multicast, broadcast and their IPv6 forms", () => {
    const refused: [string, RegExp][] = [
      ["127.0.0.1", /loopback/], ["127.255.0.9", /loopback/], ["10.1.2.3", /private/], ["172.16.0.1", /private/], ["172.31.255.255", /private/],
      ["192.168.1.1", /private/], ["100.64.0.1", /private/], ["169.254.169.254", /link-local.*metadata/], ["0.0.0.0", /unspecified/],
      ["224.0.0.1", /multicast/], ["255.255.255.255", /broadcast/], ["::1", /loopback/], ["::", /unspecified/], ["fe80::1", /link-local/],
      ["fd00::1", /private/], ["fc12:3456::1", /private/], ["ff02::1", /multicast/],
      ["::ffff:127.0.0.1", /loopback/], ["::ffff:7f00:1", /loopback/], ["::ffff:169.254.169.254", /link-local/],
      ["::ffff:a9fe:a9fe", /link-local/], ["::127.0.0.1", /loopback.*IPv6/], ["64:ff9b::a9fe:a9fe", /link-local.*IPv6/],
      ["2002:7f00:1::", /loopback.*IPv6/], ["0:0:0:0:0:ffff:10.0.0.1", /private/],
    ];
    for (const [ip, why] of refused) assert.match(addressRefusal(ip, none) ?? "(allowed)", why, ip);
  });

  it("lets public addresses through", () => {
    for (const ip of ["8.8.8.8", "93.184.216.34", "172.32.0.1", "192.169.0.1", "2606:4700:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8"])
      assert.equal(addressRefusal(ip, none), null, ip);
  });

  it("the operator's list allows named addresses and ranges, nothing else; a bad entry stops the start", () => {
    const allow = parseOutboundAllow("127.0.0.1, 10.0.0.0/8,idp.internal,fd00::/8");
    assert.equal(addressRefusal("127.0.0.1", allow), null);
    assert.equal(addressRefusal("10.200.3.4", allow), null);
    assert.equal(addressRefusal("fd00::5", allow), null);
    assert.match(addressRefusal("127.0.0.2", allow) ?? "", /loopback/);
    assert.match(addressRefusal("192.168.0.1", allow) ?? "", /private/);
    assert.match(addressRefusal("169.254.169.254", allow) ?? "", /link-local/);
    assert.ok(allow.hosts.has("idp.internal"));
    assert.throws(() => parseOutboundAllow("10.0.0.0/33"), /ROLLCALL_OUTBOUND_ALLOW: "10.0.0.0\/33"/);
    assert.throws(() => loadConfig({ [OUTBOUND_ALLOW_VAR]: "http://idp.internal/" }), /neither a host name, an IP address nor an address range/);
  });
});

describe(`outbound address policy at save time, no allow-list (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, () => {
  let t: TestApp;
  const env = withAllow(undefined);
  before(async () => { env.set(); t = await startTestApp({ encryptionKey: crypto.randomBytes(32) }); });
  after(async () => { env.restore(); await t?.close(); });
  const admin = () => as(t, t.org.key);
  const count = async (table: "event_receivers" | "oidc_connections" | "ldap_connections" | "scim_federations" | "oauth_clients") =>
    Number((await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).where("org_id", "=", t.org.id).executeTakeFirstOrThrow()).n);
  const plain = (res: { body: { detail?: string }; text: string }) => {
    const detail = JSON.parse(res.text).detail as string;
    assert.doesNotMatch(detail, /ROLLCALL_|\burl\b|\bissuer"|\/api\//, "plain words for people");
    assert.match(detail, /ask the server's operator to allow/);
  };

  it("an event receiver at the cloud metadata address, at loopback (by name and by number) or in a private network: 422, nothing stored", async () => {
    const cases: [string, RegExp][] = [
      ["http://169.254.169.254/latest/meta-data/", /link-local address \(such as a cloud metadata service\)/],
      ["http://localhost:8080/hook", /names localhost, which leads to a loopback address .*\(127\.0\.0\.1\)/],
      ["http://127.0.0.1:9/hook", /loopback/],
      ["http://2130706433/hook", /loopback/],
      ["http://[::1]/hook", /loopback/],
      ["http://[::ffff:127.0.0.1]/hook", /loopback address \(this machine\)/],
      ["https://10.0.0.7/hook", /private network/],
      ["https://[fd12::1]/hook", /private network/],
      ["http://0.0.0.0:80/", /unspecified/],
    ];
    for (const [url, why] of cases) {
      const res = await admin().post("/event-receivers", { url, format: "webhook", secret: "a-webhook-secret-of-some-length" });
      problem(res, 422, why);
      plain(res);
    }
    assert.equal(await count("event_receivers"), 0);
  });

  it("an OIDC issuer, an LDAP directory, a federated issuer and a client's key URL on loopback or metadata: 422 before anything is called", async () => {
    const p = await peer();
    try {
      problem(await admin().put("/sso/oidc", { issuer: `http://localhost:${p.port}`, clientId: "rollcall", clientSecret: "s3cret" }), 422, /identity provider's address names localhost/);
      problem(await admin().put("/sso/ldap", { url: `ldap://127.0.0.1:${p.port}`, bindDn: "cn=admin,dc=example,dc=com", bindPassword: "pw", baseDn: "dc=example,dc=com" }), 422, /directory's address is a loopback/);
      const sa = (await t.store.db.selectFrom("service_accounts").select("id").where("org_id", "=", t.org.id).where("team_id", "is", null).executeTakeFirstOrThrow()).id;
      problem(await admin().post("/scim-federations", { serviceAccountId: sa, issuer: "https://169.254.169.254/tenant", audience: "a", subject: "s" }), 422, /issuer's address is a link-local/);
      problem(await admin().post("/scim-federations", { serviceAccountId: sa, issuer: "https://login.example.com/t", audience: "a", subject: "s", jwksUri: "https://[::ffff:a9fe:a9fe]/keys" }), 422, /issuer's keys is a link-local/);
      problem(await admin().post("/oauth-clients", { serviceAccountId: sa, name: "x", jwksUri: `http://localhost:${p.port}/jwks` }), 422, /client's keys names localhost/);
      assert.equal(p.hits(), 0, "nothing was called");
    } finally {
      await p.close();
    }
    for (const table of ["oidc_connections", "ldap_connections", "scim_federations", "oauth_clients"] as const) assert.equal(await count(table), 0, table);
  });

  it("testing an LDAP or OIDC set-up at loopback connects to nothing and says why", async () => {
    const p = await peer();
    try {
      const ldap = await admin().post("/sso/ldap/test", { connection: { url: `ldap://localhost:${p.port}`, bindDn: "cn=admin,dc=example,dc=com", bindPassword: "pw", baseDn: "dc=example,dc=com" } });
      assert.equal(ldap.status, 200, ldap.text);
      assert.equal(ldap.body.ok, false);
      assert.match(ldap.body.message, /not connecting to localhost \(127\.0\.0\.1\): it is a loopback address/);
      const oidc = await admin().post("/sso/oidc/test", { issuer: `http://localhost:${p.port}`, clientId: "rollcall", clientSecret: "s3cret" });
      assert.equal(oidc.status, 200, oidc.text);
      assert.equal(oidc.body.ok, false);
      assert.match(oidc.body.checks[0].message, /not connecting to localhost \(127\.0\.0\.1\)/);
      assert.equal(p.hits(), 0, "nothing was called");
    } finally {
      await p.close();
    }
  });
});

describe(`outbound address policy at delivery: the resolved address is checked (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, function () {
  this.timeout(60_000);
  let t: EventsApp;
  const env = withAllow("127.0.0.0/8,::1");
  before(async () => { env.set(); t = await startEventsApp({ retryBaseMs: 10, retryMaxMs: 20 }); });
  after(async () => { env.restore(); await t?.close(); });

  it("a receiver saved while its address was allowed gets nothing once the operator's list no longer allows it; the delivery is dead with the reason", async () => {
    const p = await peer();
    try {
      const byName = await t.call("POST", "/api/v1/event-receivers", { url: `http://localhost:${p.port}/hook`, format: "webhook", secret: "a-webhook-secret-of-some-length" });
      assert.equal(byName.status, 201, JSON.stringify(byName.json));
      const byNumber = await t.call("POST", "/api/v1/event-receivers", { url: `http://127.0.0.1:${p.port}/hook`, format: "webhook", secret: "a-webhook-secret-of-some-length" });
      assert.equal(byNumber.status, 201, JSON.stringify(byNumber.json));
      const w = t.worker();
      await t.drain(w);
      const before = p.hits();
      assert.ok(before > 0, "allowed: the receivers got their registration events");

      delete process.env[OUTBOUND_ALLOW_VAR];
      await p.hangUp();
      const created = await t.call("POST", "/scim/v2/Users", { schemas: [USER], userName: "rebound", emails: [{ value: "rebound@example.com", primary: true }] });
      assert.equal(created.status, 201);
      await t.drain(w);
      assert.equal(p.hits(), before, "nothing reached the loopback peer");
      for (const [rx, shown] of [[byName, /not connecting to localhost \(127\.0\.0\.1\): it is a loopback address/], [byNumber, /not connecting to 127\.0\.0\.1: it is a loopback address/]] as const) {
        const dead = await t.call("GET", `/api/v1/event-receivers/${rx.json.id}/deliveries?status=dead`);
        assert.equal(dead.status, 200);
        const items = (dead.json.items ?? dead.json.deliveries ?? dead.json) as { lastError: string; attempts: number }[];
        assert.ok(items.length >= 1, JSON.stringify(dead.json));
        assert.match(items[0]!.lastError, shown);
        assert.equal(items[0]!.attempts, 1, "refused at once, not retried");
      }
    } finally {
      process.env[OUTBOUND_ALLOW_VAR] = "127.0.0.0/8,::1";
      await p.close();
    }
  });
});

describe("outboundFetch (OIDC, issuers' and clients' keys): the policy at connect time, no redirects, fetch's abort", () => {
  let server: http.Server;
  let port = 0;
  let hits = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === "/redirect") res.writeHead(302, { location: "http://169.254.169.254/" }).end();
      else if (req.url === "/silent") { /* never answers */ }
      else res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); });

  it("answers like fetch for an allowed peer; a redirect is returned, not followed (or refused under redirect: error)", async () => {
    const ok = await outboundFetch(`http://localhost:${port}/doc`);
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true });
    const before = hits;
    const moved = await outboundFetch(`http://localhost:${port}/redirect`, { redirect: "manual" });
    assert.equal(moved.status, 302);
    assert.equal(hits, before + 1, "the redirect target was not called");
    await assert.rejects(outboundFetch(`http://localhost:${port}/redirect`, { redirect: "error" }), /redirect \(302\), which is not followed/);
    await assert.rejects(outboundFetch(`http://localhost:${port}/silent`, { signal: AbortSignal.timeout(100) }), (err: Error) => err.name === "TimeoutError");
  });

  it("without the allow-list, a name that resolves to loopback is refused before anything is sent", async () => {
    const env = withAllow(undefined);
    env.set();
    try {
      const before = hits;
      await assert.rejects(outboundFetch(`http://localhost:${port}/doc`), (err: unknown) => err instanceof OutboundRefused && /localhost \(127\.0\.0\.1\)/.test(err.message));
      await assert.rejects(outboundFetch(`http://127.0.0.1:${port}/doc`), OutboundRefused);
      await assert.rejects(outboundFetch(`http://[::ffff:127.0.0.1]:${port}/doc`), OutboundRefused);
      assert.equal(hits, before);
    } finally {
      env.restore();
    }
  });
});
