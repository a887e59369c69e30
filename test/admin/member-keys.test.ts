/**
 * A member's own API keys, through the real doors: created in a console session
 * (cookie + CSRF), through the admin API with a key, and by the operator's CLI;
 * used on the admin API and SCIM with exactly the member's rights; revoked with
 * the member's deactivation or removal (and not revived by reactivation).
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import supertest from "supertest";
import { loadConfig } from "../../src/config.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { pauseAt } from "../../src/org/race-points.ts";
import { auth, SCIM, user } from "../support/app.ts";
import { appWithLogin } from "../support/session.ts";
import { openTestStore, type TestStore } from "../support/store.ts";
import { problem } from "./principals.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const KEY = /^rc_[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => crypto.createHash("sha256").update(s, "utf8").digest("hex");

interface Person { id: string; userId: string; userName: string }

describe("admin API: a member's own API keys", () => {
  let store: TestStore;
  let app: ReturnType<typeof appWithLogin>;
  let http: ReturnType<typeof supertest>;
  let org: { id: string; name: string; key: string };
  let alice: Person; // a member
  let bob: Person; // an org admin

  /** A member pushed through SCIM (the real door), then given its org role by the org's key. */
  async function scimMember(userName: string, orgRole: "admin" | "member"): Promise<Person> {
    const res = await http.post("/scim/v2/Users").set(auth(org.key)).type(SCIM).send(user(userName));
    assert.equal(res.status, 201, res.text);
    if (orgRole !== "member") assert.equal((await http.patch(`/api/v1/members/${res.body.id}`).set(auth(org.key)).send({ orgRole })).status, 200);
    const m = await store.db.selectFrom("members").select("user_id").where("id", "=", res.body.id).executeTakeFirstOrThrow();
    return { id: res.body.id as string, userId: m.user_id, userName };
  }

  /** A console session of `p`: the agent carries the cookie, csrf is the header value for writes. */
  async function session(p: Person): Promise<{ agent: supertest.Agent; csrf: string }> {
    const agent = supertest.agent(app);
    assert.equal((await agent.post("/test/login").send({ orgId: org.id, memberId: p.id, userId: p.userId })).status, 200);
    const me = await agent.get("/api/v1/me");
    assert.equal(me.status, 200, me.text);
    return { agent, csrf: me.body.csrfToken as string };
  }

  const newKeyWithKey = async (key: string, label?: string) => {
    const res = await http.post("/api/v1/me/keys").set(auth(key)).send(label ? { label } : {});
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; key: string; prefix: string };
  };
  const meStatus = async (key: string) => (await http.get("/api/v1/me").set(auth(key))).status;
  const scimStatus = async (key: string) => (await http.get("/scim/v2/Users").set(auth(key))).status;
  const setActive = (id: string, active: boolean) => http.patch(`/api/v1/members/${id}`).set(auth(org.key)).send({ active });

  before(async () => {
    store = await openTestStore();
    app = appWithLogin(store, loadConfig({}));
    http = supertest(app);
    const created = await createOrg(store.db, `keys-${process.pid}`);
    org = { id: created.org.id, name: created.org.name, key: created.key.key };
    alice = await scimMember("alice", "member");
    bob = await scimMember("bob", "admin");
    await scimMember("ada", "admin"); // so bob is not the last active admin (who may not be demoted or deactivated)
  });
  after(async () => { await store?.close(); });

  let aliceKey = "";
  let aliceKeyId = "";

  it("a member creates a key in a console session (CSRF required), sees it once, then only its prefix", async () => {
    const { agent, csrf } = await session(alice);
    problem(await agent.post("/api/v1/me/keys").send({ label: "laptop" }), 403, /CSRF/);
    const res = await agent.post("/api/v1/me/keys").set("X-Rollcall-CSRF", csrf).send({ label: "laptop" });
    assert.equal(res.status, 201, res.text);
    assert.match(res.body.key, KEY);
    assert.ok(res.body.key.startsWith(res.body.prefix));
    assert.equal(res.body.label, "laptop");
    assert.equal(res.headers["cache-control"], "no-store");
    aliceKey = res.body.key;
    aliceKeyId = res.body.id;
    const row = await store.db.selectFrom("api_keys").select(["hash", "member_id", "service_account_id"]).where("id", "=", aliceKeyId).executeTakeFirstOrThrow();
    assert.equal(row.hash, sha256(aliceKey), "stored as its hash");
    assert.equal(row.member_id, alice.id);
    assert.equal(row.service_account_id, null);
    const list = await agent.get("/api/v1/me/keys");
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.keys.map((k: { id: string; prefix: string; label: string }) => [k.id, k.prefix, k.label]), [[aliceKeyId, res.body.prefix, "laptop"]]);
    assert.ok(!list.text.includes(aliceKey) && !list.text.includes(aliceKey.slice(0, 20)), "never the secret after creation");
    const audit = await store.db.selectFrom("audit_events").select(["actor", "door"]).where("action", "=", "key.create").where("target_id", "=", aliceKeyId).executeTakeFirstOrThrow();
    assert.deepEqual(audit, { actor: `member:${alice.id}`, door: "admin" });
  });

  it("the key acts as exactly that member: member rights on the admin API, refused by SCIM", async () => {
    const me = await http.get("/api/v1/me").set(auth(aliceKey));
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.member.id, alice.id);
    assert.equal(me.body.authenticatedBy, "key");
    assert.equal((await http.get("/api/v1/members").set(auth(aliceKey))).status, 200, "members read members");
    problem(await http.patch("/api/v1/org").set(auth(aliceKey)).send({ autoProvisioning: false }), 403);
    problem(await http.patch(`/api/v1/members/${alice.id}`).set(auth(aliceKey)).send({ orgRole: "admin" }), 403);
    assert.equal(await scimStatus(aliceKey), 403);
  });

  it("an admin's own key (first from a session, then one more through the API with that key) acts as admin, on SCIM too", async () => {
    const { agent, csrf } = await session(bob);
    const first = await agent.post("/api/v1/me/keys").set("X-Rollcall-CSRF", csrf).send({});
    assert.equal(first.status, 201, first.text);
    const second = await newKeyWithKey(first.body.key, "ci");
    for (const k of [first.body.key as string, second.key]) {
      assert.equal(await scimStatus(k), 200);
      assert.equal((await http.patch("/api/v1/org").set(auth(k)).send({ autoProvisioning: true })).status, 200);
    }
    // the rights are the member's as they are now: demoted, the same key is a member's key
    assert.equal((await http.patch(`/api/v1/members/${bob.id}`).set(auth(org.key)).send({ orgRole: "member" })).status, 200);
    assert.equal(await scimStatus(second.key), 403);
    problem(await http.patch("/api/v1/org").set(auth(second.key)).send({ autoProvisioning: true }), 403);
    assert.equal((await http.patch(`/api/v1/members/${bob.id}`).set(auth(org.key)).send({ orgRole: "admin" })).status, 200);
    assert.equal(await scimStatus(second.key), 200);
  });

  it("a member revokes their own key; another member's key id is not theirs (404); twice is refused", async () => {
    const spare = await newKeyWithKey(aliceKey, "spare");
    const other = await newKeyWithKey((await newKeyWithKey(aliceKey)).key); // made with a key of hers: still hers
    problem(await http.delete(`/api/v1/me/keys/${spare.id}`).set(auth(org.key)), 403, /only members/);
    const bobKey = (await store.db.selectFrom("api_keys").select("id").where("member_id", "=", bob.id).executeTakeFirstOrThrow()).id;
    problem(await http.delete(`/api/v1/me/keys/${bobKey}`).set(auth(aliceKey)), 404, /no such API key|API key does not exist/);
    assert.equal((await http.delete(`/api/v1/me/keys/${spare.id}`).set(auth(aliceKey))).status, 204);
    assert.equal(await meStatus(spare.key), 401);
    assert.equal(await meStatus(other.key), 200);
    problem(await http.delete(`/api/v1/me/keys/${spare.id}`).set(auth(aliceKey)), 409, /already revoked/);
    const listed = (await http.get("/api/v1/me/keys").set(auth(aliceKey))).body.keys as { id: string; revokedAt: string | null }[];
    assert.ok(listed.find((k) => k.id === spare.id)?.revokedAt);
  });

  it("service accounts have no keys of their own here (403), and bodies are checked: unknown field, wrong type, not JSON", async () => {
    problem(await http.get("/api/v1/me/keys").set(auth(org.key)), 403, /only members/);
    problem(await http.post("/api/v1/me/keys").set(auth(aliceKey)).send({ lable: "x" }), 400, /unknown field "lable"; allowed: label/);
    problem(await http.post("/api/v1/me/keys").set(auth(aliceKey)).send({ label: 5 }), 400, /"label" must be a string of at most 256 characters/);
    problem(await http.post("/api/v1/me/keys").set(auth(aliceKey)).type("text/plain").send("label=x"), 415, /Content-Type: application\/json/);
  });

  it("deactivation revokes the member's keys in the same change (401 on admin API and SCIM); reactivation does not revive them", async () => {
    const before = await newKeyWithKey(aliceKey, "before");
    assert.equal((await setActive(alice.id, false)).status, 200);
    assert.equal(await meStatus(aliceKey), 401);
    assert.equal(await meStatus(before.key), 401);
    const rows = await store.db.selectFrom("api_keys").select(["revoked_at"]).where("member_id", "=", alice.id).execute();
    assert.ok(rows.length >= 3 && rows.every((r) => r.revoked_at), "every key of the member is revoked");
    assert.equal((await setActive(alice.id, true)).status, 200);
    assert.equal(await meStatus(aliceKey), 401);
    assert.equal(await meStatus(before.key), 401);
    // the admin's key through SCIM's own deactivation (PATCH active false)
    const bobKey = await newKeyWithKeyFromSession(bob);
    assert.equal(await scimStatus(bobKey), 200);
    const off = await http.patch(`/scim/v2/Users/${bob.id}`).set(auth(org.key)).type(SCIM)
      .send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "active", value: false }] });
    assert.equal(off.status, 200, off.text);
    assert.equal(await scimStatus(bobKey), 401);
    assert.equal((await setActive(bob.id, true)).status, 200);
    assert.equal(await scimStatus(bobKey), 401);
  });

  /** A fresh key of `p`, made in their console session. */
  async function newKeyWithKeyFromSession(p: Person): Promise<string> {
    const { agent, csrf } = await session(p);
    const res = await agent.post("/api/v1/me/keys").set("X-Rollcall-CSRF", csrf).send({});
    assert.equal(res.status, 201, res.text);
    return res.body.key as string;
  }

  /**
   * PostgreSQL: resolves once another session waits for a row lock (the deactivation
   * behind the paused key creation). SQLite runs one transaction at a time on its one
   * connection, so there the deactivation simply queues.
   */
  async function deactivationWaits(): Promise<void> {
    if (!/^postgres/.test(store.url)) return;
    for (let i = 0; i < 500; i++) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(store.db);
      if (rows[0]!.n > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.fail("the deactivation never waited for the member's row lock");
  }

  it("a key cannot be issued to a deactivated member, even when the deactivation races the creation", async () => {
    const carol = await scimMember("carol", "member");
    const carolKey = await newKeyWithKeyFromSession(carol);
    const p = pauseAt("member-key.create.locked");
    const creating = http.post("/api/v1/me/keys").set(auth(carolKey)).send({ label: "racing" }).then((r) => r);
    await p.reached;
    const deactivating = setActive(carol.id, false).then((r) => r);
    try { await deactivationWaits(); } finally { p.release(); }
    const [made, off] = await Promise.all([creating, deactivating]);
    assert.equal(made.status, 201, made.text);
    assert.equal(off.status, 200, off.text);
    assert.equal(await meStatus(made.body.key), 401, "the key issued while the deactivation waited is revoked by it");
    const open = await store.db.selectFrom("api_keys").select("id").where("member_id", "=", carol.id).where("revoked_at", "is", null).execute();
    assert.deepEqual(open, []);
  });

  it("removing a member deletes their keys", async () => {
    const dan = await scimMember("dan", "member");
    const k = await newKeyWithKeyFromSession(dan);
    assert.equal(await meStatus(k), 200);
    assert.equal((await http.delete(`/api/v1/members/${dan.id}`).set(auth(org.key))).status, 204);
    assert.equal(await meStatus(k), 401);
    assert.deepEqual(await store.db.selectFrom("api_keys").select("id").where("member_id", "=", dan.id).execute(), []);
  });

  it("the operator's CLI: key create --org --member prints that member's key (last line); refused for a deactivated member", async function () {
    this.timeout(120_000); // three CLI processes on a shared, busy machine
    const erin = await scimMember("erin", "member");
    const run = (...args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "src", "cli.ts"), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: store.url }, timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
    });
    const r = await run("key", "create", "--org", org.name, "--member", "ERIN", "--label", "from the operator");
    assert.equal(r.code, 0, r.stderr);
    const key = r.stdout.trimEnd().split("\n").at(-1)!;
    assert.match(key, KEY);
    const me = await http.get("/api/v1/me").set(auth(key));
    assert.equal(me.status, 200, me.text);
    assert.equal(me.body.member.userName, "erin");
    assert.equal(await scimStatus(key), 403, "a member's key, not the org's");
    const listed = await run("key", "list", "--org", org.name);
    assert.match(listed.stdout, /member erin \(from the operator\)/);
    assert.ok(!listed.stdout.includes(key));
    assert.equal((await setActive(erin.id, false)).status, 200);
    assert.equal(await meStatus(key), 401);
    const refused = await run("key", "create", "--org", org.name, "--member", "erin");
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /deactivated member cannot hold API keys/);
    assert.doesNotMatch(refused.stdout, /rc_/);
  });
});
