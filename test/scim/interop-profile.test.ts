/**
 * draft-zollner-scim-interop-profile (-02, November 2026), point by point, as a client
 * following the profile would see Rollcall. By default Rollcall departs from one server
 * MUST (path-less PATCH, which Entra and W&B send, is applied) and so does not claim
 * conformance; a SCIM connection with `interopProfile: true` is strictly conformant:
 * its path-less PATCH is a 400 invalidSyntax and its /ServiceProviderConfig says
 * `interopProfileConformant: true`. Both are tested here.
 */
import assert from "node:assert/strict";
import { as } from "../admin/principals.ts";
import { auth, GROUP_URN, patch, startTestApp, USER_URN, type TestApp, type TestOrg } from "../support/app.ts";
import { scimUser } from "../support/members.ts";

describe("SCIM interop profile", () => {
  let t: TestApp;
  let org: TestOrg;
  before(async () => { t = await startTestApp(); org = await t.newOrg(); });
  after(async () => { await t.close(); });
  const h = () => auth(org.key);
  const filter = (resource: string, f: string) => t.http.get(`/scim/v2/${resource}?filter=${encodeURIComponent(f)}`).set(h());
  const stored = (id: string) => t.store.db.selectFrom("members").selectAll().where("id", "=", id).executeTakeFirst();

  it("case sensitivity: userName matches and conflicts case-insensitively, externalId and id case-exactly", async () => {
    const id = await scimUser(t, org, "JSmith", {}, { externalId: "ABC-123" });
    assert.deepEqual((await filter("Users", 'userName eq "jsmith"')).body.Resources.map((u: { id: string }) => u.id), [id]);
    assert.deepEqual((await filter("Users", 'externalId eq "ABC-123"')).body.Resources.map((u: { id: string }) => u.id), [id]);
    assert.equal((await filter("Users", 'externalId eq "abc-123"')).body.totalResults, 0);
    assert.equal((await t.http.get(`/scim/v2/Users/${id.toUpperCase()}`).set(h())).status, id === id.toUpperCase() ? 200 : 404);
    const dup = await t.http.post("/scim/v2/Users").set(h()).send({ schemas: [USER_URN], userName: "jsmith" });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.scimType, "uniqueness");
    const other = await scimUser(t, org, "other.user");
    const renamed = await t.http.patch(`/scim/v2/Users/${other}`).set(h()).send(patch({ op: "replace", path: "userName", value: "JSMITH" }));
    assert.equal(renamed.status, 409, "a PATCH that breaks uniqueness is a 409 too");
    assert.equal(renamed.body.scimType, "uniqueness");
    assert.equal((await stored(other))?.user_name, "other.user");
  });

  it("an attribute or schema no schema defines is a 400 invalidSyntax, and nothing is stored", async () => {
    const cases = [
      { schemas: [USER_URN], userName: "unknown.attr", shoeSize: 9 },
      { schemas: [USER_URN], userName: "unknown.sub", name: { givenName: "A", nickname2: "x" } },
      { schemas: [USER_URN, "urn:example:params:scim:schemas:extension:acme:2.0:User"], userName: "unknown.schema" },
    ];
    for (const body of cases) {
      const res = await t.http.post("/scim/v2/Users").set(h()).send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.scimType, "invalidSyntax");
      const row = await t.store.db.selectFrom("members").select("id").where("org_id", "=", org.id).where("user_name_key", "=", body.userName).executeTakeFirst();
      assert.equal(row, undefined);
    }
    const id = await scimUser(t, org, "patch.unknown");
    const res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", path: "shoeSize", value: 9 }));
    assert.equal(res.status, 400);
  });

  it("filtering: eq and and are supported; an unknown attribute is a 400 invalidFilter; no filter in the URI of other methods", async () => {
    const id = await scimUser(t, org, "filter.me", {}, { displayName: "Filter Me" });
    assert.deepEqual((await filter("Users", 'userName eq "filter.me" and displayName eq "Filter Me"')).body.Resources.map((u: { id: string }) => u.id), [id]);
    const bad = await filter("Users", 'shoeSize eq "9"');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, "invalidFilter");
    const groups = await filter("Groups", 'userName eq "filter.me"');
    assert.equal(groups.status, 400, "userName is not an attribute of Group");
    for (const method of ["patch", "delete", "put"] as const) {
      const res = await t.http[method](`/scim/v2/Users/${id}?filter=${encodeURIComponent('userName eq "filter.me"')}`).set(h()).send(patch({ op: "replace", path: "active", value: false }));
      assert.equal(res.status, 400, method);
      assert.equal(res.body.scimType, "invalidSyntax");
    }
    assert.equal((await stored(id))?.active, 1, "nothing was applied");
  });

  it("pagination: at least 100 by default, count 100 honoured, a count over the maximum gets fewer", async () => {
    const small = await startTestApp({ maxPageSize: 120 });
    try {
      const o = await small.newOrg();
      const rows = Array.from({ length: 130 }, (_, i) => ({ schemas: [USER_URN], userName: `page.${String(i).padStart(3, "0")}` }));
      for (const body of rows) assert.equal((await small.http.post("/scim/v2/Users").set(auth(o.key)).send(body)).status, 201);
      const all = await small.http.get("/scim/v2/Users").set(auth(o.key));
      assert.equal(all.body.totalResults, 130);
      assert.equal(all.body.Resources.length, 100);
      assert.equal((await small.http.get("/scim/v2/Users?count=100").set(auth(o.key))).body.Resources.length, 100);
      assert.equal((await small.http.get("/scim/v2/Users?count=500").set(auth(o.key))).body.Resources.length, 120);
    } finally {
      await small.close();
    }
  });

  it("PATCH: add and replace are the same on a simple attribute; replace of a complex attribute replaces it, add merges", async () => {
    const id = await scimUser(t, org, "patch.rules", {}, { name: { givenName: "Ann", familyName: "Lee" }, title: "Old" });
    let res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "add", path: "title", value: "New" }));
    assert.equal(res.body.title, "New");
    res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", path: "title", value: "Newer" }));
    assert.equal(res.body.title, "Newer");
    res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "add", path: "name", value: { middleName: "B" } }));
    assert.deepEqual(res.body.name, { givenName: "Ann", familyName: "Lee", middleName: "B" });
    res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", path: "name", value: { givenName: "Bea" } }));
    assert.deepEqual(res.body.name, { givenName: "Bea" });
    const row = await stored(id);
    assert.equal(row?.given_name, "Bea");
    assert.equal(row?.family_name, null);
  });

  it("PATCH: replace of a multi-valued attribute replaces the collection, add appends", async () => {
    const id = await scimUser(t, org, "multi.rules", {}, { phoneNumbers: [{ value: "+1 555 0100", type: "work" }] });
    let res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "add", path: "phoneNumbers", value: [{ value: "+1 555 0101", type: "mobile" }] }));
    assert.deepEqual(res.body.phoneNumbers.map((p: { type: string }) => p.type), ["work", "mobile"]);
    res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", path: "phoneNumbers", value: [{ value: "+1 555 0102", type: "home" }] }));
    assert.deepEqual(res.body.phoneNumbers.map((p: { type: string }) => p.type), ["home"]);
    assert.deepEqual(JSON.parse((await stored(id))!.resource).phoneNumbers.map((p: { value: string }) => p.value), ["+1 555 0102"]);
  });

  it("lifecycle: PATCH never deletes; DELETE deletes (not a deactivation), 404 after, the userName is free again", async () => {
    const id = await scimUser(t, org, "life.cycle");
    await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", path: "active", value: false }));
    assert.equal((await stored(id))?.active, 0, "deactivated, still there");
    assert.equal((await t.http.delete(`/scim/v2/Users/${id}`).set(h())).status, 204);
    assert.equal(await stored(id), undefined, "the row is gone, not merely inactive");
    assert.equal((await t.http.get(`/scim/v2/Users/${id}`).set(h())).status, 404);
    assert.equal((await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", path: "title", value: "x" }))).status, 404);
    assert.equal((await filter("Users", 'userName eq "life.cycle"')).body.totalResults, 0);
    assert.equal((await t.http.post("/scim/v2/Users").set(h()).send({ schemas: [USER_URN], userName: "life.cycle" })).status, 201);
  });

  it("resource types have their own endpoints; the root /.search is the one place that mixes them", async () => {
    const g = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: "Interop Team" });
    assert.equal((await t.http.get(`/scim/v2/Users/${g.body.id}`).set(h())).status, 404, "a Group is not served under /Users");
    const types = (await t.http.get("/scim/v2/ResourceTypes")).body.Resources.map((r: { endpoint: string }) => r.endpoint);
    assert.equal(new Set(types).size, types.length);
  });

  it("departure, kept for Entra and W&B: a path-less PATCH is still applied (README explains)", async () => {
    const id = await scimUser(t, org, "pathless.kept");
    const res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "replace", value: { active: false } }));
    assert.equal(res.status, 200);
    assert.equal((await stored(id))?.active, 0);
  });

  describe("a connection that follows the profile strictly (interopProfile: true)", () => {
    let strict: { id: string; key: string };
    let lenient: { id: string; key: string };
    before(async () => {
      // an org-scoped service account (what a connection is) needs the org's default team
      const team = await as(t, org.key).post("/teams", { name: "Everyone", domainMatching: true });
      assert.equal(team.status, 201, team.text);
      assert.equal((await as(t, org.key).patch("/org", { defaultTeamId: team.body.id })).status, 200);
      const make = async (name: string, interopProfile?: boolean) => {
        const res = await as(t, org.key).post("/scim-connections", { name, ...(interopProfile === undefined ? {} : { interopProfile }) });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.interopProfile, interopProfile === true);
        return { id: res.body.id as string, key: res.body.key as string };
      };
      strict = await make("conformant-idp", true);
      lenient = await make("entra");
    });
    const spc = async (key?: string) => {
      const req = t.http.get("/scim/v2/ServiceProviderConfig");
      const res = await (key ? req.set(auth(key)) : req);
      assert.equal(res.status, 200, res.text);
      return res.body as Record<string, unknown>;
    };

    it("/ServiceProviderConfig claims interopProfileConformant: true for that connection's credential only", async () => {
      assert.equal((await spc(strict.key)).interopProfileConformant, true);
      assert.equal((await spc(lenient.key)).interopProfileConformant, undefined, "a lenient connection: omitted, as the draft asks");
      assert.equal((await spc(org.key)).interopProfileConformant, undefined);
      assert.equal((await spc()).interopProfileConformant, undefined, "no credential: the default");
      const bad = await t.http.get("/scim/v2/ServiceProviderConfig").set(auth("rc_not-a-key"));
      assert.equal(bad.status, 200, "discovery needs no credential: a bad one is answered as none");
      assert.equal(bad.body.interopProfileConformant, undefined);
      assert.equal(bad.headers["www-authenticate"], undefined);
    });

    it("a path-less PATCH is a 400 invalidSyntax and changes nothing; the same with a path is applied", async () => {
      const id = await scimUser(t, org, "strict.patch");
      const g = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: "Strict Team" });
      for (const [url, op] of [[`/scim/v2/Users/${id}`, { op: "replace", value: { active: false } }], [`/scim/v2/Groups/${g.body.id}`, { op: "replace", value: { displayName: "Renamed" } }],
        [`/scim/v2/Users/${id}`, { op: "Replace", value: { "name.givenName": "Entra" } }]] as const) {
        const res = await t.http.patch(url).set(auth(strict.key)).send(patch({ op: "add", path: "displayName", value: "first op fine" }, op));
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.scimType, "invalidSyntax");
        assert.match(res.body.detail, /operation 2 has no "path"/);
      }
      assert.equal((await stored(id))?.active, 1);
      assert.equal((await stored(id))?.display_name ?? null, null);
      assert.equal((await t.http.get(`/scim/v2/Groups/${g.body.id}`).set(h())).body.displayName, "Strict Team");
      const ok = await t.http.patch(`/scim/v2/Users/${id}`).set(auth(strict.key)).send(patch({ op: "replace", path: "active", value: false }));
      assert.equal(ok.status, 200, ok.text);
      assert.equal((await stored(id))?.active, 0);
      // in /Bulk too: that operation fails, the others stand
      const bulk = await t.http.post("/scim/v2/Bulk").set(auth(strict.key)).send({
        schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        Operations: [{ method: "PATCH", path: `/Users/${id}`, data: patch({ op: "replace", value: { active: true } }) }],
      });
      assert.equal(bulk.status, 200, bulk.text);
      assert.equal(bulk.body.Operations[0].status, "400");
      assert.equal((await stored(id))?.active, 0);
    });

    it("other connections (Entra, W&B) keep path-less PATCH; turning the setting off restores it for that connection", async () => {
      const id = await scimUser(t, org, "lenient.patch");
      const res = await t.http.patch(`/scim/v2/Users/${id}`).set(auth(lenient.key)).send(patch({ op: "replace", value: { active: false } }));
      assert.equal(res.status, 200, res.text);
      const off = await as(t, org.key).patch(`/scim-connections/${strict.id}`, { interopProfile: false });
      assert.equal(off.status, 200, off.text);
      assert.equal(off.body.interopProfile, false);
      assert.equal((await spc(strict.key)).interopProfileConformant, undefined);
      const again = await t.http.patch(`/scim/v2/Users/${id}`).set(auth(strict.key)).send(patch({ op: "replace", value: { active: true } }));
      assert.equal(again.status, 200, again.text);
      const on = await as(t, org.key).patch(`/scim-connections/${strict.id}`, { interopProfile: true });
      assert.equal(on.body.interopProfile, true);
      const audit = await t.store.db.selectFrom("audit_events").select("detail").where("org_id", "=", org.id).where("action", "=", "scim_connection.update").orderBy("id", "desc").executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(audit.detail!).after.interopProfile, true);
    });
  });
});
