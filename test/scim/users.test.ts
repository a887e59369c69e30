import assert from "node:assert/strict";
import { auth, ERROR_URN, patch, SCIM, startTestApp, user, USER_URN, type TestApp } from "../support/app.ts";

describe("SCIM /Users", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });
  const h = () => auth(t.org.key);

  it("creates a user: 201, Location, ETag, meta.version, scim+json, case kept", async () => {
    const res = await t.http.post("/scim/v2/Users").set(h()).set("Content-Type", SCIM).send(user("Ada.Lovelace", { externalId: "ext-ada", title: "Countess" }));
    assert.equal(res.status, 201);
    assert.match(res.headers["content-type"], /^application\/scim\+json/);
    assert.equal(res.body.userName, "Ada.Lovelace");
    assert.equal(res.body.externalId, "ext-ada");
    assert.equal(res.body.title, "Countess");
    assert.equal(res.body.active, true);
    assert.match(res.body.id, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.location, res.body.meta.location);
    assert.match(res.headers.location, new RegExp(`/scim/v2/Users/${res.body.id}$`));
    assert.equal(res.headers.etag, res.body.meta.version);
    assert.equal(res.body.meta.resourceType, "User");
    assert.ok(res.body.schemas.includes(USER_URN));
    assert.equal(res.body.password, undefined);
  });

  it("refuses a second userName differing only in case with 409 uniqueness", async () => {
    const res = await t.http.post("/scim/v2/Users").set(h()).send(user("ADA.LOVELACE"));
    assert.equal(res.status, 409);
    assert.equal(res.body.scimType, "uniqueness");
    assert.equal(res.body.status, "409");
    assert.deepEqual(res.body.schemas, [ERROR_URN]);
  });

  it("accepts application/json requests and never stores a password", async () => {
    const res = await t.http.post("/scim/v2/Users").set(h()).set("Content-Type", "application/json").send(JSON.stringify(user("json.user", { password: "Secret123!" })));
    assert.equal(res.status, 201);
    const row = await t.store.db.selectFrom("members").select("resource").where("id", "=", res.body.id).executeTakeFirstOrThrow();
    assert.ok(!row.resource.includes("Secret123!"));
  });

  it("answers bad bodies with 400 and the right scimType, writing nothing", async () => {
    const before = await t.store.db.selectFrom("members").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
    const cases: [unknown, string][] = [
      [{ schemas: [USER_URN] }, "invalidValue"],
      [{ schemas: [USER_URN], userName: "" }, "invalidValue"],
      [{ schemas: [USER_URN], userName: 42 }, "invalidValue"],
      [{ schemas: [USER_URN], userName: "x1", active: "yes" }, "invalidValue"],
      [{ schemas: [USER_URN], userName: "x2", emails: "a@b.c" }, "invalidValue"],
      [{ schemas: [USER_URN], userName: "x3", name: "Bob" }, "invalidValue"],
      [{ schemas: ["urn:wrong"], userName: "x4" }, "invalidSyntax"],
      [[1, 2], "invalidSyntax"],
    ];
    for (const [body, scimType] of cases) {
      const res = await t.http.post("/scim/v2/Users").set(h()).send(body as object);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.scimType, scimType, JSON.stringify(body));
      assert.ok(res.body.detail.length > 5);
    }
    const bad = await t.http.post("/scim/v2/Users").set(h()).set("Content-Type", SCIM).send('{"userName": ');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, "invalidSyntax");
    const after = await t.store.db.selectFrom("members").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  it("answers a body over the limit with 413", async () => {
    const res = await t.http.post("/scim/v2/Users").set(h()).send(user("big", { title: "x".repeat(1024 * 1024 + 10) }));
    assert.equal(res.status, 413);
    assert.equal(res.body.status, "413");
  });

  it("answers an unsupported content type with 415", async () => {
    const res = await t.http.post("/scim/v2/Users").set(h()).set("Content-Type", "text/plain").send("userName=x");
    assert.equal(res.status, 415);
  });

  it("reads a user; If-None-Match gives 304; unknown id gives 404", async () => {
    const created = (await t.http.post("/scim/v2/Users").set(h()).send(user("reader"))).body;
    const res = await t.http.get(`/scim/v2/Users/${created.id}`).set(h());
    assert.equal(res.status, 200);
    assert.equal(res.body.userName, "reader");
    assert.deepEqual(res.body.emails, [{ value: "reader@example.com", type: "work", primary: true }]);
    const again = await t.http.get(`/scim/v2/Users/${created.id}`).set(h()).set("If-None-Match", res.headers.etag);
    assert.equal(again.status, 304);
    const missing = await t.http.get("/scim/v2/Users/00000000-0000-0000-0000-000000000000").set(h());
    assert.equal(missing.status, 404);
    assert.equal(missing.body.status, "404");
  });

  it("honours attributes and excludedAttributes on GET", async () => {
    const created = (await t.http.post("/scim/v2/Users").set(h()).send(user("projected", { title: "T" }))).body;
    const only = await t.http.get(`/scim/v2/Users/${created.id}?attributes=userName,name.givenName`).set(h());
    assert.deepEqual(Object.keys(only.body).sort(), ["id", "name", "schemas", "userName"]);
    assert.deepEqual(only.body.name, { givenName: "Given" });
    const without = await t.http.get(`/scim/v2/Users/${created.id}?excludedAttributes=emails,title`).set(h());
    assert.equal(without.body.emails, undefined);
    assert.equal(without.body.title, undefined);
    assert.equal(without.body.userName, "projected");
  });

  it("replaces with PUT, bumping the version; If-Match mismatch is 412 and changes nothing", async () => {
    const created = await t.http.post("/scim/v2/Users").set(h()).send(user("putter"));
    const v1 = created.headers.etag;
    const put = await t.http.put(`/scim/v2/Users/${created.body.id}`).set(h()).set("If-Match", v1).send(user("putter", { displayName: "Put Ter", id: created.body.id, meta: { resourceType: "User" } }));
    assert.equal(put.status, 200);
    assert.equal(put.body.displayName, "Put Ter");
    assert.notEqual(put.headers.etag, v1);
    const stale = await t.http.put(`/scim/v2/Users/${created.body.id}`).set(h()).set("If-Match", v1).send(user("putter", { displayName: "Stale" }));
    assert.equal(stale.status, 412);
    const now = await t.http.get(`/scim/v2/Users/${created.body.id}`).set(h());
    assert.equal(now.body.displayName, "Put Ter");
    const rename = await t.http.put(`/scim/v2/Users/${created.body.id}`).set(h()).send(user("ADA.lovelace"));
    assert.equal(rename.status, 409);
  });

  it("patches a user and returns 200 with the resource; a failing op applies nothing", async () => {
    const created = (await t.http.post("/scim/v2/Users").set(h()).send(user("patchy"))).body;
    const ok = await t.http.patch(`/scim/v2/Users/${created.id}`).set(h()).send(patch(
      { op: "replace", path: "displayName", value: "Patchy" },
      { op: "add", path: "emails", value: [{ value: "second@example.com", type: "home" }] },
    ));
    assert.equal(ok.status, 200);
    assert.equal(ok.body.displayName, "Patchy");
    assert.equal(ok.body.emails.length, 2);
    const bad = await t.http.patch(`/scim/v2/Users/${created.id}`).set(h()).send(patch(
      { op: "replace", path: "displayName", value: "Should Not Stick" },
      { op: "remove" },
    ));
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, "noTarget");
    const after = await t.http.get(`/scim/v2/Users/${created.id}`).set(h());
    assert.equal(after.body.displayName, "Patchy");
    const filtered = await t.http.get(`/scim/v2/Users?filter=${encodeURIComponent('emails.value eq "SECOND@example.com"')}`).set(h());
    assert.equal(filtered.body.totalResults, 1);
  });

  it("stores the enterprise extension and serves it back", async () => {
    const ent = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const res = await t.http.post("/scim/v2/Users").set(h()).send({ ...user("enterprise.user"), schemas: [USER_URN, ent], [ent]: { department: "R&D", employeeNumber: "42", manager: { value: "boss" } } });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body[ent], { department: "R&D", employeeNumber: "42", manager: { value: "boss" } });
    assert.ok(res.body.schemas.includes(ent));
  });

  it("DELETE removes the membership and its team memberships; the global user stays", async () => {
    const u = (await t.http.post("/scim/v2/Users").set(h()).send(user("leaver"))).body;
    const g = (await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Leavers", members: [{ value: u.id }] })).body;
    const member = await t.store.db.selectFrom("members").select("user_id").where("id", "=", u.id).executeTakeFirstOrThrow();
    assert.equal((await t.http.delete(`/scim/v2/Users/${u.id}`).set(h())).status, 204);
    assert.equal((await t.http.get(`/scim/v2/Users/${u.id}`).set(h())).status, 404);
    assert.equal((await t.http.delete(`/scim/v2/Users/${u.id}`).set(h())).status, 404);
    const group = await t.http.get(`/scim/v2/Groups/${g.id}`).set(h());
    assert.deepEqual(group.body.members, []);
    assert.ok(await t.store.db.selectFrom("users").select("id").where("id", "=", member.user_id).executeTakeFirst());
  });

  it("DELETE with a stale If-Match is 412", async () => {
    const u = await t.http.post("/scim/v2/Users").set(h()).send(user("keeper"));
    await t.http.patch(`/scim/v2/Users/${u.body.id}`).set(h()).send(patch({ op: "replace", path: "title", value: "x" }));
    const res = await t.http.delete(`/scim/v2/Users/${u.body.id}`).set(h()).set("If-Match", u.headers.etag);
    assert.equal(res.status, 412);
    assert.equal((await t.http.get(`/scim/v2/Users/${u.body.id}`).set(h())).status, 200);
  });
});
