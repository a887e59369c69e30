import assert from "node:assert/strict";
import { auth, GROUP_URN, patch, startTestApp, user, type TestApp } from "../support/app.ts";

describe("SCIM /Groups", () => {
  let t: TestApp;
  const ids: string[] = [];
  before(async () => {
    t = await startTestApp();
    for (let i = 0; i < 5; i++) ids.push((await t.http.post("/scim/v2/Users").set(auth(t.org.key)).send(user(`member${i}`))).body.id);
  });
  after(async () => { await t.close(); });
  const h = () => auth(t.org.key);
  const group = (displayName: string, members: string[] = []) => ({ schemas: [GROUP_URN], displayName, members: members.map((value) => ({ value })) });
  const memberIds = async (id: string) => ((await t.http.get(`/scim/v2/Groups/${id}`).set(h())).body.members ?? []).map((m: any) => m.value).sort();

  it("creates a group with members (value, $ref, display, type User)", async () => {
    const res = await t.http.post("/scim/v2/Groups").set(h()).send(group("Research", ids.slice(0, 2)));
    assert.equal(res.status, 201);
    assert.equal(res.headers.location, res.body.meta.location);
    assert.equal(res.body.displayName, "Research");
    assert.equal(res.body.members.length, 2);
    for (const m of res.body.members) {
      assert.equal(m.type, "User");
      assert.match(m.$ref, new RegExp(`/scim/v2/Users/${m.value}$`));
      assert.match(m.display, /^member\d$/);
    }
  });

  it("keeps displayName unique per org case-insensitively", async () => {
    const res = await t.http.post("/scim/v2/Groups").set(h()).send(group("RESEARCH"));
    assert.equal(res.status, 409);
    assert.equal(res.body.scimType, "uniqueness");
  });

  it("refuses unknown member ids (400 invalidValue) and Group members (400), creating nothing", async () => {
    const unknown = await t.http.post("/scim/v2/Groups").set(h()).send(group("Ghosts", [ids[0]!, "no-such-id"]));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.scimType, "invalidValue");
    assert.match(unknown.body.detail, /no-such-id/);
    const nested = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: "Nested", members: [{ value: ids[0], type: "Group" }] });
    assert.equal(nested.status, 400);
    assert.match(nested.body.detail, /nested groups/i);
    const list = await t.http.get(`/scim/v2/Groups?filter=${encodeURIComponent('displayName eq "Ghosts" or displayName eq "Nested"')}`).set(h());
    assert.equal(list.body.totalResults, 0);
  });

  it("PATCH adds and removes members as deltas and answers 204", async () => {
    const g = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Deltas", [ids[0]!]))).body;
    const add = await t.http.patch(`/scim/v2/Groups/${g.id}`).set(h()).send(patch({ op: "add", path: "members", value: [{ value: ids[1] }, { value: ids[2] }] }));
    assert.equal(add.status, 204);
    assert.ok(add.headers.etag);
    assert.deepEqual(await memberIds(g.id), [ids[0], ids[1], ids[2]].sort());
    const again = await t.http.patch(`/scim/v2/Groups/${g.id}`).set(h()).send(patch({ op: "add", path: "members", value: [{ value: ids[1] }] }));
    assert.equal(again.status, 204);
    assert.equal((await memberIds(g.id)).length, 3);
    const rm = await t.http.patch(`/scim/v2/Groups/${g.id}`).set(h()).send(patch({ op: "remove", path: `members[value eq "${ids[0]}"]` }));
    assert.equal(rm.status, 204);
    assert.deepEqual(await memberIds(g.id), [ids[1], ids[2]].sort());
    const replace = await t.http.patch(`/scim/v2/Groups/${g.id}`).set(h()).send(patch({ op: "replace", path: "members", value: [{ value: ids[3] }] }));
    assert.equal(replace.status, 204);
    assert.deepEqual(await memberIds(g.id), [ids[3]]);
  });

  it("PATCH returns the group with 200 when attributes are asked for", async () => {
    const g = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Asked"))).body;
    const res = await t.http.patch(`/scim/v2/Groups/${g.id}?attributes=displayName,members`).set(h()).send(patch({ op: "replace", path: "displayName", value: "Asked Again" }));
    assert.equal(res.status, 200);
    assert.equal(res.body.displayName, "Asked Again");
  });

  it("PATCH is all or nothing: a bad member id leaves the group as it was", async () => {
    const g = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Atomic", [ids[0]!]))).body;
    const res = await t.http.patch(`/scim/v2/Groups/${g.id}`).set(h()).send(patch(
      { op: "replace", path: "displayName", value: "Atomic Renamed" },
      { op: "add", path: "members", value: [{ value: ids[1] }] },
      { op: "add", path: "members", value: [{ value: "missing-user" }] },
    ));
    assert.equal(res.status, 400);
    const now = await t.http.get(`/scim/v2/Groups/${g.id}`).set(h());
    assert.equal(now.body.displayName, "Atomic");
    assert.deepEqual(now.body.members.map((m: any) => m.value), [ids[0]]);
  });

  it("excludedAttributes=members leaves members out of GET and list", async () => {
    const g = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Lean", ids))).body;
    const one = await t.http.get(`/scim/v2/Groups/${g.id}?excludedAttributes=members`).set(h());
    assert.equal(one.body.members, undefined);
    assert.equal(one.body.displayName, "Lean");
    const list = await t.http.get("/scim/v2/Groups?excludedAttributes=members").set(h());
    assert.ok(list.body.Resources.length >= 1);
    assert.ok(list.body.Resources.every((r: any) => r.members === undefined));
  });

  it("PUT replaces name and members; without members it keeps them", async () => {
    const g = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Putty", [ids[0]!]))).body;
    const put = await t.http.put(`/scim/v2/Groups/${g.id}`).set(h()).send(group("Putty2", [ids[1]!, ids[2]!]));
    assert.equal(put.status, 200);
    assert.equal(put.body.displayName, "Putty2");
    assert.deepEqual(await memberIds(g.id), [ids[1], ids[2]].sort());
    const rename = await t.http.put(`/scim/v2/Groups/${g.id}`).set(h()).send({ schemas: [GROUP_URN], displayName: "Putty3" });
    assert.equal(rename.status, 200);
    assert.deepEqual(await memberIds(g.id), [ids[1], ids[2]].sort());
  });

  it("concurrent adds never lose a member", async () => {
    const g = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Racing"))).body;
    await Promise.all(ids.map((id) => t.http.patch(`/scim/v2/Groups/${g.id}`).set(h()).send(patch({ op: "add", path: "members", value: [{ value: id }] })).expect(204)));
    assert.deepEqual(await memberIds(g.id), [...ids].sort());
  });

  it("If-Match on PATCH and DELETE: stale → 412, current → applied", async () => {
    const created = await t.http.post("/scim/v2/Groups").set(h()).send(group("Versioned"));
    const v1 = created.headers.etag;
    const ok = await t.http.patch(`/scim/v2/Groups/${created.body.id}`).set(h()).set("If-Match", v1).send(patch({ op: "add", path: "members", value: [{ value: ids[0] }] }));
    assert.equal(ok.status, 204);
    const stale = await t.http.patch(`/scim/v2/Groups/${created.body.id}`).set(h()).set("If-Match", v1).send(patch({ op: "add", path: "members", value: [{ value: ids[1] }] }));
    assert.equal(stale.status, 412);
    assert.equal((await t.http.delete(`/scim/v2/Groups/${created.body.id}`).set(h()).set("If-Match", v1)).status, 412);
    assert.equal((await t.http.delete(`/scim/v2/Groups/${created.body.id}`).set(h()).set("If-Match", ok.headers.etag)).status, 204);
    assert.equal((await t.http.get(`/scim/v2/Groups/${created.body.id}`).set(h())).status, 404);
  });

  it("a user's groups attribute lists its teams", async () => {
    const g = (await t.http.post("/scim/v2/Groups").set(h()).send(group("Shown", [ids[4]!]))).body;
    const u = await t.http.get(`/scim/v2/Users/${ids[4]}`).set(h());
    assert.ok(u.body.groups.some((x: any) => x.value === g.id && x.display === "Shown"));
  });
});
