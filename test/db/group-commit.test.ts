/**
 * Group commit (db/group-commit.ts): on SQLite, concurrent transactions share one COMMIT,
 * each under its own savepoint, and none is answered before that COMMIT. PostgreSQL keeps
 * one transaction per request. Driven through the SCIM create operation (what POST /Users
 * and /Bulk run) and over HTTP.
 */
import assert from "node:assert/strict";
import SQLite from "better-sqlite3";
import { setBeforeGroupCommit } from "../../db/group-commit.ts";
import { principalForKey } from "../../src/org/access/authenticate.ts";
import type { ScimContext } from "../../src/scim/context.ts";
import { createUserOp } from "../../src/scim/users/operations.ts";
import { auth, SCIM, startTestApp, user, type TestApp } from "../support/app.ts";

const sqlite = !process.env.DATABASE_URL?.startsWith("postgres");

describe(`group commit (${sqlite ? "SQLite" : "PostgreSQL"})`, () => {
  let t: TestApp;
  let ctx: ScimContext;
  let commits: number[];

  beforeEach(async () => {
    t = await startTestApp();
    const principal = (await principalForKey(t.store.db, t.org.key))!;
    ctx = { store: t.store, config: t.config, principal, orgId: t.org.id, actor: { door: "scim", id: `key:${principal.keyId}` }, baseUrl: "http://localhost/scim/v2" };
    commits = [];
    setBeforeGroupCommit((members) => { commits.push(members); });
  });
  afterEach(async () => {
    setBeforeGroupCommit(null);
    await t.close();
  });

  const userNames = async () => (await t.store.db.selectFrom("members").select("user_name").where("org_id", "=", t.org.id).orderBy("user_name").execute()).map((m) => m.user_name);
  /** What another connection sees: only committed rows (SQLite: a second connection on the file). */
  const committedUserNames = (): string[] => {
    const other = new SQLite(t.store.url.slice("sqlite:".length), { readonly: true });
    try { return (other.prepare("select user_name from members where org_id = ? order by user_name").all(t.org.id) as { user_name: string }[]).map((r) => r.user_name); }
    finally { other.close(); }
  };

  it(sqlite ? "two concurrent creates share one COMMIT and are answered only after it" : "two concurrent creates commit on their own (no group commit on PostgreSQL)", async () => {
    let release!: () => void;
    const released = new Promise<void>((r) => { release = r; });
    let reached!: () => void;
    const atCommit = new Promise<void>((r) => { reached = r; });
    setBeforeGroupCommit(async (members) => { commits.push(members); reached(); await released; });
    let answered = 0;
    const a = createUserOp(ctx, user("ada"), { view: null }).then((r) => { answered++; return r; });
    const b = createUserOp(ctx, user("grace"), { view: null }).then((r) => { answered++; return r; });
    if (sqlite) {
      await atCommit;
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(answered, 0, "no create is answered before the COMMIT");
      assert.deepEqual(committedUserNames(), [], "nothing is visible to another connection before the COMMIT");
      assert.deepEqual(commits, [2], "one COMMIT for both transactions");
    }
    release();
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.status, 201);
    assert.equal(rb.status, 201);
    assert.deepEqual(await userNames(), ["ada", "grace"]);
    if (sqlite) assert.deepEqual(committedUserNames(), ["ada", "grace"]);
    else assert.deepEqual(commits, [], "PostgreSQL commits each transaction itself");
  });

  it("a create that fails in the shared transaction undoes only itself", async () => {
    await createUserOp(ctx, user("grace"), { view: null });
    commits = [];
    const results = await Promise.allSettled([
      createUserOp(ctx, user("ada"), { view: null }),
      createUserOp(ctx, user("Grace", { externalId: "dup" }), { view: null }),
      createUserOp(ctx, user("linus"), { view: null }),
    ]);
    assert.equal(results[0].status, "fulfilled");
    assert.equal(results[2].status, "fulfilled");
    assert.equal(results[1].status, "rejected");
    assert.match(String((results[1] as PromiseRejectedResult).reason.message), /already exists/);
    if (sqlite) assert.deepEqual(commits, [2], "one COMMIT of the two kept; the failed one's savepoint was rolled back inside it");
    assert.deepEqual(await userNames(), ["ada", "grace", "linus"]);
    const created = await t.store.db.selectFrom("audit_events").select("action").where("org_id", "=", t.org.id).where("action", "=", "member.create").execute();
    assert.equal(created.length, 3, "no audit event of the refused create");
    const dup = await t.store.db.selectFrom("members").select("external_id").where("org_id", "=", t.org.id).where("user_name", "=", "grace").executeTakeFirstOrThrow();
    assert.equal(dup.external_id, null, "the existing member is untouched");
  });

  if (sqlite) {
    it("a COMMIT that fails (a crash before it) answers neither create with success and keeps neither", async () => {
      setBeforeGroupCommit((members) => { commits.push(members); throw new Error("disk I/O error (simulated)"); });
      const results = await Promise.allSettled([createUserOp(ctx, user("ada"), { view: null }), createUserOp(ctx, user("grace"), { view: null })]);
      assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected"]);
      assert.deepEqual(commits, [2]);
      setBeforeGroupCommit(null);
      assert.deepEqual(await userNames(), []);
      assert.deepEqual(committedUserNames(), []);
      const audit = await t.store.db.selectFrom("audit_events").select("id").where("org_id", "=", t.org.id).execute();
      assert.equal(audit.length, 0, "no audit event of a change not made");
      // The database is usable again: the next create commits.
      assert.equal((await createUserOp(ctx, user("ada"), { view: null })).status, 201);
      assert.deepEqual(committedUserNames(), ["ada"]);
    });
  }

  it("concurrent POSTs and GETs over HTTP: every create answered 201 once, a duplicate 409, reads see committed users", async () => {
    const first = await t.http.post("/scim/v2/Users").set(auth(t.org.key)).set("Content-Type", SCIM).send(user("first"));
    assert.equal(first.status, 201);
    const posts = Array.from({ length: 8 }, (_, i) => t.http.post("/scim/v2/Users").set(auth(t.org.key)).set("Content-Type", SCIM).send(user(i === 3 ? "FIRST" : `u${i}`)));
    const gets = Array.from({ length: 4 }, () => t.http.get(`/scim/v2/Users/${first.body.id}`).set(auth(t.org.key)));
    const [p, g] = await Promise.all([Promise.all(posts), Promise.all(gets)]);
    assert.deepEqual(p.map((r) => r.status), [201, 201, 201, 409, 201, 201, 201, 201]);
    for (const r of g) { assert.equal(r.status, 200); assert.equal(r.body.userName, "first"); }
    const names = await userNames();
    assert.deepEqual(names, ["first", "u0", "u1", "u2", "u4", "u5", "u6", "u7"]);
    if (sqlite) assert.deepEqual(committedUserNames(), names);
  }).timeout(20_000);
});
