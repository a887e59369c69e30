/**
 * Listing and searching over HTTP: filters compiled to SQL, sortBy in SQL with
 * the id as tie-breaker, index paging (RFC 7644 §3.4.2.4), attributes /
 * excludedAttributes on lists, and POST /.search with a SearchRequest body.
 */
import assert from "node:assert/strict";
import { auth, GROUP_URN, SCIM, startTestApp, user, type TestApp } from "../support/app.ts";

const SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** userName, displayName, work e-mail, home e-mail (or null) */
const PEOPLE: [string, string, string, string | null][] = [
  ["alice", "Alice Archer", "alice@work.example", "alice@home.example"],
  ["Bob", "Bob Baker", "bob@work.example", null],
  ["carol", "Carol Carter", "carol@work.example", "carol@home.example"],
  ["Dave", "Dave Dyer", "dave@work.example", "bob@home.example"],
  ["eve", "Alfred Eve", "eve@work.example", null],
  ["Frank", "Frank Fisher", "frank@work.example", null],
  ["grace", "Grace Gale", "grace@work.example", null],
];
const sortedNames = PEOPLE.map((p) => p[0]).sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));

describe("SCIM list and search", () => {
  let t: TestApp;
  const ids = new Map<string, string>();
  const groupIds = new Map<string, string>();
  const h = () => auth(t.org.key);
  const names = (body: any): string[] => body.Resources.map((r: any) => r.userName);

  before(async () => {
    t = await startTestApp();
    for (const [userName, displayName, work, home] of PEOPLE) {
      const emails: Record<string, unknown>[] = [{ value: work, type: "work", primary: true }];
      if (home) emails.push({ value: home, type: "home" });
      const res = await t.http.post("/scim/v2/Users").set(h()).send(user(userName, { displayName, emails }));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      ids.set(userName, res.body.id);
    }
    const groups: [string, string[]][] = [["Engineering", ["alice", "Bob"]], ["Research", ["carol"]], ["Ops", []], ["Engagement", ["Dave"]]];
    for (const [displayName, members] of groups) {
      const res = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName, members: members.map((m) => ({ value: ids.get(m) })) });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      groupIds.set(displayName, res.body.id);
    }
  });
  after(async () => { await t.close(); });

  const list = (path: string, query: Record<string, string | number>) => t.http.get(path).query(query).set(h());
  const search = (path: string, body: Record<string, unknown>) =>
    t.http.post(`${path}/.search`).set(h()).set("Content-Type", SCIM).send({ schemas: [SEARCH_URN], ...body });

  describe("filters", () => {
    const userCases: [string, string[]][] = [
      ['userName eq "ALICE"', ["alice"]],
      ['userName eq "bob"', ["Bob"]],
      ['emails.value eq "CAROL@work.example"', ["carol"]],
      ['emails.value eq "bob@home.example"', ["Dave"]],
      ['emails[type eq "work"].value eq "alice@work.example"', ["alice"]],
      ['emails[type eq "work"].value eq "alice@home.example"', []],
      ['emails[type eq "home"].value eq "alice@home.example"', ["alice"]],
      ['emails[type eq "home" and value sw "bob"]', ["Dave"]],
      ['displayName sw "Al"', ["alice", "eve"]],
      ['displayName sw "al"', ["alice", "eve"]],
      ['not (userName eq "alice" or userName eq "bob")', ["carol", "Dave", "eve", "Frank", "grace"]],
      ['not (displayName sw "Al" and userName eq "eve")', ["alice", "Bob", "carol", "Dave", "Frank", "grace"]],
      ['not (emails[type eq "home"])', ["Bob", "eve", "Frank", "grace"]],
      ['userName eq "alice" or (displayName sw "G" and not (userName eq "nobody"))', ["alice", "grace"]],
    ];

    for (const [filter, expected] of userCases) {
      it(`/Users?filter=${filter}`, async () => {
        const res = await list("/scim/v2/Users", { filter, sortBy: "userName" });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(names(res.body), sortedNames.filter((n) => expected.includes(n)));
        assert.equal(res.body.totalResults, expected.length);
      });
    }

    it("POST /Users/.search takes the same filters from a SearchRequest body", async () => {
      for (const [filter, expected] of userCases) {
        const res = await search("/scim/v2/Users", { filter, sortBy: "userName" });
        assert.equal(res.status, 200, filter);
        assert.match(res.headers["content-type"], /^application\/scim\+json/);
        assert.deepEqual(res.body.schemas, [LIST_URN]);
        assert.deepEqual(names(res.body), sortedNames.filter((n) => expected.includes(n)), filter);
      }
    });

    it("keeps the case the client sent while matching case-insensitively", async () => {
      const res = await list("/scim/v2/Users", { filter: 'userName eq "FRANK"' });
      assert.equal(res.body.Resources[0].userName, "Frank");
      assert.equal(res.body.Resources[0].id, ids.get("Frank"));
    });

    it("meta.lastModified gt: only users changed after the instant", async () => {
      const all = await list("/scim/v2/Users", { count: 100 });
      const latest = all.body.Resources.map((r: any) => r.meta.lastModified).sort().at(-1);
      await new Promise((r) => setTimeout(r, 5));
      const cut = new Date().toISOString();
      await new Promise((r) => setTimeout(r, 5));
      const put = await t.http.put(`/scim/v2/Users/${ids.get("carol")}`).set(h())
        .send(user("carol", { displayName: "Carol Carter", emails: [{ value: "carol@work.example", type: "work", primary: true }, { value: "carol@home.example", type: "home" }] }));
      assert.equal(put.status, 200);
      const after = await list("/scim/v2/Users", { filter: `meta.lastModified gt "${cut}"` });
      assert.deepEqual(names(after.body), ["carol"]);
      const before = await list("/scim/v2/Users", { filter: `meta.lastModified gt "${latest}"` });
      assert.deepEqual(names(before.body), ["carol"]);
      const none = await search("/scim/v2/Users", { filter: `meta.lastModified gt "${put.body.meta.lastModified}"` });
      assert.equal(none.body.totalResults, 0);
    });

    it("filters /Groups by displayName, members.value and not ( … ), on GET and .search", async () => {
      const cases: [string, string[]][] = [
        ['displayName eq "engineering"', ["Engineering"]],
        ['displayName sw "Eng"', ["Engagement", "Engineering"]],
        [`members.value eq "${ids.get("carol")}"`, ["Research"]],
        [`members[value eq "${ids.get("Bob")}"]`, ["Engineering"]],
        ['not (displayName sw "Eng" or displayName eq "ops")', ["Research"]],
        ['not (displayName sw "Eng" and members pr)', ["Ops", "Research"]],
      ];
      for (const [filter, expected] of cases) {
        const get = await list("/scim/v2/Groups", { filter, sortBy: "displayName" });
        assert.equal(get.status, 200, filter);
        assert.deepEqual(get.body.Resources.map((g: any) => g.displayName), expected, filter);
        assert.equal(get.body.totalResults, expected.length);
        const post = await search("/scim/v2/Groups", { filter, sortBy: "displayName" });
        assert.deepEqual(post.body.Resources.map((g: any) => g.displayName), expected, filter);
      }
    });

    it("answers an unknown attribute or operator with 400 invalidFilter, never an empty 200", async () => {
      const bad = [
        'nickName2 eq "alice"',
        'userName xx "alice"',
        'userName eq "alice" and password eq "x"',
        'emails[kind eq "work"]',
        'urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "x"',
        'userName eq',
        'not userName eq "a"',
        '(userName eq "a"',
      ];
      for (const filter of bad) {
        for (const res of [await list("/scim/v2/Users", { filter }), await search("/scim/v2/Users", { filter })]) {
          assert.equal(res.status, 400, `${filter}: ${JSON.stringify(res.body)}`);
          assert.equal(res.body.scimType, "invalidFilter", filter);
          assert.equal(res.body.status, "400");
          assert.equal(res.body.schemas[0], "urn:ietf:params:scim:api:messages:2.0:Error");
        }
      }
      for (const filter of ['userName eq "alice"', 'displayName xx "a"', 'members.display eq "x"']) {
        const res = await list("/scim/v2/Groups", { filter });
        assert.equal(res.status, 400, filter);
        assert.equal(res.body.scimType, "invalidFilter", filter);
      }
    });

    it("refuses a ~470-character nested abusive filter with 400 within milliseconds", async () => {
      // 48 levels of "not (" / "(" around a few comparisons: deeper than any client needs
      const filter = `${"not ((".repeat(48)}userName eq "a" or emails[type eq "work" and value sw "b"] or displayName co "c"${"))".repeat(48)}`;
      assert.ok(filter.length > 440 && filter.length < 520, String(filter.length));
      for (const send of [() => list("/scim/v2/Users", { filter }), () => search("/scim/v2/Users", { filter })]) {
        const started = performance.now();
        const res = await send();
        const ms = performance.now() - started;
        assert.equal(res.status, 400);
        assert.equal(res.body.scimType, "invalidFilter");
        assert.ok(ms < 1000, `took ${ms} ms`);
      }
      // and the exponential shape scimmy chokes on: many short alternatives inside brackets
      const wide = `emails[${Array.from({ length: 30 }, (_, i) => `value eq "${i}"`).join(" or ")}] and (${Array.from({ length: 40 }, () => "userName pr").join(" and ")})`;
      const started = performance.now();
      const res = await list("/scim/v2/Users", { filter: wide });
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, "invalidFilter");
      assert.ok(performance.now() - started < 1000);
      // nesting just inside the cap is answered, and as fast: parsing is linear
      let ok = 'userName eq "a"';
      while (ok.length < 440) ok = `(${ok} or not (userName eq "b"))`;
      const t0 = performance.now();
      const fine = await list("/scim/v2/Users", { filter: ok, sortBy: "userName" });
      assert.equal(fine.status, 200, JSON.stringify(fine.body));
      assert.deepEqual(names(fine.body), sortedNames);
      assert.ok(performance.now() - t0 < 1000);
    });
  });

  describe("sorting", () => {
    it("sorts by userName ascending and descending, case-insensitively", async () => {
      const asc = await list("/scim/v2/Users", { sortBy: "userName" });
      assert.deepEqual(names(asc.body), sortedNames);
      const asc2 = await list("/scim/v2/Users", { sortBy: "userName", sortOrder: "ascending" });
      assert.deepEqual(names(asc2.body), sortedNames);
      const desc = await list("/scim/v2/Users", { sortBy: "userName", sortOrder: "descending" });
      assert.deepEqual(names(desc.body), [...sortedNames].reverse());
      const post = await search("/scim/v2/Users", { sortBy: "userName", sortOrder: "descending", count: 3 });
      assert.deepEqual(names(post.body), [...sortedNames].reverse().slice(0, 3));
    });

    it("sorts by emails.value (the primary address) and displayName", async () => {
      const byEmail = await list("/scim/v2/Users", { sortBy: "emails.value" });
      assert.deepEqual(names(byEmail.body), sortedNames);
      const byDisplay = await list("/scim/v2/Users", { sortBy: "displayName", sortOrder: "descending" });
      const expected = [...PEOPLE].sort((a, b) => (a[1].toLowerCase() < b[1].toLowerCase() ? 1 : -1)).map((p) => p[0]);
      assert.deepEqual(names(byDisplay.body), expected);
    });

    it("breaks ties by id, so pages of a tied sort never repeat or skip a row", async () => {
      const byId = [...ids.values()].sort();
      for (const sortOrder of ["ascending", "descending"]) {
        const seen: string[] = [];
        for (let start = 1; start <= ids.size; start += 2) {
          const res = await list("/scim/v2/Users", { sortBy: "name.familyName", sortOrder, startIndex: start, count: 2 });
          assert.equal(res.status, 200);
          seen.push(...res.body.Resources.map((r: any) => r.id));
        }
        assert.deepEqual(seen, sortOrder === "ascending" ? byId : [...byId].reverse());
      }
    });

    it("answers an unknown or unsortable sortBy with 400 invalidValue", async () => {
      for (const sortBy of ["shoeSize", "urn:ietf:params:scim:schemas:core:2.0:Group:displayName", "emails[type eq \"work\"]", "1abc"]) {
        const res = await list("/scim/v2/Users", { sortBy });
        assert.equal(res.status, 400, sortBy);
        assert.equal(res.body.scimType, "invalidValue", sortBy);
        const post = await search("/scim/v2/Users", { sortBy });
        assert.equal(post.status, 400, sortBy);
        assert.equal(post.body.scimType, "invalidValue", sortBy);
      }
      const group = await list("/scim/v2/Groups", { sortBy: "members" });
      assert.equal(group.status, 400);
      assert.equal(group.body.scimType, "invalidValue");
      const order = await list("/scim/v2/Users", { sortBy: "userName", sortOrder: "sideways" });
      assert.equal(order.status, 400);
      assert.equal(order.body.scimType, "invalidValue");
    });
  });

  describe("index paging", () => {
    it("returns the true total, itemsPerPage = rows returned, and echoes startIndex", async () => {
      const res = await list("/scim/v2/Users", { sortBy: "userName", startIndex: 1, count: 3 });
      assert.equal(res.body.totalResults, PEOPLE.length);
      assert.equal(res.body.itemsPerPage, 3);
      assert.equal(res.body.Resources.length, 3);
      assert.equal(res.body.startIndex, 1);
      const last = await list("/scim/v2/Users", { sortBy: "userName", startIndex: 6, count: 3 });
      assert.equal(last.body.totalResults, PEOPLE.length);
      assert.equal(last.body.itemsPerPage, 2);
      assert.equal(last.body.startIndex, 6);
      assert.deepEqual(names(last.body), sortedNames.slice(5));
      const beyond = await list("/scim/v2/Users", { startIndex: 50, count: 3 });
      assert.equal(beyond.body.totalResults, PEOPLE.length);
      assert.equal(beyond.body.itemsPerPage, 0);
      assert.deepEqual(beyond.body.Resources, []);
    });

    it("startIndex between 2 and the page size gives exactly the right rows (GET and .search)", async () => {
      for (let startIndex = 1; startIndex <= PEOPLE.length; startIndex++) {
        for (const count of [3, 5]) {
          const expected = sortedNames.slice(startIndex - 1, startIndex - 1 + count);
          const get = await list("/scim/v2/Users", { sortBy: "userName", startIndex, count });
          assert.deepEqual(names(get.body), expected, `GET startIndex=${startIndex} count=${count}`);
          assert.equal(get.body.itemsPerPage, expected.length);
          const post = await search("/scim/v2/Users", { sortBy: "userName", startIndex, count });
          assert.deepEqual(names(post.body), expected, `POST startIndex=${startIndex} count=${count}`);
          assert.equal(post.body.startIndex, startIndex);
        }
      }
    });

    it("pages a filtered list with the filtered total", async () => {
      const res = await list("/scim/v2/Users", { filter: 'emails[type eq "home"]', sortBy: "userName", startIndex: 2, count: 1 });
      assert.equal(res.body.totalResults, 3);
      assert.deepEqual(names(res.body), ["carol"]);
    });

    it("count=0 returns only totalResults", async () => {
      for (const res of [await list("/scim/v2/Users", { count: 0 }), await search("/scim/v2/Users", { count: 0 })]) {
        assert.equal(res.status, 200);
        assert.equal(res.body.totalResults, PEOPLE.length);
        assert.equal(res.body.itemsPerPage, 0);
        assert.ok(!res.body.Resources || res.body.Resources.length === 0);
      }
      const groups = await list("/scim/v2/Groups", { count: 0, filter: 'displayName sw "eng"' });
      assert.equal(groups.body.totalResults, 2);
      assert.equal(groups.body.itemsPerPage, 0);
    });

    it("reads startIndex < 1 as 1 and a negative count as 0", async () => {
      for (const startIndex of [0, -4]) {
        const res = await list("/scim/v2/Users", { sortBy: "userName", startIndex, count: 2 });
        assert.equal(res.status, 200);
        assert.equal(res.body.startIndex, 1);
        assert.deepEqual(names(res.body), sortedNames.slice(0, 2));
      }
      const neg = await list("/scim/v2/Users", { count: -1 });
      assert.equal(neg.body.itemsPerPage, 0);
      assert.equal(neg.body.totalResults, PEOPLE.length);
    });

    it("answers a non-integer startIndex or count with 400 invalidValue", async () => {
      for (const q of [{ count: "ten" }, { count: "1.5" }, { startIndex: "x" }, { count: "9".repeat(30) }] as Record<string, string>[]) {
        const res = await list("/scim/v2/Users", q);
        assert.equal(res.status, 400, JSON.stringify(q));
        assert.equal(res.body.scimType, "invalidValue");
      }
      for (const body of [{ count: "ten" }, { count: 2.5 }, { startIndex: true }, { count: [1] }]) {
        const res = await search("/scim/v2/Users", body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.scimType, "invalidValue");
      }
      const twice = await t.http.get("/scim/v2/Users?count=1&count=2").set(h());
      assert.equal(twice.status, 400);
    });

    it("caps count at the configured maximum page size", async () => {
      const small = await startTestApp({ maxPageSize: 5 });
      try {
        for (let i = 0; i < 8; i++) await small.http.post("/scim/v2/Users").set(auth(small.org.key)).send(user(`capped${i}`)).expect(201);
        const res = await small.http.get("/scim/v2/Users?count=100").set(auth(small.org.key));
        assert.equal(res.status, 200);
        assert.equal(res.body.totalResults, 8);
        assert.equal(res.body.itemsPerPage, 5);
        assert.equal(res.body.Resources.length, 5);
        const dflt = await small.http.get("/scim/v2/Users").set(auth(small.org.key));
        assert.equal(dflt.body.itemsPerPage, 5);
        const post = await small.http.post("/scim/v2/Users/.search").set(auth(small.org.key)).send({ schemas: [SEARCH_URN], count: 1000, startIndex: 5 });
        assert.equal(post.body.itemsPerPage, 4);
      } finally {
        await small.close();
      }
      const big = await list("/scim/v2/Users", { count: 5000 });
      assert.equal(big.status, 200);
      assert.equal(big.body.itemsPerPage, PEOPLE.length);
    });

    it("pages /Groups the same way", async () => {
      const all = ["Engagement", "Engineering", "Ops", "Research"];
      for (let startIndex = 1; startIndex <= 4; startIndex++) {
        const res = await list("/scim/v2/Groups", { sortBy: "displayName", startIndex, count: 2 });
        assert.equal(res.body.totalResults, 4);
        assert.deepEqual(res.body.Resources.map((g: any) => g.displayName), all.slice(startIndex - 1, startIndex + 1));
      }
    });
  });

  describe("attributes and excludedAttributes", () => {
    it("attributes keeps only what was asked for (plus id and schemas) on list and search", async () => {
      const res = await list("/scim/v2/Users", { attributes: "userName,emails.value", sortBy: "userName", count: 2 });
      for (const r of res.body.Resources) {
        assert.deepEqual(Object.keys(r).sort(), ["emails", "id", "schemas", "userName"]);
        assert.ok(r.emails.every((e: any) => Object.keys(e).join() === "value"));
      }
      const post = await search("/scim/v2/Users", { attributes: ["displayName"], filter: 'userName eq "alice"' });
      assert.deepEqual(Object.keys(post.body.Resources[0]).sort(), ["displayName", "id", "schemas"]);
      assert.equal(post.body.Resources[0].displayName, "Alice Archer");
      const urn = await list("/scim/v2/Users", { attributes: "urn:ietf:params:scim:schemas:core:2.0:User:userName", filter: 'userName eq "bob"' });
      assert.deepEqual(Object.keys(urn.body.Resources[0]).sort(), ["id", "schemas", "userName"]);
    });

    it("several sub-attributes of a multi-valued attribute stay paired with their own value", async () => {
      // Bob has one e-mail with a type; give another user a typed and an untyped address
      const mixed = await t.http.post("/scim/v2/Users").set(h()).send(user("mixed", {
        emails: [{ value: "untyped@example.com" }, { value: "home@example.com", type: "home" }],
      }));
      assert.equal(mixed.status, 201);
      try {
        for (const attributes of ["emails.type,emails.value", "emails.value,emails.type"]) {
          const res = await list("/scim/v2/Users", { attributes, filter: 'userName eq "mixed"' });
          assert.deepEqual(res.body.Resources[0].emails, [{ value: "untyped@example.com" }, { value: "home@example.com", type: "home" }], attributes);
        }
        const types = await search("/scim/v2/Users", { attributes: ["emails.type"], filter: 'userName eq "mixed"' });
        assert.deepEqual(types.body.Resources[0].emails, [{ type: "home" }]);
      } finally {
        await t.http.delete(`/scim/v2/Users/${mixed.body.id}`).set(h()).expect(204);
      }
    });

    it("excludedAttributes drops what was named and keeps the rest", async () => {
      const res = await list("/scim/v2/Users", { excludedAttributes: "emails,name", filter: 'userName eq "alice"' });
      const r = res.body.Resources[0];
      assert.equal(r.emails, undefined);
      assert.equal(r.name, undefined);
      assert.equal(r.userName, "alice");
      assert.equal(r.id, ids.get("alice"));
      const post = await search("/scim/v2/Users", { excludedAttributes: ["displayName", "id"], filter: 'userName eq "alice"' });
      assert.equal(post.body.Resources[0].displayName, undefined);
      assert.equal(post.body.Resources[0].id, ids.get("alice"), "id is always returned");
    });

    it("on /Groups, attributes=displayName leaves members out and excludedAttributes=members too", async () => {
      const res = await list("/scim/v2/Groups", { attributes: "displayName", filter: 'displayName eq "Engineering"' });
      assert.deepEqual(Object.keys(res.body.Resources[0]).sort(), ["displayName", "id", "schemas"]);
      const withMembers = await search("/scim/v2/Groups", { attributes: ["members.value"], filter: 'displayName eq "Engineering"' });
      assert.deepEqual(withMembers.body.Resources[0].members.map((m: any) => m.value).sort(), [ids.get("alice"), ids.get("Bob")].sort());
      assert.equal(withMembers.body.Resources[0].displayName, undefined);
    });

    it("refuses attributes together with excludedAttributes", async () => {
      const res = await list("/scim/v2/Users", { attributes: "userName", excludedAttributes: "emails" });
      assert.equal(res.status, 400);
      assert.equal(res.body.scimType, "invalidValue");
    });
  });
});
