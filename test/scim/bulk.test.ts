/**
 * POST /Bulk (RFC 7644 §3.7) over HTTP on the real database: bulkId references,
 * per-operation atomicity, failOnErrors, the advertised limits, tenant isolation.
 */
import assert from "node:assert/strict";
import { auth, ERROR_URN, GROUP_URN, patch, startTestApp, user, type TestApp } from "../support/app.ts";

const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

const bulk = (Operations: unknown[], extra: Record<string, unknown> = {}) => ({ schemas: [BULK_REQUEST], Operations, ...extra });
const group = (displayName: string, members: string[] = []) => ({ schemas: [GROUP_URN], displayName, members: members.map((value) => ({ value })) });
const postUser = (bulkId: string, userName = bulkId) => ({ method: "POST", path: "/Users", bulkId, data: user(userName) });
const idOf = (location: string) => location.split("/").pop()!;

describe("SCIM /Bulk", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });
  const h = () => auth(t.org.key);
  const send = (body: unknown, key = t.org.key) => t.http.post("/scim/v2/Bulk").set(auth(key)).send(body as object);
  const countUsers = async (userName: string) =>
    (await t.http.get(`/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`).set(h())).body.totalResults;
  const countGroups = async (displayName: string) =>
    (await t.http.get(`/scim/v2/Groups?filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`).set(h())).body.totalResults;
  const memberIds = async (groupId: string) => ((await t.http.get(`/scim/v2/Groups/${groupId}`).set(h())).body.members ?? []).map((m: any) => m.value).sort();

  it("creates users and a group whose members reference them by bulkId, in one request", async () => {
    const res = await send(bulk([
      postUser("u1", "bulk-ada"),
      postUser("u2", "bulk-grace"),
      { method: "POST", path: "/Groups", bulkId: "g1", data: group("Bulk Team", ["bulkId:u1", "bulkId:u2"]) },
    ]));
    assert.equal(res.status, 200);
    assert.match(res.headers["content-type"], /^application\/scim\+json/);
    assert.deepEqual(res.body.schemas, [BULK_RESPONSE]);
    const [u1, u2, g1] = res.body.Operations;
    assert.equal(res.body.Operations.length, 3);
    for (const [op, bulkId, type] of [[u1, "u1", "Users"], [u2, "u2", "Users"], [g1, "g1", "Groups"]] as const) {
      assert.equal(op.method, "POST");
      assert.equal(op.bulkId, bulkId);
      assert.equal(op.status, "201", JSON.stringify(op));
      assert.equal(op.version, 'W/"1"');
      assert.match(op.location, new RegExp(`/scim/v2/${type}/[0-9a-f-]{36}$`));
      assert.equal(op.response, undefined);
    }
    assert.deepEqual(await memberIds(idOf(g1.location)), [idOf(u1.location), idOf(u2.location)].sort());
    const ada = await t.http.get(`/scim/v2/Users/${idOf(u1.location)}`).set(h());
    assert.equal(ada.body.userName, "bulk-ada");
    assert.deepEqual(ada.body.groups.map((g: any) => g.display), ["Bulk Team"]);
  });

  it("runs a referenced POST first when it comes later in the request, and reports in request order", async () => {
    const res = await send(bulk([
      { method: "POST", path: "/Groups", bulkId: "fg", data: group("Forward Team", ["bulkId:fu"]) },
      postUser("fu", "bulk-forward"),
    ]));
    assert.equal(res.status, 200);
    const [g, u] = res.body.Operations;
    assert.equal(g.bulkId, "fg");
    assert.equal(g.status, "201", JSON.stringify(g));
    assert.equal(u.bulkId, "fu");
    assert.equal(u.status, "201");
    assert.deepEqual(await memberIds(idOf(g.location)), [idOf(u.location)]);
  });

  it("PATCH, PUT and DELETE take a bulkId path to a resource created earlier in the request; version is If-Match", async () => {
    const res = await send(bulk([
      postUser("p1", "bulk-patched"),
      { method: "PATCH", path: "/Users/bulkId:p1", version: 'W/"1"', data: patch({ op: "replace", path: "displayName", value: "Patched By Bulk" }) },
      { method: "POST", path: "/Groups", bulkId: "pg", data: group("Put Team") },
      { method: "PUT", path: "/Groups/bulkId:pg", data: group("Put Team Renamed", ["bulkId:p1"]) },
      { method: "PATCH", path: "/Groups/bulkId:pg", data: patch({ op: "replace", path: "displayName", value: "Patched Team" }) },
      postUser("d1", "bulk-deleted"),
      { method: "DELETE", path: "/Users/bulkId:d1" },
    ]));
    assert.equal(res.status, 200);
    const ops = res.body.Operations;
    assert.deepEqual(ops.map((o: any) => o.status), ["201", "200", "201", "200", "204", "201", "204"], JSON.stringify(ops));
    assert.equal(ops[1].location, ops[0].location);
    assert.equal(ops[1].version, 'W/"2"');
    assert.equal(ops[3].location, ops[2].location);
    assert.equal(ops[6].location, ops[5].location, "a DELETE reports the location it removed");
    assert.equal(ops[6].version, undefined);
    const u = await t.http.get(`/scim/v2/Users/${idOf(ops[0].location)}`).set(h());
    assert.equal(u.body.displayName, "Patched By Bulk");
    const g = await t.http.get(`/scim/v2/Groups/${idOf(ops[2].location)}`).set(h());
    assert.equal(g.body.displayName, "Patched Team");
    assert.deepEqual(g.body.members.map((m: any) => m.value), [idOf(ops[0].location)]);
    assert.equal((await t.http.get(`/scim/v2/Users/${idOf(ops[5].location)}`).set(h())).status, 404);
  });

  it("a stale version fails that operation with 412 and changes nothing", async () => {
    const created = await t.http.post("/scim/v2/Users").set(h()).send(user("bulk-versioned"));
    const res = await send(bulk([
      { method: "PATCH", path: `/Users/${created.body.id}`, version: 'W/"7"', data: patch({ op: "replace", path: "displayName", value: "Stale" }) },
    ]));
    assert.equal(res.body.Operations[0].status, "412");
    assert.match(res.body.Operations[0].location, new RegExp(`/Users/${created.body.id}$`));
    assert.equal((await t.http.get(`/scim/v2/Users/${created.body.id}`).set(h())).body.displayName, undefined);
  });

  it("each operation is atomic on its own: a failing one writes nothing, the others are applied", async () => {
    const before = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Atomic Bulk"))).body;
    const res = await send(bulk([
      postUser("a1", "bulk-atomic"),
      // the user exists by then, the second member does not: no group, no membership
      { method: "POST", path: "/Groups", bulkId: "ag", data: group("Half Written", ["bulkId:a1", "no-such-user"]) },
      // the rename is valid, the member is not: the whole PATCH is refused
      { method: "PATCH", path: `/Groups/${before.id}`, data: patch(
        { op: "replace", path: "displayName", value: "Atomic Bulk Renamed" },
        { op: "add", path: "members", value: [{ value: "bulkId:a1" }, { value: "missing-user" }] },
      ) },
      postUser("a2", "bulk-atomic-after"),
    ]));
    assert.equal(res.status, 200);
    const ops = res.body.Operations;
    assert.deepEqual(ops.map((o: any) => o.status), ["201", "400", "400", "201"], JSON.stringify(ops));
    for (const failed of [ops[1], ops[2]]) {
      assert.deepEqual(failed.response.schemas, [ERROR_URN]);
      assert.equal(failed.response.status, "400");
      assert.equal(failed.response.scimType, "invalidValue");
      assert.match(failed.response.detail, /missing-user|no-such-user/);
    }
    assert.equal(ops[1].location, undefined, "a failed POST has no location");
    assert.equal(await countGroups("Half Written"), 0);
    const now = await t.http.get(`/scim/v2/Groups/${before.id}`).set(h());
    assert.equal(now.body.displayName, "Atomic Bulk");
    assert.deepEqual(now.body.members ?? [], []);
    assert.equal(await countUsers("bulk-atomic"), 1);
    assert.equal(await countUsers("bulk-atomic-after"), 1);
  });

  it("failOnErrors=1 stops after the first error: later operations are neither run nor reported", async () => {
    await t.http.post("/scim/v2/Users").set(h()).send(user("bulk-taken")).expect(201);
    const res = await send(bulk([
      postUser("f1", "bulk-first"),
      postUser("f2", "BULK-TAKEN"),
      postUser("f3", "bulk-never"),
    ], { failOnErrors: 1 }));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.Operations.map((o: any) => [o.bulkId, o.status]), [["f1", "201"], ["f2", "409"]]);
    assert.equal(res.body.Operations[1].response.scimType, "uniqueness");
    assert.equal(await countUsers("bulk-first"), 1);
    assert.equal(await countUsers("bulk-never"), 0);
  });

  it("without failOnErrors, every operation runs despite errors", async () => {
    const res = await send(bulk([postUser("c1", "bulk-taken"), postUser("c2", "bulk-continued")]));
    assert.deepEqual(res.body.Operations.map((o: any) => o.status), ["409", "201"]);
    const stopAtTwo = await send(bulk([postUser("c3", "bulk-taken"), postUser("c4", "bulk-taken"), postUser("c5", "bulk-stop-two")], { failOnErrors: 2 }));
    assert.deepEqual(stopAtTwo.body.Operations.map((o: any) => o.status), ["409", "409"]);
    assert.equal(await countUsers("bulk-stop-two"), 0);
  });

  it("an unresolvable, failed or circular bulkId reference fails that operation with 409", async () => {
    const existing = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Existing"))).body;
    const res = await send(bulk([
      { method: "PATCH", path: "/Users/bulkId:nobody", data: patch({ op: "replace", path: "displayName", value: "x" }) },
      postUser("bad", "bulk-taken"), // fails (409 uniqueness)...
      { method: "POST", path: "/Groups", bulkId: "needsBad", data: group("Needs Bad", ["bulkId:bad"]) }, // ...so this cannot resolve it
      { method: "POST", path: "/Groups", bulkId: "ga", data: group("Cycle A", ["bulkId:gb"]) },
      { method: "POST", path: "/Groups", bulkId: "gb", data: group("Cycle B", ["bulkId:ga"]) },
      { method: "POST", path: "/Groups", bulkId: "self", data: group("Self", ["bulkId:self"]) },
      { method: "PATCH", path: "/Users/bulkId:ok", data: patch({ op: "replace", path: "displayName", value: "x" }) },
      { method: "POST", path: "/Groups", bulkId: "ok", data: group("Not A User") },
      { method: "PUT", path: `/Groups/${existing.id}`, data: group("Existing", ["bulkId:nobody"]) },
    ]));
    assert.equal(res.status, 200);
    const ops = res.body.Operations;
    assert.deepEqual(ops.map((o: any) => o.status), ["409", "409", "409", "409", "409", "409", "409", "201", "409"], JSON.stringify(ops));
    assert.match(ops[8].location, new RegExp(`/scim/v2/Groups/${existing.id}$`), "a failed PUT still reports where it was aimed");
    assert.equal(ops[0].location, undefined, "an unresolved path has no location");
    assert.match(ops[0].response.detail, /bulkId:nobody/);
    assert.equal(ops[0].response.scimType, "invalidValue");
    assert.equal(ops[1].response.scimType, "uniqueness");
    assert.match(ops[2].response.detail, /bulkId:bad.*failed/);
    assert.ok([ops[3], ops[4]].some((o) => /circular/.test(o.response.detail)), JSON.stringify(ops.slice(3, 5)));
    assert.match(ops[5].response.detail, /circular/);
    assert.match(ops[6].response.detail, /is a Group, not a User/);
    for (const name of ["Needs Bad", "Cycle A", "Cycle B", "Self"]) assert.equal(await countGroups(name), 0, name);
  });

  it("an unsupported method or path fails only that operation (400)", async () => {
    const res = await send(bulk([
      { method: "GET", path: "/Users" },
      { method: "POST", path: "/Roles", bulkId: "r1", data: { name: "x" } },
      { method: "POST", path: "/Users/abc", bulkId: "x1", data: user("bulk-x1") },
      { method: "PATCH", path: "/Users" , data: patch({ op: "replace", path: "displayName", value: "x" }) },
      { method: "POST", path: "/Users", data: user("bulk-no-bulkid") },
      { method: "PUT", path: "/Groups/some-id" },
      { method: "post", path: "/Users", bulkId: "lower", data: user("bulk-lower-case-method") },
    ]));
    assert.equal(res.status, 200);
    const ops = res.body.Operations;
    assert.deepEqual(ops.map((o: any) => [o.status, o.response?.scimType]), [
      ["400", "invalidSyntax"], ["400", "invalidPath"], ["400", "invalidPath"], ["400", "invalidPath"],
      ["400", "invalidValue"], ["400", "invalidSyntax"], ["201", undefined],
    ], JSON.stringify(ops));
    assert.match(ops[0].response.detail, /method must be one of POST, PUT, PATCH, DELETE/);
    assert.match(ops[1].response.detail, /\/Roles/);
    assert.equal(await countUsers("bulk-x1"), 0);
    assert.equal(await countUsers("bulk-no-bulkid"), 0);
  });

  it("refuses a body that is not a bulk request with 400 invalidSyntax, running nothing", async () => {
    const cases: [unknown, RegExp][] = [
      [[postUser("z1", "bulk-z1")], /JSON object/],
      [{ schemas: [BULK_REQUEST] }, /"Operations" must be an array/],
      [{ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [postUser("z1", "bulk-z1")] }, /schemas/],
      [bulk([postUser("z1", "bulk-z1")], { failOnErrors: 0 }), /failOnErrors/],
      [bulk([postUser("z1", "bulk-z1")], { failOnErrors: "1" }), /failOnErrors/],
      [bulk([postUser("z1", "bulk-z1"), postUser("z1", "bulk-z2")]), /bulkId "z1".*unique/],
      [bulk([postUser("z1", "bulk-z1"), "DELETE /Users/x"]), /Operations\[1\] must be an object/],
      [bulk([{ ...postUser("z1", "bulk-z1"), bulkId: 7 }]), /bulkId must be a non-empty string/],
    ];
    for (const [body, detail] of cases) {
      const res = await send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(res.body.schemas, [ERROR_URN]);
      assert.equal(res.body.scimType, "invalidSyntax");
      assert.match(res.body.detail, detail);
    }
    assert.equal(await countUsers("bulk-z1"), 0);
    const empty = await send(bulk([]));
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, { schemas: [BULK_RESPONSE], Operations: [] });
  });

  it("more than maxOperations (1000) is 413 naming the limit, running nothing", async () => {
    const spc = (await t.http.get("/scim/v2/ServiceProviderConfig")).body;
    assert.equal(spc.bulk.maxOperations, 1000);
    const ops = Array.from({ length: 1001 }, (_, i) => postUser(`m${i}`, `bulk-many-${i}`));
    const res = await send(bulk(ops));
    assert.equal(res.status, 413);
    assert.deepEqual(res.body.schemas, [ERROR_URN]);
    assert.equal(res.body.status, "413");
    assert.match(res.body.detail, /1001 operations; maxOperations is 1000/);
    assert.equal(await countUsers("bulk-many-0"), 0);
  });

  it("a body over maxPayloadSize (the configured body limit) is 413 naming the limit", async () => {
    const small = await startTestApp({ maxBodyBytes: 4096 });
    try {
      const spc = (await small.http.get("/scim/v2/ServiceProviderConfig")).body;
      assert.deepEqual(spc.bulk, { supported: true, maxOperations: 1000, maxPayloadSize: 4096 });
      const ops = Array.from({ length: 40 }, (_, i) => postUser(`s${i}`, `bulk-size-${i}`));
      const res = await small.http.post("/scim/v2/Bulk").set(auth(small.org.key)).send(bulk(ops));
      assert.equal(res.status, 413);
      assert.deepEqual(res.body.schemas, [ERROR_URN]);
      assert.match(res.body.detail, /4096 bytes/);
      const fits = await small.http.post("/scim/v2/Bulk").set(auth(small.org.key)).send(bulk(ops.slice(0, 2)));
      assert.deepEqual(fits.body.Operations.map((o: any) => o.status), ["201", "201"]);
    } finally {
      await small.close();
    }
  });

  it("keeps tenants apart: another org's ids are 404 per operation and stay untouched", async () => {
    const other = await t.newOrg();
    const theirUser = (await t.http.post("/scim/v2/Users").set(auth(other.key)).send(user("bulk-theirs"))).body;
    const theirGroup = (await t.http.post("/scim/v2/Groups").set(auth(other.key)).send(group("Their Team", [theirUser.id]))).body;
    const versionBefore = (await t.http.get(`/scim/v2/Users/${theirUser.id}`).set(auth(other.key))).body.meta.version;
    const res = await send(bulk([
      { method: "PATCH", path: `/Users/${theirUser.id}`, data: patch({ op: "replace", path: "active", value: false }) },
      { method: "PUT", path: `/Users/${theirUser.id}`, data: user("bulk-hijacked") },
      { method: "DELETE", path: `/Users/${theirUser.id}` },
      { method: "PATCH", path: `/Groups/${theirGroup.id}`, data: patch({ op: "remove", path: "members" }) },
      { method: "DELETE", path: `/Groups/${theirGroup.id}` },
      { method: "POST", path: "/Groups", bulkId: "steal", data: group("Stolen Members", [theirUser.id]) },
    ]));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.Operations.map((o: any) => o.status), ["404", "404", "404", "404", "404", "400"], JSON.stringify(res.body.Operations));
    const u = await t.http.get(`/scim/v2/Users/${theirUser.id}`).set(auth(other.key));
    assert.equal(u.body.userName, "bulk-theirs");
    assert.equal(u.body.active, true);
    assert.equal(u.body.meta.version, versionBefore);
    const g = await t.http.get(`/scim/v2/Groups/${theirGroup.id}`).set(auth(other.key));
    assert.deepEqual(g.body.members.map((m: any) => m.value), [theirUser.id]);
    // and the other org's bulk sees none of ours
    const mine = (await t.http.post("/scim/v2/Users").set(h()).send(user("bulk-mine"))).body;
    const back = await send(bulk([{ method: "DELETE", path: `/Users/${mine.id}` }]), other.key);
    assert.equal(back.body.Operations[0].status, "404");
    assert.equal((await t.http.get(`/scim/v2/Users/${mine.id}`).set(h())).status, 200);
  });

  it("is for org admins and org-scoped keys only, like the other endpoints", async () => {
    const res = await t.http.post("/scim/v2/Bulk").set(auth("not-a-key")).send(bulk([postUser("k1", "bulk-keyless")]));
    assert.equal(res.status, 401);
    assert.equal(await countUsers("bulk-keyless"), 0);
  });
});
