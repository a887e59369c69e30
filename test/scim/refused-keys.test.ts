/**
 * Refused keys in the org's "last requests from your identity provider" (issue 12):
 * a revoked, expired or mistyped key that names its org by its non-secret prefix is
 * listed there (401, why in words, never the key); a key nobody issued, a missing one
 * or a bad token is only counted per instance (/metrics), never shown to any org.
 */
import assert from "node:assert/strict";
import { auth, startTestApp, type TestApp } from "../support/app.ts";
import { as, expectOk } from "../admin/principals.ts";

const settle = () => new Promise((r) => setTimeout(r, 150)); // the log is written after the answer

describe("SCIM: refused keys in the connection's last requests", function () {
  this.timeout(30_000);
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    const team = expectOk(await as(t, t.org.key).post("/teams", { name: "everyone", domainMatching: true }), 201);
    expectOk(await as(t, t.org.key).patch("/org", { defaultTeamId: team.id }));
  });
  after(async () => { await t?.close(); });

  const activity = async (key: string) => expectOk(await as(t, key).get("/sso/scim-activity")).requests as { status: number; why: string | null; by: string; path: string }[];
  const newKey = async (name: string) => expectOk(await as(t, t.org.key).post("/service-accounts", { name }), 201) as { id: string; key: { id: string; key: string; prefix: string } };

  it("lists a revoked, an expired and a mistyped key with why, naming the account and never the key", async () => {
    const revoked = await newKey("okta");
    const expired = await newKey("entra");
    const typo = await newKey("jumpcloud");
    expectOk(await as(t, t.org.key).delete(`/keys/${revoked.key.id}`), 204);
    await t.store.db.updateTable("api_keys").set({ expires_at: "2020-01-01T00:00:00.000Z" }).where("id", "=", expired.key.id).execute();
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(revoked.key.key))).status, 401);
    assert.equal((await t.http.get("/scim/v2/Groups/abc").set(auth(expired.key.key))).status, 401);
    const mistyped = `${typo.key.key.slice(0, -3)}xyz`;
    assert.equal((await t.http.post("/scim/v2/Users").set(auth(mistyped)).send({})).status, 401);
    await settle();
    const rows = (await activity(t.org.key)).filter((r) => r.status === 401);
    const by = Object.fromEntries(rows.map((r) => [r.by, r]));
    assert.equal(by["service account okta"]?.why, "This key was revoked.");
    assert.equal(by["service account okta"]?.path, "/Users");
    assert.equal(by["service account entra"]?.why, "This key has expired.");
    assert.equal(by["service account entra"]?.path, "/Groups/{id}");
    assert.match(by["service account jumpcloud"]?.why ?? "", /starts like this key but is not it/);
    const text = JSON.stringify(rows);
    for (const k of [revoked.key.key, expired.key.key, mistyped]) assert.ok(!text.includes(k), "never the key");
  });

  it("another org does not see them; a key nobody issued, no key and a bad token are counted per instance only", async () => {
    const other = await t.newOrg();
    const before = await activity(other.key);
    assert.equal(before.filter((r) => r.status === 401).length, 0);
    assert.equal((await t.http.get("/scim/v2/Users").set(auth("rc_nobodyissuedthiskeyatall_0123456789"))).status, 401);
    assert.equal((await t.http.get("/scim/v2/Users")).status, 401);
    assert.equal((await t.http.get("/scim/v2/Users").set(auth("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln"))).status, 401);
    await settle();
    assert.equal((await activity(other.key)).filter((r) => r.status === 401).length, 0);
    const mine = (await activity(t.org.key)).filter((r) => r.status === 401);
    assert.equal(mine.length, 3, "only the three attributed refusals of the first test");
    const metrics = (await t.http.get("/metrics")).text;
    assert.match(metrics, /rollcall_scim_refused_unattributed_total\{kind="unknown_key"\} 1/);
    assert.match(metrics, /rollcall_scim_refused_unattributed_total\{kind="no_credential"\} 1/);
    assert.match(metrics, /rollcall_scim_refused_unattributed_total\{kind="invalid_token"\} 1/);
  });

  it("keeps at most 50 requests per org however many keys are refused", async () => {
    const gone = await newKey("flood");
    expectOk(await as(t, t.org.key).delete(`/keys/${gone.key.id}`), 204);
    for (let i = 0; i < 70; i++) await t.http.get("/scim/v2/Users").set(auth(gone.key.key));
    await settle();
    const n = await t.store.db.selectFrom("scim_requests").select((eb) => eb.fn.countAll<number>().as("n")).where("org_id", "=", t.org.id).executeTakeFirstOrThrow();
    assert.ok(Number(n.n) <= 50, `stored ${n.n}`);
  });
});
