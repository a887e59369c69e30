/**
 * The members directory (`GET /api/v1/members`, src/org/members/directory.ts):
 * server-side sort and order over filters and paging, the same on SQLite and
 * PostgreSQL (members without a display name or e-mail come last either way).
 */
import assert from "node:assert/strict";
import { auth, startTestApp, type TestApp, type TestOrg } from "../support/app.ts";
import { adminMember, scimUser } from "../support/members.ts";

describe("admin API: the members directory (sort, order, filters, paging)", () => {
  let t: TestApp;
  let org: TestOrg;
  let key: string;
  const names = async (query: string) => {
    const res = await t.http.get(`/api/v1/members${query}`).set(auth(key));
    assert.equal(res.status, 200, res.text);
    return (res.body.items as { userName: string }[]).map((m) => m.userName);
  };

  before(async () => {
    t = await startTestApp();
    org = await t.newOrg();
    const ann = await adminMember(t, org, "ann");
    key = ann.key;
    const email = (value: string) => ({ emails: [{ value, type: "work", primary: true }] });
    await t.store.db.deleteFrom("member_emails").where("member_id", "=", ann.id).execute();
    await t.http.patch(`/scim/v2/Users/${ann.id}`).set(auth(org.key))
      .send({ Operations: [{ op: "replace", value: { displayName: "Zed Ann", ...email("zz@example.com") } }] }).expect(200);
    const bob = await scimUser(t, org, "Bob", {}, email("aa@example.com"));
    const cy = await scimUser(t, org, "cy", { organizationRole: "viewer" }, { displayName: "Alpha Cy", emails: [] });
    const dee = await scimUser(t, org, "dee", {}, { displayName: "mid Dee", ...email("mm@example.com") });
    // Creation times set apart, so the createdAt order does not depend on the clock's resolution.
    const created: [string, string][] = [[dee, "2026-01-01T00:00:00.000Z"], [ann.id, "2026-02-01T00:00:00.000Z"], [cy, "2026-03-01T00:00:00.000Z"], [bob, "2026-04-01T00:00:00.000Z"]];
    for (const [id, at] of created) await t.store.db.updateTable("members").set({ created_at: at }).where("id", "=", id).execute();
  });
  after(async () => { await t.close(); });

  it("sorts by userName (the default, case-insensitive) in either order", async () => {
    assert.deepEqual(await names(""), ["ann", "Bob", "cy", "dee"]);
    assert.deepEqual(await names("?sort=userName&order=asc"), ["ann", "Bob", "cy", "dee"]);
    assert.deepEqual(await names("?order=desc"), ["dee", "cy", "Bob", "ann"]);
  });

  it("sorts by displayName and by primary e-mail; members without one come last in both orders", async () => {
    assert.deepEqual(await names("?sort=displayName"), ["cy", "dee", "ann", "Bob"]);
    assert.deepEqual(await names("?sort=displayName&order=desc"), ["ann", "dee", "cy", "Bob"]);
    assert.deepEqual(await names("?sort=email"), ["Bob", "dee", "ann", "cy"]);
    assert.deepEqual(await names("?sort=email&order=desc"), ["ann", "dee", "Bob", "cy"]);
  });

  it("sorts by orgRole (ties by userName) and by createdAt", async () => {
    assert.deepEqual(await names("?sort=orgRole"), ["ann", "Bob", "dee", "cy"]);
    assert.deepEqual(await names("?sort=orgRole&order=desc"), ["cy", "dee", "Bob", "ann"]);
    assert.deepEqual(await names("?sort=createdAt"), ["dee", "ann", "cy", "Bob"]);
    assert.deepEqual(await names("?sort=createdAt&order=desc"), ["Bob", "cy", "ann", "dee"]);
  });

  it("pages and filters within the sort, keeping the {items,total,offset,limit} contract", async () => {
    const res = await t.http.get("/api/v1/members?sort=email&limit=2&offset=2").set(auth(key));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body).sort(), ["items", "limit", "offset", "total"]);
    assert.deepEqual([res.body.total, res.body.offset, res.body.limit], [4, 2, 2]);
    assert.deepEqual(res.body.items.map((m: { userName: string }) => m.userName), ["ann", "cy"]);
    assert.equal(res.body.items[0].email, "zz@example.com");
    assert.equal(res.body.items[1].email, null);
    assert.deepEqual(await names("?role=member&sort=email&order=desc"), ["dee", "Bob"]);
    assert.deepEqual(await names("?q=dee&sort=displayName"), ["dee"]);
  });

  it("refuses an unknown sort or order with a 400 naming the allowed values", async () => {
    for (const q of ["?sort=password", "?order=sideways"]) {
      const res = await t.http.get(`/api/v1/members${q}`).set(auth(key));
      assert.equal(res.status, 400, res.text);
      assert.match(res.body.detail, q.startsWith("?sort") ? /user name.*display name.*email.*org role.*created at/ : /asc.*desc/);
    }
  });
});
