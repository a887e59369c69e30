/**
 * Authentication (Bearer, and Basic with the key as password), authorization
 * (team-scoped keys, non-admin member keys) and tenant isolation between two
 * orgs on every SCIM resource endpoint.
 */
import crypto from "node:crypto";
import assert from "node:assert/strict";
import { createKey, revokeKey } from "../../src/org/security/keys.ts";
import { auth, ERROR_URN, GROUP_URN, patch, startTestApp, user, type TestApp, type TestOrg } from "../support/app.ts";

const SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const basic = (userName: string, password: string) => ({ Authorization: `Basic ${Buffer.from(`${userName}:${password}`).toString("base64")}` });

function assertScimError(res: { status: number; body: any; headers: Record<string, string> }, status: number): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers["content-type"], /^application\/scim\+json/);
  assert.deepEqual(res.body.schemas, [ERROR_URN]);
  assert.equal(res.body.status, String(status));
  assert.equal(typeof res.body.detail, "string");
}

describe("SCIM authentication and authorization", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it("accepts Authorization: Bearer KEY (scheme case-insensitive)", async () => {
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(t.org.key))).status, 200);
    assert.equal((await t.http.get("/scim/v2/Users").set("Authorization", `bearer ${t.org.key}`)).status, 200);
  });

  it("accepts Basic with an empty user name and the key as the password", async () => {
    const res = await t.http.get("/scim/v2/Users").set(basic("", t.org.key));
    assert.equal(res.status, 200);
    assert.equal((await t.http.post("/scim/v2/Users").set(basic("", t.org.key)).send(user("basic.user"))).status, 201);
    assertScimError(await t.http.get("/scim/v2/Users").set(basic("", "rc_wrong_wrong_wrong_wrong")), 401);
    assertScimError(await t.http.get("/scim/v2/Users").set("Authorization", `Basic ${Buffer.from(t.org.key).toString("base64")}`), 401);
  });

  it("answers a missing, malformed or unknown key with 401, a SCIM error body and WWW-Authenticate", async () => {
    const headers: (Record<string, string> | null)[] = [
      null,
      { Authorization: "" },
      { Authorization: "Bearer" },
      { Authorization: "Bearer rc_this_key_does_not_exist_at_all" },
      { Authorization: `Bearer ${t.org.key}x` },
      { Authorization: `Token ${t.org.key}` },
      { Authorization: "Basic !!!notbase64" },
      { Authorization: `Bearer ${"k".repeat(5000)}` },
    ];
    for (const h of headers) {
      const req = t.http.get("/scim/v2/Users");
      const res = await (h ? req.set(h) : req);
      assertScimError(res, 401);
      assert.match(res.headers["www-authenticate"] ?? "", /Bearer/, JSON.stringify(h));
      assert.match(res.headers["www-authenticate"] ?? "", /Basic/);
    }
  });

  it("requires a key on every resource endpoint and writes nothing without one", async () => {
    const id = crypto.randomUUID();
    const calls = [
      () => t.http.get("/scim/v2/Users"),
      () => t.http.get(`/scim/v2/Users/${id}`),
      () => t.http.post("/scim/v2/Users").send(user("sneaky")),
      () => t.http.post("/scim/v2/Users/.search").send({ schemas: [SEARCH_URN] }),
      () => t.http.put(`/scim/v2/Users/${id}`).send(user("sneaky")),
      () => t.http.patch(`/scim/v2/Users/${id}`).send(patch({ op: "replace", path: "active", value: false })),
      () => t.http.delete(`/scim/v2/Users/${id}`),
      () => t.http.get("/scim/v2/Groups"),
      () => t.http.get(`/scim/v2/Groups/${id}`),
      () => t.http.post("/scim/v2/Groups").send({ schemas: [GROUP_URN], displayName: "Sneaky" }),
      () => t.http.post("/scim/v2/Groups/.search").send({ schemas: [SEARCH_URN] }),
      () => t.http.put(`/scim/v2/Groups/${id}`).send({ schemas: [GROUP_URN], displayName: "Sneaky" }),
      () => t.http.patch(`/scim/v2/Groups/${id}`).send(patch({ op: "replace", path: "displayName", value: "x" })),
      () => t.http.delete(`/scim/v2/Groups/${id}`),
    ];
    for (const call of calls) {
      const res = await call();
      assertScimError(res, 401);
      assert.ok(res.headers["www-authenticate"]);
    }
    const users = await t.store.db.selectFrom("members").select("id").where("user_name_key", "=", "sneaky").execute();
    const teams = await t.store.db.selectFrom("teams").select("id").where("name_key", "=", "sneaky").execute();
    assert.equal(users.length + teams.length, 0);
  });

  it("refuses a revoked key with 401", async () => {
    const sa = await t.store.db.selectFrom("service_accounts").select("id").where("org_id", "=", t.org.id).executeTakeFirstOrThrow();
    const k = await createKey(t.store.db, { orgId: t.org.id, serviceAccountId: sa.id, label: "to revoke" });
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(k.key))).status, 200);
    await revokeKey(t.store.db, k.id, t.org.id);
    const res = await t.http.get("/scim/v2/Users").set(auth(k.key));
    assertScimError(res, 401);
    assert.ok(res.headers["www-authenticate"]);
    assertScimError(await t.http.get("/scim/v2/Users").set(basic("", k.key)), 401);
  });

  it("refuses a team-scoped service account's key with 403", async () => {
    const g = await t.http.post("/scim/v2/Groups").set(auth(t.org.key)).send({ schemas: [GROUP_URN], displayName: "Scoped" });
    assert.equal(g.status, 201);
    const saId = crypto.randomUUID();
    await t.store.db.insertInto("service_accounts").values({ id: saId, org_id: t.org.id, team_id: g.body.id, name: "team bot", created_at: new Date().toISOString() }).execute();
    const k = await createKey(t.store.db, { orgId: t.org.id, serviceAccountId: saId });
    for (const res of [
      await t.http.get("/scim/v2/Users").set(auth(k.key)),
      await t.http.get(`/scim/v2/Groups/${g.body.id}`).set(auth(k.key)),
      await t.http.post("/scim/v2/Users").set(auth(k.key)).send(user("teambot.made")),
    ]) assertScimError(res, 403);
    const made = await t.store.db.selectFrom("members").select("id").where("user_name_key", "=", "teambot.made").execute();
    assert.equal(made.length, 0);
  });

  it("a member's own key works only while the member is an active org admin", async () => {
    const u = await t.http.post("/scim/v2/Users").set(auth(t.org.key)).send(user("key.holder"));
    assert.equal(u.status, 201);
    const k = await createKey(t.store.db, { orgId: t.org.id, memberId: u.body.id });
    assertScimError(await t.http.get("/scim/v2/Users").set(auth(k.key)), 403);
    await t.store.db.updateTable("members").set({ org_role: "admin" }).where("id", "=", u.body.id).execute();
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(k.key))).status, 200);
    await t.store.db.updateTable("members").set({ active: 0 }).where("id", "=", u.body.id).execute();
    // an inactive member's key is no credential at all (deactivation through a door also revokes it)
    assertScimError(await t.http.get("/scim/v2/Users").set(auth(k.key)), 401);
  });
});

describe("SCIM tenant isolation", () => {
  let t: TestApp;
  let a: TestOrg;
  let b: TestOrg;
  let aUser: any;
  let aGroup: any;
  let bGroup: any;
  const A = () => auth(a.key);
  const B = () => auth(b.key);

  before(async () => {
    t = await startTestApp();
    a = t.org;
    b = await t.newOrg();
    aUser = (await t.http.post("/scim/v2/Users").set(A()).send(user("Shared.Name", { externalId: "ext-shared", displayName: "Only In A" }))).body;
    assert.ok(aUser.id);
    aGroup = (await t.http.post("/scim/v2/Groups").set(A()).send({ schemas: [GROUP_URN], displayName: "Team A", members: [{ value: aUser.id }] })).body;
    assert.ok(aGroup.id);
    bGroup = (await t.http.post("/scim/v2/Groups").set(B()).send({ schemas: [GROUP_URN], displayName: "Team B" })).body;
    assert.ok(bGroup.id);
  });
  after(async () => { await t.close(); });

  /** A's user and group exactly as A sees them. */
  async function snapshot() {
    const u = await t.http.get(`/scim/v2/Users/${aUser.id}`).set(A());
    const g = await t.http.get(`/scim/v2/Groups/${aGroup.id}`).set(A());
    assert.equal(u.status, 200);
    assert.equal(g.status, 200);
    // supertest serves each request on a new port, so links are compared without the host
    return JSON.parse(JSON.stringify({ user: u.body, group: g.body }).replace(/https?:\/\/[^/"]+\/scim/g, "/scim"));
  }

  it("org B cannot read A's user or group by id", async () => {
    assertScimError(await t.http.get(`/scim/v2/Users/${aUser.id}`).set(B()), 404);
    assertScimError(await t.http.get(`/scim/v2/Groups/${aGroup.id}`).set(B()), 404);
    // the same requests with A's key succeed, so the 404 is about the org
    assert.equal((await t.http.get(`/scim/v2/Users/${aUser.id}`).set(A())).status, 200);
  });

  it("org B's lists, filters and searches never show A's resources", async () => {
    const userFilters = [
      'userName eq "shared.name"',
      `id eq "${aUser.id}"`,
      'externalId eq "ext-shared"',
      'emails.value eq "shared.name@example.com"',
      'displayName eq "Only In A"',
    ];
    for (const filter of userFilters) {
      const mine = await t.http.get("/scim/v2/Users").query({ filter }).set(A());
      assert.equal(mine.body.totalResults, 1, `A sees its own user: ${filter}`);
      const get = await t.http.get("/scim/v2/Users").query({ filter }).set(B());
      assert.equal(get.status, 200);
      assert.equal(get.body.totalResults, 0, filter);
      assert.deepEqual(get.body.Resources, []);
      const post = await t.http.post("/scim/v2/Users/.search").set(B()).send({ schemas: [SEARCH_URN], filter });
      assert.equal(post.body.totalResults, 0, filter);
      const cursor = await t.http.get("/scim/v2/Users").query({ filter, cursor: "" }).set(B());
      assert.equal(cursor.body.totalResults, 0, filter);
    }
    for (const filter of ['displayName eq "Team A"', `members.value eq "${aUser.id}"`, `id eq "${aGroup.id}"`]) {
      assert.equal((await t.http.get("/scim/v2/Groups").query({ filter }).set(A())).body.totalResults, 1, filter);
      assert.equal((await t.http.get("/scim/v2/Groups").query({ filter }).set(B())).body.totalResults, 0, filter);
      assert.equal((await t.http.post("/scim/v2/Groups/.search").set(B()).send({ schemas: [SEARCH_URN], filter })).body.totalResults, 0, filter);
    }
    const allB = await t.http.get("/scim/v2/Users?count=1000").set(B());
    assert.ok(!allB.body.Resources.some((r: any) => r.id === aUser.id));
    const groupsB = await t.http.get("/scim/v2/Groups?count=1000").set(B());
    assert.deepEqual(groupsB.body.Resources.map((g: any) => g.id), [bGroup.id]);
    assert.equal(groupsB.body.totalResults, 1);
  });

  it("org B cannot PUT, PATCH or DELETE A's user or group (404), and A's data is unchanged", async () => {
    const before = await snapshot();
    const attempts = [
      () => t.http.put(`/scim/v2/Users/${aUser.id}`).set(B()).send(user("hijacked")),
      () => t.http.patch(`/scim/v2/Users/${aUser.id}`).set(B()).send(patch({ op: "replace", path: "active", value: false })),
      () => t.http.patch(`/scim/v2/Users/${aUser.id}`).set(B()).set("If-Match", before.user.meta.version).send(patch({ op: "replace", value: { displayName: "Hijacked" } })),
      () => t.http.delete(`/scim/v2/Users/${aUser.id}`).set(B()),
      () => t.http.put(`/scim/v2/Groups/${aGroup.id}`).set(B()).send({ schemas: [GROUP_URN], displayName: "Hijacked", members: [] }),
      () => t.http.patch(`/scim/v2/Groups/${aGroup.id}`).set(B()).send(patch({ op: "remove", path: "members" })),
      () => t.http.patch(`/scim/v2/Groups/${aGroup.id}`).set(B()).send(patch({ op: "replace", path: "displayName", value: "Hijacked" })),
      () => t.http.delete(`/scim/v2/Groups/${aGroup.id}`).set(B()),
    ];
    for (const attempt of attempts) assertScimError(await attempt(), 404);
    const after = await snapshot();
    assert.deepEqual(after, before);
    assert.equal(after.user.active, true);
    assert.deepEqual(after.group.members.map((m: any) => m.value), [aUser.id]);
  });

  it("org B cannot make A's user a member of B's group (400 invalidValue), by POST, PUT or PATCH", async () => {
    const before = await snapshot();
    const create = await t.http.post("/scim/v2/Groups").set(B()).send({ schemas: [GROUP_URN], displayName: "Poacher", members: [{ value: aUser.id }] });
    assertScimError(create, 400);
    assert.equal(create.body.scimType, "invalidValue");
    assert.equal((await t.http.get("/scim/v2/Groups").query({ filter: 'displayName eq "Poacher"' }).set(B())).body.totalResults, 0);
    const add = await t.http.patch(`/scim/v2/Groups/${bGroup.id}`).set(B()).send(patch({ op: "add", path: "members", value: [{ value: aUser.id }] }));
    assertScimError(add, 400);
    assert.equal(add.body.scimType, "invalidValue");
    const put = await t.http.put(`/scim/v2/Groups/${bGroup.id}`).set(B()).send({ schemas: [GROUP_URN], displayName: "Team B", members: [{ value: aUser.id }] });
    assertScimError(put, 400);
    assert.equal(put.body.scimType, "invalidValue");
    const rows = await t.store.db.selectFrom("team_members").select("team_id").where("member_id", "=", aUser.id).execute();
    assert.deepEqual(rows.map((r) => r.team_id), [aGroup.id]);
    const g = await t.http.get(`/scim/v2/Groups/${bGroup.id}`).set(B());
    assert.deepEqual(g.body.members ?? [], []);
    assert.deepEqual(await snapshot(), before);
  });

  it("userName uniqueness is per org: B may create the same userName, and each org sees only its own", async () => {
    const dup = await t.http.post("/scim/v2/Users").set(B()).send(user("shared.NAME"));
    assert.equal(dup.status, 201, JSON.stringify(dup.body));
    assert.notEqual(dup.body.id, aUser.id);
    const again = await t.http.post("/scim/v2/Users").set(B()).send(user("Shared.Name"));
    assertScimError(again, 409);
    assert.equal(again.body.scimType, "uniqueness");
    for (const [key, id] of [[A(), aUser.id], [B(), dup.body.id]] as const) {
      const res = await t.http.get("/scim/v2/Users").query({ filter: 'userName eq "shared.name"' }).set(key);
      assert.equal(res.body.totalResults, 1);
      assert.equal(res.body.Resources[0].id, id);
    }
    // B's group names may equal A's too
    assert.equal((await t.http.post("/scim/v2/Groups").set(B()).send({ schemas: [GROUP_URN], displayName: "team a" })).status, 201);
    // and B deleting its own same-named user leaves A's alone
    assert.equal((await t.http.delete(`/scim/v2/Users/${dup.body.id}`).set(B())).status, 204);
    assert.equal((await t.http.get(`/scim/v2/Users/${aUser.id}`).set(A())).status, 200);
  });
});
