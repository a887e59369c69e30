/**
 * Replays Okta's SCIM 2.0 client, request by request, in the order Okta sends them
 * (Okta "SCIM 2.0 protocol reference" and its SCIM test runner spec): look up by
 * userName, create, read, full-object PUT, deactivate (PUT or PATCH), re-assign
 * (POST of an inactive user reactivates it), group push (create, look up, rename
 * with a path-less replace, member add/remove, delete) and paging with startIndex.
 * Every step checks the response and then the state by reading it back.
 */
import assert from "node:assert/strict";
import { auth, ERROR_URN, GROUP_URN, PATCH_URN, SCIM, startTestApp, USER_URN, type TestApp } from "../support/app.ts";

const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const q = (filter: string) => encodeURIComponent(filter);

/** The body Okta POSTs to /Users (profile attributes mapped by the default SCIM 2.0 app template). */
function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_URN],
    userName,
    name: { givenName: "Test", familyName: "User" },
    emails: [{ primary: true, value: userName, type: "work" }],
    displayName: "Test User",
    locale: "en-US",
    externalId: "00ujl29u0le5T6Aj10h7",
    groups: [],
    password: "1mz050nq",
    active: true,
    ...extra,
  };
}

const oktaPatch = (...Operations: unknown[]) => ({ schemas: [PATCH_URN], Operations });

describe("Okta conformance", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });
  const h = () => ({ ...auth(t.org.key), Accept: SCIM });
  const get = (url: string) => t.http.get(url).set(h());

  describe("user lifecycle", () => {
    const userName = "test.user@okta.local";
    let id = "";

    it("looks the user up by userName first: 200 with an empty ListResponse (not 404)", async () => {
      const res = await get(`/scim/v2/Users?filter=${q(`userName eq "${userName}"`)}&startIndex=1&count=100`);
      assert.equal(res.status, 200);
      assert.match(res.headers["content-type"], /^application\/scim\+json/);
      assert.deepEqual(res.body.schemas, [LIST_URN]);
      assert.equal(res.body.totalResults, 0);
      assert.deepEqual(res.body.Resources, []);
      assert.equal(res.body.startIndex, 1);
    });

    it("creates the user with Okta's body: 201, password never returned nor stored, groups ignored", async () => {
      const res = await t.http.post("/scim/v2/Users").set(h()).set("Content-Type", SCIM).send(oktaUser(userName));
      assert.equal(res.status, 201);
      id = res.body.id;
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.userName, userName);
      assert.equal(res.body.externalId, "00ujl29u0le5T6Aj10h7");
      assert.deepEqual(res.body.name, { givenName: "Test", familyName: "User" });
      assert.deepEqual(res.body.emails, [{ primary: true, value: userName, type: "work" }]);
      assert.equal(res.body.displayName, "Test User");
      assert.equal(res.body.locale, "en-US");
      assert.equal(res.body.active, true);
      assert.deepEqual(res.body.groups, []);
      assert.equal(res.body.password, undefined);
      assert.equal(res.headers.location, `${res.body.meta.location}`);
      const row = await t.store.db.selectFrom("members").select("resource").where("id", "=", id).executeTakeFirstOrThrow();
      assert.ok(!row.resource.includes("1mz050nq"), "the password is not stored");
      const again = await get(`/scim/v2/Users/${id}`);
      assert.equal(again.body.password, undefined);
    });

    it("finds exactly that user by userName, case-insensitively", async () => {
      for (const name of [userName, "TEST.User@OKTA.local"]) {
        const res = await get(`/scim/v2/Users?filter=${q(`userName eq "${name}"`)}&startIndex=1&count=100`);
        assert.equal(res.status, 200);
        assert.equal(res.body.totalResults, 1, name);
        assert.equal(res.body.Resources.length, 1);
        assert.equal(res.body.Resources[0].id, id);
        assert.equal(res.body.Resources[0].userName, userName, "the stored case comes back");
      }
    });

    it("reads the user by id", async () => {
      const res = await get(`/scim/v2/Users/${id}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, id);
      assert.equal(res.body.userName, userName);
      assert.equal(res.body.meta.resourceType, "User");
      assert.equal(res.headers.etag, res.body.meta.version);
    });

    it("replaces the whole user with PUT (id, meta and groups echoed back, name changed)", async () => {
      const current = (await get(`/scim/v2/Users/${id}`)).body;
      const body = {
        ...oktaUser(userName),
        id,
        name: { givenName: "Another", middleName: "Test", familyName: "User" },
        displayName: "Another Test User",
        meta: current.meta,
      };
      const res = await t.http.put(`/scim/v2/Users/${id}`).set(h()).send(body);
      assert.equal(res.status, 200);
      assert.equal(res.body.id, id);
      assert.deepEqual(res.body.name, { givenName: "Another", middleName: "Test", familyName: "User" });
      assert.equal(res.body.displayName, "Another Test User");
      assert.equal(res.body.password, undefined);
      assert.notEqual(res.body.meta.version, current.meta.version);
      const after = (await get(`/scim/v2/Users/${id}`)).body;
      assert.equal(after.name.givenName, "Another");
      assert.equal(after.displayName, "Another Test User");
      assert.equal(after.active, true);
    });

    it("deactivates with a full PUT carrying active: false", async () => {
      const res = await t.http.put(`/scim/v2/Users/${id}`).set(h()).send({ ...oktaUser(userName), id, active: false });
      assert.equal(res.status, 200);
      assert.equal(res.body.active, false);
      assert.equal((await get(`/scim/v2/Users/${id}`)).body.active, false);
      const filtered = await get(`/scim/v2/Users?filter=${q(`userName eq "${userName}"`)}&startIndex=1&count=100`);
      assert.equal(filtered.body.totalResults, 1, "an inactive user is still listed");
      assert.equal(filtered.body.Resources[0].active, false);
    });

    it("re-assigning (POST of the same userName) reactivates the inactive user: same id, active, not 409", async () => {
      const res = await t.http.post("/scim/v2/Users").set(h()).send(oktaUser(userName, { name: { givenName: "Back", familyName: "Again" } }));
      assert.ok(res.status === 200 || res.status === 201, `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.id, id);
      assert.equal(res.body.active, true);
      assert.equal(res.body.name.givenName, "Back");
      assert.equal(res.body.password, undefined);
      const after = (await get(`/scim/v2/Users/${id}`)).body;
      assert.equal(after.active, true);
      assert.equal(after.name.givenName, "Back");
      const all = await get(`/scim/v2/Users?filter=${q(`userName eq "${userName}"`)}`);
      assert.equal(all.body.totalResults, 1, "no second member was created");
    });

    it("deactivates with PATCH {op: replace, value: {active: false}}", async () => {
      const res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(oktaPatch({ op: "replace", value: { active: false } }));
      assert.equal(res.status, 200);
      assert.equal(res.body.active, false);
      assert.equal(res.body.name.givenName, "Back", "nothing else changes");
      assert.equal((await get(`/scim/v2/Users/${id}`)).body.active, false);
    });

    it("re-activates with PATCH {op: replace, value: {active: true}} and deactivates again", async () => {
      const on = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(oktaPatch({ op: "replace", value: { active: true } }));
      assert.equal(on.status, 200);
      assert.equal(on.body.active, true);
      assert.equal((await get(`/scim/v2/Users/${id}`)).body.active, true);
      const off = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(oktaPatch({ op: "replace", value: { active: false } }));
      assert.equal(off.status, 200);
      assert.equal((await get(`/scim/v2/Users/${id}`)).body.active, false);
    });

    it("a POST with the same externalId and a new userName reactivates the inactive user under the new name", async () => {
      const renamed = "renamed.user@okta.local";
      const res = await t.http.post("/scim/v2/Users").set(h()).send(oktaUser(renamed));
      assert.ok(res.status === 200 || res.status === 201, `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.id, id);
      assert.equal(res.body.userName, renamed);
      assert.equal(res.body.active, true);
      const after = (await get(`/scim/v2/Users/${id}`)).body;
      assert.equal(after.userName, renamed);
      assert.equal(after.active, true);
      assert.equal((await get(`/scim/v2/Users?filter=${q(`userName eq "${userName}"`)}`)).body.totalResults, 0);
      assert.equal((await get(`/scim/v2/Users?filter=${q(`userName eq "${renamed}"`)}`)).body.totalResults, 1);
    });

    it("accepts a password sync by PATCH and by PUT, never storing or returning it", async () => {
      const byPatch = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(oktaPatch({ op: "replace", value: { password: "N3wPassw0rd!" } }));
      assert.equal(byPatch.status, 200, JSON.stringify(byPatch.body));
      assert.equal(byPatch.body.password, undefined);
      const current = (await get(`/scim/v2/Users/${id}`)).body;
      const byPut = await t.http.put(`/scim/v2/Users/${id}`).set(h()).send({ ...current, password: "Put-Passw0rd!" });
      assert.equal(byPut.status, 200, JSON.stringify(byPut.body));
      assert.equal(byPut.body.password, undefined);
      const row = await t.store.db.selectFrom("members").select("resource").where("id", "=", id).executeTakeFirstOrThrow();
      assert.ok(!row.resource.includes("N3wPassw0rd!") && !row.resource.includes("Put-Passw0rd!"));
      const after = (await get(`/scim/v2/Users/${id}`)).body;
      assert.equal(after.password, undefined);
      assert.equal(after.active, true);
      assert.equal(after.userName, current.userName);
    });

    it("a POST of an ACTIVE user's userName (any case) is 409 uniqueness and changes nothing", async () => {
      const res = await t.http.post("/scim/v2/Users").set(h()).send(oktaUser("RENAMED.user@okta.local", { externalId: "00uOther", displayName: "Intruder" }));
      assert.equal(res.status, 409);
      assert.deepEqual(res.body.schemas, [ERROR_URN]);
      assert.equal(res.body.status, "409");
      assert.equal(res.body.scimType, "uniqueness");
      const after = (await get(`/scim/v2/Users/${id}`)).body;
      assert.equal(after.displayName, "Test User");
      assert.equal(after.externalId, "00ujl29u0le5T6Aj10h7");
    });
  });

  describe("group push", () => {
    let gid = "";
    const uids: string[] = [];
    before(async () => {
      for (const n of ["push.one@okta.local", "push.two@okta.local"]) {
        const res = await t.http.post("/scim/v2/Users").set(h()).send(oktaUser(n, { externalId: `ext-${n}` }));
        assert.equal(res.status, 201);
        uids.push(res.body.id);
      }
    });
    const memberIds = async () => ((await get(`/scim/v2/Groups/${gid}`)).body.members ?? []).map((m: any) => m.value).sort();

    it("looks the group up by displayName: empty list", async () => {
      const res = await get(`/scim/v2/Groups?filter=${q('displayName eq "Okta Test Group"')}&startIndex=1&count=100`);
      assert.equal(res.status, 200);
      assert.equal(res.body.totalResults, 0);
      assert.deepEqual(res.body.Resources, []);
    });

    it("creates the group: POST {schemas, displayName, members: []}", async () => {
      const res = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: "Okta Test Group", members: [] });
      assert.equal(res.status, 201);
      gid = res.body.id;
      assert.equal(res.body.displayName, "Okta Test Group");
      assert.deepEqual(res.body.members, []);
      assert.equal(res.headers.location, res.body.meta.location);
      assert.deepEqual(await memberIds(), []);
    });

    it("finds it by displayName (case-insensitively)", async () => {
      for (const name of ["Okta Test Group", "okta test GROUP"]) {
        const res = await get(`/scim/v2/Groups?filter=${q(`displayName eq "${name}"`)}&startIndex=1&count=100`);
        assert.equal(res.status, 200);
        assert.equal(res.body.totalResults, 1);
        assert.equal(res.body.Resources[0].id, gid);
        assert.equal(res.body.Resources[0].displayName, "Okta Test Group");
      }
    });

    it("renames with a path-less replace carrying id and displayName (not a 400)", async () => {
      const res = await t.http.patch(`/scim/v2/Groups/${gid}`).set(h()).send(oktaPatch({ op: "replace", value: { id: gid, displayName: "Okta Renamed Group" } }));
      assert.ok(res.status === 200 || res.status === 204, `status ${res.status}: ${JSON.stringify(res.body)}`);
      const after = (await get(`/scim/v2/Groups/${gid}`)).body;
      assert.equal(after.id, gid);
      assert.equal(after.displayName, "Okta Renamed Group");
      assert.equal((await get(`/scim/v2/Groups?filter=${q('displayName eq "Okta Test Group"')}`)).body.totalResults, 0);
      assert.equal((await get(`/scim/v2/Groups?filter=${q('displayName eq "Okta Renamed Group"')}`)).body.totalResults, 1);
    });

    it("adds members with {op: add, path: members, value: [{value, display}]}", async () => {
      const res = await t.http.patch(`/scim/v2/Groups/${gid}`).set(h()).send(oktaPatch({
        op: "add", path: "members",
        value: [{ value: uids[0], display: "push.one@okta.local" }, { value: uids[1], display: "push.two@okta.local" }],
      }));
      assert.ok(res.status === 200 || res.status === 204, `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await memberIds(), [...uids].sort());
      const user = (await get(`/scim/v2/Users/${uids[0]}`)).body;
      assert.deepEqual(user.groups.map((g: any) => g.value), [gid]);
      assert.equal(user.groups[0].display, "Okta Renamed Group");
    });

    it('removes a member with {op: remove, path: members[value eq "uid"]}', async () => {
      const res = await t.http.patch(`/scim/v2/Groups/${gid}`).set(h()).send(oktaPatch({ op: "remove", path: `members[value eq "${uids[0]}"]` }));
      assert.ok(res.status === 200 || res.status === 204, `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await memberIds(), [uids[1]]);
      assert.deepEqual((await get(`/scim/v2/Users/${uids[0]}`)).body.groups, []);
      assert.equal((await get(`/scim/v2/Users/${uids[0]}`)).status, 200, "removing from the group keeps the user");
    });

    it("imports groups with startIndex/count and reads one by id", async () => {
      const list = await get("/scim/v2/Groups?startIndex=1&count=100");
      assert.equal(list.status, 200);
      assert.equal(list.body.totalResults, 1);
      assert.equal(list.body.Resources[0].id, gid);
      assert.deepEqual(list.body.Resources[0].members.map((m: any) => m.value), [uids[1]]);
      const one = await get(`/scim/v2/Groups/${gid}`);
      assert.equal(one.status, 200);
      assert.equal(one.body.displayName, "Okta Renamed Group");
    });

    it("deletes the group: 204, then 404; its members stay", async () => {
      const res = await t.http.delete(`/scim/v2/Groups/${gid}`).set(h());
      assert.equal(res.status, 204);
      const gone = await get(`/scim/v2/Groups/${gid}`);
      assert.equal(gone.status, 404);
      assert.deepEqual(gone.body.schemas, [ERROR_URN]);
      const user = await get(`/scim/v2/Users/${uids[1]}`);
      assert.equal(user.status, 200);
      assert.deepEqual(user.body.groups, []);
    });
  });

  describe("import: paging with startIndex/count", () => {
    it("pages /Users like Okta (startIndex=1, then 101, …) with correct totals and no overlap", async function () {
      this.timeout(120_000);
      const org = await t.newOrg(); // its own org: exact totals
      const oh = { ...auth(org.key), Accept: SCIM };
      const total = 230;
      for (let i = 0; i < total; i++) {
        const n = `page.${String(i).padStart(3, "0")}@okta.local`;
        const res = await t.http.post("/scim/v2/Users").set(oh).send(oktaUser(n, { externalId: `ext-${i}` }));
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      const seen = new Set<string>();
      const starts: number[] = [];
      let startIndex = 1;
      for (;;) {
        starts.push(startIndex);
        const res = await t.http.get(`/scim/v2/Users?startIndex=${startIndex}&count=100`).set(oh);
        assert.equal(res.status, 200);
        assert.equal(res.body.totalResults, total);
        assert.equal(res.body.startIndex, startIndex);
        const expected = Math.min(100, total - (startIndex - 1));
        assert.equal(res.body.itemsPerPage, expected);
        assert.equal(res.body.Resources.length, expected);
        for (const u of res.body.Resources) {
          assert.ok(!seen.has(u.id), `user ${u.id} appears on two pages`);
          seen.add(u.id);
        }
        startIndex += 100;
        if (startIndex > total) break;
      }
      assert.deepEqual(starts, [1, 101, 201]);
      assert.equal(seen.size, total);
      const past = await t.http.get(`/scim/v2/Users?startIndex=${total + 1}&count=100`).set(oh);
      assert.equal(past.status, 200);
      assert.equal(past.body.totalResults, total);
      assert.deepEqual(past.body.Resources, []);
      // The page Okta's import asks for while reading a filtered result.
      const one = await t.http.get(`/scim/v2/Users?filter=${q('userName eq "PAGE.007@okta.local"')}&startIndex=1&count=100`).set(oh);
      assert.equal(one.body.totalResults, 1);
      assert.equal(one.body.Resources[0].userName, "page.007@okta.local");
      // The first org does not see the second org's users.
      const mine = await get(`/scim/v2/Users?filter=${q('userName eq "page.007@okta.local"')}`);
      assert.equal(mine.body.totalResults, 0);
    });
  });
});
