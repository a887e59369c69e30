/**
 * RFC 9865 cursor paging over HTTP: `?cursor` starts, `nextCursor` walks,
 * `previousCursor` goes back; walks are stable under concurrent inserts and
 * deletes; foreign, forged and expired cursors are refused with their scimType.
 */
import assert from "node:assert/strict";
import { auth, GROUP_URN, startTestApp, user, type TestApp } from "../support/app.ts";

const SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const NAMES = Array.from({ length: 10 }, (_, i) => `walker${String(i * 10).padStart(3, "0")}`);

describe("SCIM cursor paging (RFC 9865)", () => {
  let t: TestApp;
  const ids = new Map<string, string>();
  const h = () => auth(t.org.key);

  before(async () => {
    t = await startTestApp();
    for (const n of NAMES) {
      const res = await t.http.post("/scim/v2/Users").set(h()).send(user(n, { active: n !== "walker050" }));
      assert.equal(res.status, 201);
      ids.set(n, res.body.id);
    }
  });
  after(async () => { await t.close(); });

  const get = (query: Record<string, string | number>) => t.http.get("/scim/v2/Users").query(query).set(h());
  const names = (body: any): string[] => body.Resources.map((r: any) => r.userName);

  /** Follows nextCursor to the end; `between` runs after each page. */
  async function walk(query: Record<string, string | number>, between: (page: number) => Promise<void> = async () => {}) {
    const seen: string[] = [];
    let res = await get({ ...query, cursor: "" });
    for (let page = 1; ; page++) {
      assert.equal(res.status, 200, JSON.stringify(res.body));
      seen.push(...names(res.body));
      if (!res.body.nextCursor) break;
      assert.ok(page < 50, "the walk does not end");
      await between(page);
      res = await get({ ...query, cursor: res.body.nextCursor });
    }
    return seen;
  }

  it("?cursor starts a walk: first page, nextCursor, no previousCursor, no startIndex, true total", async () => {
    const res = await t.http.get("/scim/v2/Users?cursor&count=3&sortBy=userName").set(h());
    assert.equal(res.status, 200);
    assert.deepEqual(names(res.body), NAMES.slice(0, 3));
    assert.equal(res.body.totalResults, NAMES.length);
    assert.equal(res.body.itemsPerPage, 3);
    assert.equal(typeof res.body.nextCursor, "string");
    assert.equal(res.body.previousCursor, undefined);
    assert.equal(res.body.startIndex, undefined);
  });

  it("nextCursor walks every row once, in order; the last page has no nextCursor", async () => {
    assert.deepEqual(await walk({ count: 3, sortBy: "userName" }), NAMES);
    assert.deepEqual(await walk({ count: 4, sortBy: "userName", sortOrder: "descending" }), [...NAMES].reverse());
    assert.deepEqual(await walk({ count: 3 }), [...NAMES].sort((a, b) => (ids.get(a)! < ids.get(b)! ? -1 : 1)));
    assert.deepEqual(await walk({ count: 5, sortBy: "userName", filter: 'userName sw "walker0"' }), NAMES);
    assert.deepEqual(await walk({ count: 100, sortBy: "userName" }), NAMES);
  });

  it("walks a sort with ties (active) without repeating or skipping", async () => {
    const seen = await walk({ count: 2, sortBy: "active" });
    assert.equal(seen[0], "walker050", "inactive sorts first");
    assert.deepEqual([...seen].sort(), NAMES);
  });

  it("previousCursor goes back one page at a time to the first", async () => {
    const p1 = await get({ cursor: "", count: 3, sortBy: "userName" });
    const p2 = await get({ cursor: p1.body.nextCursor, count: 3, sortBy: "userName" });
    const p3 = await get({ cursor: p2.body.nextCursor, count: 3, sortBy: "userName" });
    assert.deepEqual(names(p3.body), NAMES.slice(6, 9));
    assert.equal(typeof p3.body.previousCursor, "string");
    const back2 = await get({ cursor: p3.body.previousCursor, count: 3, sortBy: "userName" });
    assert.deepEqual(names(back2.body), NAMES.slice(3, 6));
    assert.equal(typeof back2.body.nextCursor, "string");
    const back1 = await get({ cursor: back2.body.previousCursor, count: 3, sortBy: "userName" });
    assert.deepEqual(names(back1.body), NAMES.slice(0, 3));
    assert.equal(back1.body.previousCursor, undefined, "nothing before the first page");
    const forward = await get({ cursor: back1.body.nextCursor, count: 3, sortBy: "userName" });
    assert.deepEqual(names(forward.body), NAMES.slice(3, 6));
  });

  it("previousCursor works on a descending walk too", async () => {
    const q = { count: 4, sortBy: "userName", sortOrder: "descending" };
    const desc = [...NAMES].reverse();
    const p1 = await get({ ...q, cursor: "" });
    const p2 = await get({ ...q, cursor: p1.body.nextCursor });
    const p3 = await get({ ...q, cursor: p2.body.nextCursor });
    assert.deepEqual(names(p3.body), desc.slice(8));
    assert.equal(p3.body.nextCursor, undefined);
    const back = await get({ ...q, cursor: p3.body.previousCursor });
    assert.deepEqual(names(back.body), desc.slice(4, 8));
    const first = await get({ ...q, cursor: back.body.previousCursor });
    assert.deepEqual(names(first.body), desc.slice(0, 4));
    assert.equal(first.body.previousCursor, undefined);
  });

  /** A fresh org (so the shared fixture is left alone) holding `names`; returns a lister and the ids. */
  async function scratchOrg(names: string[]) {
    const org = await t.newOrg();
    const mine = new Map<string, string>();
    const create = async (n: string) => {
      const res = await t.http.post("/scim/v2/Users").set(auth(org.key)).send(user(n));
      assert.equal(res.status, 201);
      mine.set(n, res.body.id);
    };
    for (const n of names) await create(n);
    const remove = async (n: string) => assert.equal((await t.http.delete(`/scim/v2/Users/${mine.get(n)}`).set(auth(org.key))).status, 204);
    const page = (query: Record<string, string | number>) => t.http.get("/scim/v2/Users").query(query).set(auth(org.key));
    return { mine, create, remove, page };
  }

  it("is stable under inserts and deletes between pages (sorted by userName)", async () => {
    const o = await scratchOrg(NAMES);
    const doomed = ["walker070", "walker010"]; // one not yet seen, one already seen
    const seen: string[] = [];
    let res = await o.page({ cursor: "", count: 3, sortBy: "userName" });
    for (let page = 1; ; page++) {
      assert.equal(res.status, 200);
      seen.push(...names(res.body));
      if (!res.body.nextCursor) break;
      if (page === 1) {
        for (const n of ["walker005", "walker065", "walker999"]) await o.create(n);
        for (const n of doomed) await o.remove(n);
      }
      if (page === 2) await o.create("walker066");
      res = await o.page({ cursor: res.body.nextCursor, count: 3, sortBy: "userName" });
    }
    assert.equal(new Set(seen).size, seen.length, `duplicates in ${seen}`);
    const throughout = NAMES.filter((n) => !doomed.includes(n));
    assert.deepEqual(seen.filter((n) => throughout.includes(n)), throughout);
    assert.ok(!seen.includes("walker070"), "a row deleted before its page is not served");
    assert.ok(!seen.includes("walker005"), "a row inserted behind the cursor is not served");
    assert.ok(seen.includes("walker065") && seen.includes("walker066") && seen.includes("walker999"), "rows inserted ahead are served");
    assert.deepEqual(seen, [...seen].sort());
  });

  it("is stable under inserts and deletes between pages (ordered by id alone, and backwards)", async () => {
    const o = await scratchOrg(NAMES);
    const byId = [...o.mine.entries()].sort((a, b) => (a[1] < b[1] ? -1 : 1)).map(([n]) => n);
    const seen: string[] = [];
    let res = await o.page({ cursor: "", count: 2 });
    let lastPage = res;
    for (let page = 1; ; page++) {
      seen.push(...names(res.body));
      lastPage = res;
      if (!res.body.nextCursor) break;
      if (page === 2) {
        await o.create("late-arrival");
        await o.remove(byId[7]!); // not seen yet
        await o.remove(byId[0]!); // already seen
      }
      res = await o.page({ cursor: res.body.nextCursor, count: 2 });
    }
    const throughout = byId.filter((_n, i) => i !== 7 && i !== 0);
    assert.equal(new Set(seen).size, seen.length);
    assert.deepEqual(seen.filter((n) => throughout.includes(n)), throughout);
    assert.ok(!seen.includes(byId[7]!));
    const seenIds = seen.map((n) => o.mine.get(n)!);
    assert.deepEqual(seenIds, [...seenIds].sort());
    // walking back from the last page, with a row removed on the way, serves the rest in order
    const back: string[] = [];
    res = lastPage;
    await o.remove(byId[5]!);
    while (res.body.previousCursor) {
      res = await o.page({ cursor: res.body.previousCursor, count: 2 });
      assert.equal(res.status, 200);
      back.unshift(...names(res.body));
    }
    const present = byId.filter((_n, i) => ![0, 5, 7].includes(i));
    assert.deepEqual(back.filter((n) => present.includes(n)), present.filter((n) => !names(lastPage.body).includes(n)));
    assert.ok(!back.includes(byId[5]!));
  });

  it("POST /.search pages by cursor too, and so do /Groups", async () => {
    const p1 = await t.http.post("/scim/v2/Users/.search").set(h()).send({ schemas: [SEARCH_URN], cursor: "", count: 4, sortBy: "userName" });
    assert.equal(p1.status, 200);
    assert.deepEqual(names(p1.body), NAMES.slice(0, 4));
    const p2 = await t.http.post("/scim/v2/Users/.search").set(h()).send({ schemas: [SEARCH_URN], cursor: p1.body.nextCursor, count: 4, sortBy: "userName" });
    assert.deepEqual(names(p2.body), NAMES.slice(4, 8));

    for (const g of ["Gamma", "alpha", "Beta", "delta", "Epsilon"]) await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: g }).expect(201);
    const seen: string[] = [];
    let res = await t.http.get("/scim/v2/Groups?cursor=&count=2&sortBy=displayName").set(h());
    for (;;) {
      assert.equal(res.status, 200);
      seen.push(...res.body.Resources.map((r: any) => r.displayName));
      if (!res.body.nextCursor) break;
      res = await t.http.get("/scim/v2/Groups").query({ cursor: res.body.nextCursor, count: 2, sortBy: "displayName" }).set(h());
    }
    assert.deepEqual(seen, ["alpha", "Beta", "delta", "Epsilon", "Gamma"]);
  });

  it("cursor with count=0 returns only totalResults", async () => {
    const res = await get({ cursor: "", count: 0 });
    assert.equal(res.status, 200);
    assert.equal(res.body.totalResults, NAMES.length);
    assert.equal(res.body.itemsPerPage, 0);
    assert.equal(res.body.nextCursor, undefined);
  });

  it("a garbage or forged cursor is 400 invalidCursor", async () => {
    const good = (await get({ cursor: "", count: 2, sortBy: "active" })).body.nextCursor as string;
    const [payload, tag] = good.split(".");
    const parts = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const forge = (p: unknown[]) => `${Buffer.from(JSON.stringify(p)).toString("base64url")}.${tag}`;
    const bad = [
      "garbage",
      "!!!",
      Buffer.from("[1,2,3]").toString("base64url"),
      Buffer.from(JSON.stringify(parts)).toString("base64url"),
      forge(["not-a-number", parts[1], 1, parts[3], parts[4]]),
      forge([parts[0], parts[1], 1, parts[3], parts[4] + 86400 * 365]),
      `${payload}.${"A".repeat(22)}`,
      `${good}.x`,
      "x".repeat(5000),
    ];
    for (const cursor of bad) {
      const res = await get({ cursor, count: 2, sortBy: "active" });
      assert.equal(res.status, 400, `${cursor.slice(0, 60)}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.scimType, "invalidCursor", cursor.slice(0, 60));
      assert.equal(res.body.status, "400");
    }
    const post = await t.http.post("/scim/v2/Users/.search").set(h()).send({ schemas: [SEARCH_URN], cursor: "garbage" });
    assert.equal(post.status, 400);
    assert.equal(post.body.scimType, "invalidCursor");
  });

  it("a cursor used with another filter, sort, resource type or org is 400 invalidCursor", async () => {
    const first = await get({ cursor: "", count: 2, sortBy: "userName", filter: 'userName sw "walker"' });
    const cursor = first.body.nextCursor as string;
    const ok = await get({ cursor, count: 2, sortBy: "userName", filter: 'userName sw "walker"' });
    assert.equal(ok.status, 200);
    const others: [string, Record<string, string | number>][] = [
      ["/scim/v2/Users", { cursor, count: 2, sortBy: "userName", filter: 'userName sw "w"' }],
      ["/scim/v2/Users", { cursor, count: 2, sortBy: "userName" }],
      ["/scim/v2/Users", { cursor, count: 2, sortBy: "displayName", filter: 'userName sw "walker"' }],
      ["/scim/v2/Users", { cursor, count: 2, sortBy: "userName", sortOrder: "descending", filter: 'userName sw "walker"' }],
      ["/scim/v2/Groups", { cursor, count: 2 }],
      ["/scim/v2/Groups", { cursor, count: 2, sortBy: "displayName", filter: 'displayName sw "walker"' }],
    ];
    for (const [path, query] of others) {
      const res = await t.http.get(path).query(query).set(h());
      assert.equal(res.status, 400, JSON.stringify(query));
      assert.equal(res.body.scimType, "invalidCursor", JSON.stringify(query));
    }
    const b = await t.newOrg();
    const foreign = await t.http.get("/scim/v2/Users").query({ cursor, count: 2, sortBy: "userName", filter: 'userName sw "walker"' }).set(auth(b.key));
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.scimType, "invalidCursor");
  });

  it("cursor together with startIndex is 400 invalidValue", async () => {
    const res = await get({ cursor: "", startIndex: 1, count: 2 });
    assert.equal(res.status, 400);
    assert.equal(res.body.scimType, "invalidValue");
    const post = await t.http.post("/scim/v2/Users/.search").set(h()).send({ schemas: [SEARCH_URN], cursor: "", startIndex: 2 });
    assert.equal(post.status, 400);
    assert.equal(post.body.scimType, "invalidValue");
  });

  it("an expired cursor is 400 expiredCursor", async () => {
    const short = await startTestApp({ cursorTtlSeconds: 0 });
    try {
      for (const n of ["x1", "x2", "x3"]) await short.http.post("/scim/v2/Users").set(auth(short.org.key)).send(user(n)).expect(201);
      const first = await short.http.get("/scim/v2/Users?cursor&count=1").set(auth(short.org.key));
      assert.equal(first.status, 200);
      assert.ok(first.body.nextCursor);
      await new Promise((r) => setTimeout(r, 10));
      const res = await short.http.get("/scim/v2/Users").query({ cursor: first.body.nextCursor, count: 1 }).set(auth(short.org.key));
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, "expiredCursor");
      assert.match(res.body.detail, /expired/);
    } finally {
      await short.close();
    }
  });

  it("a cursor from another server secret is invalid; the configured secret is shared across instances", async () => {
    const a = await startTestApp({ cursorSecret: "shared-secret-for-tests" });
    try {
      for (const n of ["s1", "s2", "s3"]) await a.http.post("/scim/v2/Users").set(auth(a.org.key)).send(user(n)).expect(201);
      const first = await a.http.get("/scim/v2/Users?cursor&count=1&sortBy=userName").set(auth(a.org.key));
      const next = await a.http.get("/scim/v2/Users").query({ cursor: first.body.nextCursor, count: 1, sortBy: "userName" }).set(auth(a.org.key));
      assert.equal(next.status, 200);
      assert.deepEqual(names(next.body), ["s2"]);
      // this process's default (random) secret does not accept it
      const { decodeCursor } = await import("../../src/scim/cursor.ts");
      assert.throws(() => decodeCursor(first.body.nextCursor, "any", 3600), (e: any) => e.scimType === "invalidCursor");
    } finally {
      await a.close();
    }
  });
});
