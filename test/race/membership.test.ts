/**
 * A User deleted while a writer adds it to a Group: the member row is locked before the
 * membership is written (src/org/revision.ts lockExisting), so whichever writer locks
 * first wins and the other sees the result, never a foreign-key 500. The answers are the
 * ones the two requests get one after the other: an add after the delete refers to an
 * unknown User (400 invalidValue, as for any unknown id); a delete after the add removes
 * the User with its membership (or is 412 if its If-Match predates the add, which moved
 * the User's version). Runs on SQLite and PostgreSQL (DATABASE_URL).
 */
import assert from "node:assert/strict";
import { auth, GROUP_URN, patch, startTestApp, user, type TestApp } from "../support/app.ts";
import { race } from "./race.ts";

describe(`add-member against delete-user (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, () => {
  let t: TestApp;
  let n = 0;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });
  const h = () => auth(t.org.key);

  /** A User and a Group that already has one other member. */
  const setup = async () => {
    const i = ++n;
    const u = await t.http.post("/scim/v2/Users").set(h()).send(user(`joiner${i}`));
    const other = await t.http.post("/scim/v2/Users").set(h()).send(user(`stayer${i}`));
    const g = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: `Joined ${i}`, members: [{ value: other.body.id }] });
    assert.deepEqual([u.status, other.status, g.status], [201, 201, 201]);
    return { i, userId: u.body.id as string, userEtag: u.headers.etag as string, otherId: other.body.id as string, groupUrl: `/scim/v2/Groups/${g.body.id as string}` };
  };
  const addTo = (groupUrl: string, userId: string) => t.http.patch(groupUrl).set(h()).send(patch({ op: "add", path: "members", value: [{ value: userId }] }));
  const members = async (groupUrl: string) => {
    const r = await t.http.get(groupUrl).set(h());
    assert.equal(r.status, 200);
    return ((r.body.members ?? []) as { value: string }[]).map((m) => m.value).sort();
  };
  const orphans = async () => (await t.store.db.selectFrom("team_members").leftJoin("members", "members.id", "team_members.member_id")
    .select("team_members.member_id").where("members.id", "is", null).execute()).length;

  it("delete first: the add is refused (400, the id is unknown), the Group keeps its other member", async () => {
    const s = await setup();
    const { a, b } = await race(t, "member.delete.locked", () => t.http.delete(`/scim/v2/Users/${s.userId}`).set(h()), () => addTo(s.groupUrl, s.userId));
    assert.equal(a.status, 204, JSON.stringify(a.body));
    assert.equal(b.status, 400, JSON.stringify(b.body));
    assert.equal(b.body.scimType, "invalidValue");
    assert.match(b.body.detail, new RegExp(s.userId));
    assert.deepEqual(await members(s.groupUrl), [s.otherId]);
    assert.equal(await orphans(), 0);
  });

  it("add first: the add wins, then the delete removes the User and its membership", async () => {
    const s = await setup();
    const { a, b } = await race(t, "team.members.locked", () => addTo(s.groupUrl, s.userId), () => t.http.delete(`/scim/v2/Users/${s.userId}`).set(h()));
    assert.equal(a.status, 204, JSON.stringify(a.body));
    assert.equal(b.status, 204, JSON.stringify(b.body));
    assert.equal((await t.http.get(`/scim/v2/Users/${s.userId}`).set(h())).status, 404);
    assert.deepEqual(await members(s.groupUrl), [s.otherId]);
    assert.equal(await orphans(), 0);
  });

  it("add first, delete with the User's old If-Match: the delete is 412 (the add moved the version) and the User stays a member", async () => {
    const s = await setup();
    const { a, b } = await race(t, "team.members.locked", () => addTo(s.groupUrl, s.userId),
      () => t.http.delete(`/scim/v2/Users/${s.userId}`).set(h()).set("If-Match", s.userEtag));
    assert.equal(a.status, 204, JSON.stringify(a.body));
    assert.equal(b.status, 412, JSON.stringify(b.body));
    assert.deepEqual(await members(s.groupUrl), [s.otherId, s.userId].sort());
  });

  it("a Group created with a User being deleted: 400 naming the id, no Group half-made", async () => {
    const s = await setup();
    const name = `Born ${s.i}`;
    const { a, b } = await race(t, "member.delete.locked", () => t.http.delete(`/scim/v2/Users/${s.userId}`).set(h()),
      () => t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: name, members: [{ value: s.otherId }, { value: s.userId }] }));
    assert.equal(a.status, 204);
    assert.equal(b.status, 400, JSON.stringify(b.body));
    const found = await t.http.get("/scim/v2/Groups").query({ filter: `displayName eq "${name}"` }).set(h());
    assert.equal(found.body.totalResults, 0);
  });

  it("a User deleted while a PATCH removes it from a Group: no deadlock, the member is gone, and the PATCH never claims a removal it did not make", async () => {
    const s = await setup();
    const remove = () => t.http.patch(s.groupUrl).set(h()).send(patch({ op: "remove", path: `members[value eq "${s.otherId}"]` }));
    const { a, b } = await race(t, "team.update.locked", remove, () => t.http.delete(`/scim/v2/Users/${s.otherId}`).set(h()));
    // The delete locks the member's teams before the member (team rows first, as every writer), so on
    // both databases it queues behind the paused PATCH, which removes the member (204); the delete then
    // removes the User (204). The opposite order is in member-removal.test.ts (400 noTarget).
    assert.deepEqual([a.status, b.status], [204, 204], JSON.stringify([a.body, b.body]));
    assert.deepEqual(await members(s.groupUrl), []);
    assert.equal(await orphans(), 0);
  });

  it("a Group deleted while one of its Users is deleted: both win, nothing left over", async () => {
    const s = await setup();
    const { a, b } = await race(t, "team.delete.locked", () => t.http.delete(s.groupUrl).set(h()), () => t.http.delete(`/scim/v2/Users/${s.otherId}`).set(h()));
    assert.deepEqual([a.status, b.status], [204, 204], JSON.stringify([a.body, b.body]));
    assert.equal((await t.http.get(s.groupUrl).set(h())).status, 404);
    assert.equal(await orphans(), 0);
  });
});
