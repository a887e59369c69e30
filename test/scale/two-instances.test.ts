/**
 * Two real server processes on one database, as behind a load balancer: PostgreSQL when
 * DATABASE_URL is postgres:// (the deployment this is about), otherwise one SQLite file in
 * WAL mode shared by both processes (never skipped). Both run with the same
 * ROLLCALL_BOOTSTRAP_KEY and NO ROLLCALL_CURSOR_SECRET: the cursor-signing secret is
 * generated once and stored in the database, so B accepts A's cursors. Also measures GET /Users/{id} throughput, one vs two instances
 * (printed; only correctness is asserted).
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import os from "node:os";
import { openDatabase, type Store } from "../../db/connect.ts";
import { hit } from "../../src/org/security/rate-limits.ts";
import {
  describeRequest, freshDatabase, GROUP_URN, killAll, PATCH_URN, PG, pool, request, startServer, USER_URN,
  type Reply, type ServerProcess, type TestDatabase,
} from "./process.ts";

const key = `two-instances-${crypto.randomBytes(12).toString("hex")}`;

describe(`two instances on one ${PG ? "PostgreSQL schema" : "SQLite file (WAL)"}`, function () {
  this.timeout(120_000);
  let database: TestDatabase;
  let store: Store;
  let a: ServerProcess;
  let b: ServerProcess;
  const agents = new Map<number, http.Agent>();
  const call = (s: ServerProcess, method: string, p: string, body?: unknown, headers?: Record<string, string>) => {
    let agent = agents.get(s.port);
    if (!agent) {
      agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      agents.set(s.port, agent);
    }
    return request(agent, s.port, key, method, p, body, headers);
  };
  const expectStatus = (r: Reply, status: number, what: string) => assert.equal(r.status, status, `${what}: ${describeRequest("", "", r)}`);
  const userIds: string[] = [];
  /** The error codes the servers logged (a 500's cause), for failure messages. */
  const serverErrors = () => [a, b].map((s, i) => {
    const codes = new Map<string, number>();
    for (const m of s.output().matchAll(/"code":"([A-Z0-9_]+)"/g)) codes.set(m[1]!, (codes.get(m[1]!) ?? 0) + 1);
    return `${i ? "B" : "A"} logged errors: ${[...codes].map(([c, n]) => `${c} ×${n}`).join(", ") || "none"}`;
  }).join("; ");

  before(async () => {
    database = await freshDatabase("two");
    const env = { DATABASE_URL: database.url, ROLLCALL_BOOTSTRAP_KEY: key };
    // A first, then B once A listens: the rolling start. Starting both at once on an empty
    // database is the test below, on a database of its own.
    a = await startServer(env);
    b = await startServer(env);
    store = database.open();
  });
  after(async () => {
    for (const ag of agents.values()) ag.destroy();
    const stops = [a, b].filter(Boolean).map((s) => s.stop());
    await Promise.all(stops);
    await killAll();
    await store?.close();
    await database?.drop();
  });

  it("the second start creates no second org; one key serves both instances", async () => {
    assert.match(a.output(), /created organization/);
    assert.doesNotMatch(b.output(), /created organization|applied migrations/, b.output());
    assert.equal((await store.db.selectFrom("orgs").select("id").execute()).length, 1);
    assert.equal((await store.db.selectFrom("api_keys").select("id").execute()).length, 1);
    for (const s of [a, b]) expectStatus(await call(s, "GET", "/scim/v2/Users"), 200, `GET /Users on :${s.port}`);
  });

  it("two instances starting at the same moment on an empty database: both listen, migrations run once, exactly one org", async () => {
    const empty = await freshDatabase("twostart");
    const env = { DATABASE_URL: empty.url, ROLLCALL_BOOTSTRAP_KEY: key };
    try {
      const started = await Promise.allSettled([startServer(env), startServer(env)]);
      const up = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
      try {
        assert.deepEqual(started.flatMap((s) => (s.status === "rejected" ? [String(s.reason)] : [])), [], "both instances start");
        assert.equal(up.filter((s) => /created organization/.test(s.output())).length, 1, up.map((s) => s.output()).join("\n---\n"));
        const check = empty.open();
        try {
          assert.equal((await check.db.selectFrom("orgs").select("id").execute()).length, 1);
          assert.equal((await check.db.selectFrom("api_keys").select("id").execute()).length, 1);
        } finally {
          await check.close();
        }
      } finally {
        await Promise.all(up.map((s) => s.stop()));
      }
    } finally {
      await empty.drop();
    }
  });

  let groupId = "";
  const userBody = (i: number) => ({ schemas: [USER_URN], userName: `user${i}@two.example`, emails: [{ value: `user${i}@two.example`, type: "work", primary: true }] });

  it("50 POST /Users, 8 in flight, spread over both instances → all 201", async () => {
    const creates = await pool(50, 8, (i) => call(i % 2 ? b : a, "POST", "/scim/v2/Users", userBody(i)).then((r) => ({ i, r })));
    const failed = creates.filter(({ r }) => r.status !== 201);
    for (const { i, r } of creates) userIds[i] = r.status === 201 ? r.json().id as string : "";
    assert.deepEqual(failed.map(({ i, r }) => `POST /Users user${i} on ${i % 2 ? "B" : "A"}: ${describeRequest("", "", r)}`), [], serverErrors());
  });

  it("50 concurrent PATCH add-member (one user each) to one group, spread over both instances → all 50 present", async () => {
    // Users the previous test failed to create are created here one at a time, so this runs on its own.
    for (let i = 0; i < 50; i++) {
      if (userIds[i]) continue;
      const r = await call(a, "POST", "/scim/v2/Users", userBody(i));
      expectStatus(r, 201, `POST /Users user${i} (one at a time)`);
      userIds[i] = r.json().id as string;
    }
    const group = await call(a, "POST", "/scim/v2/Groups", { schemas: [GROUP_URN], displayName: "Fifty" });
    expectStatus(group, 201, "POST /Groups");
    groupId = group.json().id as string;

    const adds = await Promise.all(userIds.map((id, i) => {
      const body = { schemas: [PATCH_URN], Operations: [{ op: "add", path: "members", value: [{ value: id }] }] };
      return call(i % 2 ? b : a, "PATCH", `/scim/v2/Groups/${groupId}`, body).then((r) => ({ i, r }));
    }));
    assert.deepEqual(adds.filter(({ r }) => r.status !== 204).map(({ i, r }) => `PATCH add user${i} on ${i % 2 ? "B" : "A"}: ${describeRequest("", "", r)}`), [], serverErrors());

    for (const s of [a, b]) {
      const got = await call(s, "GET", `/scim/v2/Groups/${groupId}`);
      expectStatus(got, 200, "GET /Groups/{id}");
      const members = (got.json().members as { value: string }[]).map((m) => m.value).sort();
      assert.deepEqual(members, [...userIds].sort(), `instance :${s.port} sees all 50 members`);
    }
    const rows = await store.db.selectFrom("team_members").select("member_id").where("team_id", "=", groupId).execute();
    assert.equal(rows.length, 50);
    // Every add moved the team's revision: 50 adds after creation at revision 1.
    const team = await store.db.selectFrom("teams").select("revision").where("id", "=", groupId).executeTakeFirstOrThrow();
    assert.equal(team.revision, 51);
  });

  it("concurrent PUTs of one user with the same If-Match on both instances → exactly one 200, the rest 412", async () => {
    const id = userIds[0]!;
    const got = await call(a, "GET", `/scim/v2/Users/${id}`);
    expectStatus(got, 200, "GET /Users/{id}");
    const etag = got.headers.etag!;
    assert.ok(etag, "GET sends an ETag");
    const userName = got.json().userName as string;
    const writers = 10;
    const puts = await Promise.all(Array.from({ length: writers }, (_, i) =>
      call(i % 2 ? b : a, "PUT", `/scim/v2/Users/${id}`, { schemas: [USER_URN], userName, displayName: `writer ${i}` }, { "if-match": etag })
        .then((r) => ({ i, r }))));
    const ok = puts.filter(({ r }) => r.status === 200);
    const refused = puts.filter(({ r }) => r.status === 412);
    assert.equal(ok.length, 1, `exactly one PUT wins: ${puts.map(({ i, r }) => `#${i} ${r.status}`).join(", ")}\n${puts.filter(({ r }) => r.status !== 200 && r.status !== 412).map(({ r }) => describeRequest("PUT", `/Users/${id}`, r)).join("\n")}`);
    assert.equal(refused.length, writers - 1);
    const winner = ok[0]!;
    for (const s of [a, b]) {
      const now = await call(s, "GET", `/scim/v2/Users/${id}`);
      assert.equal(now.json().displayName, `writer ${winner.i}`, "the stored user is the winner's");
      assert.equal(now.headers.etag, winner.r.headers.etag, "and its version is the one the winner was given");
    }
  });

  it("conditional PATCH against DELETE, and two identical conditional DELETEs, on both instances (20 trials each) → exactly one winner", async () => {
    const outcomes: string[] = [];
    for (let trial = 0; trial < 20; trial++) {
      for (const competitor of ["PATCH", "DELETE"] as const) {
        const created = await call(a, "POST", "/scim/v2/Users", { schemas: [USER_URN], userName: `cond.${competitor}.${trial}@two.example` });
        expectStatus(created, 201, "POST /Users");
        const url = `/scim/v2/Users/${created.json().id as string}`;
        const etag = created.headers.etag!;
        const [del, other] = await Promise.all([
          call(a, "DELETE", url, undefined, { "if-match": etag }),
          competitor === "PATCH"
            ? call(b, "PATCH", url, { schemas: [PATCH_URN], Operations: [{ op: "replace", path: "displayName", value: "patched" }] }, { "if-match": etag })
            : call(b, "DELETE", url, undefined, { "if-match": etag }),
        ]);
        const statuses = `${competitor} ${del.status}/${other.status}`;
        const wins = [del, other].filter((r) => r.status === 200 || r.status === 204).length;
        const losers = [del, other].filter((r) => r.status === 404 || r.status === 412).length;
        if (wins !== 1 || losers !== 1) outcomes.push(`${statuses}: ${describeRequest("", "", del)} | ${describeRequest("", "", other)}`);
        // A PATCH that won leaves the User; remove it, so the tests below see only their 50.
        if (competitor === "PATCH" && other.status === 200 && del.status !== 204) expectStatus(await call(a, "DELETE", url), 204, "DELETE the patched User");
      }
    }
    assert.deepEqual(outcomes, [], serverErrors());
  });

  it("adding a User to a Group on one instance while deleting it on the other (20 trials) → never a 5xx, no membership of a deleted User", async () => {
    const group = await call(a, "POST", "/scim/v2/Groups", { schemas: [GROUP_URN], displayName: "Vanishing" });
    expectStatus(group, 201, "POST /Groups");
    const groupUrl = `/scim/v2/Groups/${group.json().id as string}`;
    const wrong: string[] = [];
    for (let trial = 0; trial < 20; trial++) {
      const created = await call(a, "POST", "/scim/v2/Users", { schemas: [USER_URN], userName: `vanish.${trial}@two.example` });
      expectStatus(created, 201, "POST /Users");
      const id = created.json().id as string;
      const [add, del] = await Promise.all([
        call(trial % 2 ? a : b, "PATCH", groupUrl, { schemas: [PATCH_URN], Operations: [{ op: "add", path: "members", value: [{ value: id }] }] }),
        call(trial % 2 ? b : a, "DELETE", `/scim/v2/Users/${id}`),
      ]);
      // The add either ran first (204, then the delete removed the membership) or after (400: unknown id).
      if (del.status !== 204 || (add.status !== 204 && add.status !== 400)) wrong.push(`add ${add.status} / delete ${del.status}: ${describeRequest("", "", add)} | ${describeRequest("", "", del)}`);
    }
    assert.deepEqual(wrong, [], serverErrors());
    const got = await call(b, "GET", groupUrl);
    expectStatus(got, 200, "GET /Groups/{id}");
    assert.deepEqual(got.json().members ?? [], [], "every added User was deleted, and its membership with it");
    const orphans = await store.db.selectFrom("team_members as tm").leftJoin("members as m", "m.id", "tm.member_id").select("tm.member_id").where("m.id", "is", null).execute();
    assert.deepEqual(orphans, []);
  });

  it("an RFC 9865 cursor issued by instance A continues on instance B (the signing secret is shared through the database)", async () => {
    const walk = async (next: (page: number) => ServerProcess) => {
      const seen: string[] = [];
      let cursor = "";
      for (let page = 0; page < 20; page++) { // 50 users / 7 per page: 8 pages; bounded
        const p = `/scim/v2/Users?count=7&cursor=${encodeURIComponent(cursor)}&attributes=userName`;
        const r = await call(next(page), "GET", p);
        expectStatus(r, 200, `page ${page} on ${next(page) === a ? "A" : "B"}`);
        const body = r.json();
        seen.push(...(body.Resources as { id: string }[]).map((u) => u.id));
        if (!body.nextCursor) return seen;
        cursor = body.nextCursor as string;
      }
      throw new Error("cursor walk did not end within 20 pages");
    };
    const alternating = await walk((page) => (page % 2 ? b : a));
    const onlyA = await walk(() => a);
    assert.equal(alternating.length, 50);
    assert.deepEqual(alternating, onlyA, "A's cursors lead B to the same pages, and B's lead A");
    assert.deepEqual([...alternating].sort(), [...userIds].sort());
  });

  it("sign-in rate limits are shared: two hit() calls through two stores on the same database count together", async () => {
    const other = openDatabase(database.url, { pgPoolSize: 1 });
    try {
      const k = `signin:ip:${crypto.randomBytes(6).toString("hex")}`;
      assert.deepEqual(await hit(store.db, k, 2, 60), { ok: true });
      assert.deepEqual(await hit(other.db, k, 2, 60), { ok: true });
      const third = await hit(other.db, k, 2, 60);
      assert.equal(third.ok, false, "the third attempt within the window is refused, whichever store counts it");
      assert.equal((await hit(store.db, k, 2, 60)).ok, false);
    } finally {
      await other.close();
    }
  });

  it("throughput of GET /Users/{id}: one instance vs round-robin over two (printed, not asserted)", async () => {
    const total = 2_000;
    const concurrency = 8;
    const load = async (targets: ServerProcess[]) => {
      const agentsFor = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: concurrency }));
      const t0 = process.hrtime.bigint();
      const results = await pool(total, concurrency, (i) => {
        const t = i % targets.length;
        return request(agentsFor[t]!, targets[t]!.port, key, "GET", `/scim/v2/Users/${userIds[i % userIds.length]}`);
      });
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      for (const ag of agentsFor) ag.destroy();
      const bad = results.filter((r) => r.status !== 200);
      assert.deepEqual(bad.slice(0, 3).map((r) => describeRequest("GET", "/Users/{id}", r)), [], `${bad.length} of ${total} failed`);
      return total / seconds;
    };
    await load([a, b]); // warm-up: JIT and statement caches on both
    const one = await load([a]);
    const two = await load([a, b]);
    const line = `two-instances throughput (${PG ? "PostgreSQL" : "SQLite WAL"}; ${total} GET /Users/{id}, ${concurrency} connections; ` +
      `${os.cpus().length} × ${os.cpus()[0]?.model ?? "?"}, load generator in the test process): ` +
      `one instance ${one.toFixed(0)} req/s, two instances ${two.toFixed(0)} req/s, ratio ${(two / one).toFixed(2)}`;
    console.log(`      ${line}`);
  });
});
