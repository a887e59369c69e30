/**
 * Removing a member from the org moves the revision of every team they were in, so a
 * Group's ETag / meta.version never outlives its members and an If-Match with the old
 * version is refused (412) — through SCIM DELETE /Users, the admin API and the CLI. The
 * removal locks the member's teams before the member (team rows before member rows, as
 * every writer): a concurrent Group PATCH and member removal queue behind each other on
 * PostgreSQL, both finish, and the ETag moves. Runs on SQLite and PostgreSQL (DATABASE_URL).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { as } from "../admin/principals.ts";
import { auth, GROUP_URN, patch, startTestApp, user, type TestApp } from "../support/app.ts";
import { race } from "./race.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

describe(`a member's removal moves their Groups' versions (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, function () {
  this.timeout(60_000);
  let t: TestApp;
  let n = 0;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });
  const h = () => auth(t.org.key);

  /** Two Groups that share a member `leaver`; the first has a second member `stayer`. */
  const setup = async () => {
    const i = ++n;
    const leaver = await t.http.post("/scim/v2/Users").set(h()).send(user(`leaver${i}`));
    const stayer = await t.http.post("/scim/v2/Users").set(h()).send(user(`stayer${i}`));
    const joiner = await t.http.post("/scim/v2/Users").set(h()).send(user(`joiner${i}`));
    const g1 = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: `Shared ${i}`, members: [{ value: leaver.body.id }, { value: stayer.body.id }] });
    const g2 = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: `Other ${i}`, members: [{ value: leaver.body.id }] });
    assert.deepEqual([leaver.status, stayer.status, joiner.status, g1.status, g2.status], [201, 201, 201, 201, 201]);
    return {
      leaverId: leaver.body.id as string, leaverName: `leaver${i}`, stayerId: stayer.body.id as string, joinerId: joiner.body.id as string,
      groups: [`/scim/v2/Groups/${g1.body.id as string}`, `/scim/v2/Groups/${g2.body.id as string}`],
    };
  };
  const read = async (url: string) => {
    const r = await t.http.get(url).set(h());
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.etag, r.body.meta.version, "ETag = meta.version");
    return { etag: r.headers.etag as string, version: r.body.meta.version as string, lastModified: r.body.meta.lastModified as string, members: ((r.body.members ?? []) as { value: string }[]).map((m) => m.value).sort() };
  };
  const renameIfMatch = (url: string, etag: string, name: string) =>
    t.http.patch(url).set(h()).set("If-Match", etag).send(patch({ op: "replace", path: "displayName", value: name }));

  /** After the removal: each Group's version moved, the old one is refused (412), the current one works. */
  async function versionsMoved(groups: string[], before: { etag: string; version: string }[], leaverId: string) {
    for (const [i, url] of groups.entries()) {
      const now = await read(url);
      assert.notEqual(now.version, before[i]!.version, `${url}: meta.version moved`);
      assert.notEqual(now.etag, before[i]!.etag, `${url}: ETag moved`);
      assert.ok(!now.members.includes(leaverId));
      const stale = await renameIfMatch(url, before[i]!.etag, `stale ${i}`);
      assert.equal(stale.status, 412, stale.text);
      const cached = await t.http.get(url).set(h()).set("If-None-Match", before[i]!.etag);
      assert.equal(cached.status, 200, "the old version is no longer current");
      const fresh = await renameIfMatch(url, now.etag, `fresh ${n} ${i}`);
      assert.ok([200, 204].includes(fresh.status), fresh.text);
    }
  }

  it("SCIM DELETE /Users/{id}", async () => {
    const s = await setup();
    const before = await Promise.all(s.groups.map(read));
    assert.equal((await t.http.delete(`/scim/v2/Users/${s.leaverId}`).set(h())).status, 204);
    await versionsMoved(s.groups, before, s.leaverId);
  });

  it("admin API DELETE /members/{id}, and a bulk removal", async () => {
    const s = await setup();
    const before = await Promise.all(s.groups.map(read));
    assert.equal((await as(t, t.org.key).delete(`/members/${s.leaverId}`)).status, 204);
    await versionsMoved(s.groups, before, s.leaverId);
    const s2 = await setup();
    const before2 = await Promise.all(s2.groups.map(read));
    const bulk = await as(t, t.org.key).post("/members/bulk", { ids: [s2.leaverId], remove: true });
    assert.equal(bulk.status, 200, bulk.text);
    assert.equal(bulk.body.changed, 1);
    await versionsMoved(s2.groups, before2, s2.leaverId);
  });

  it("rollcall member remove (the CLI)", async () => {
    const s = await setup();
    const before = await Promise.all(s.groups.map(read));
    const out = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const env = { ...process.env, DATABASE_URL: t.store.url };
      execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "src", "cli.ts"), "member", "remove", "--org", t.org.name, s.leaverName], { cwd: ROOT, env, timeout: 30_000 },
        (err, _stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stderr }));
    });
    assert.equal(out.code, 0, out.stderr);
    await versionsMoved(s.groups, before, s.leaverId);
  });

  it("a Group PATCH holding the Group while the member is removed: the removal waits, both finish, the ETag moves past the PATCH's", async () => {
    const s = await setup();
    const url = s.groups[0]!;
    const before = await read(url);
    const { a, b } = await race(t, "team.update.locked",
      () => t.http.patch(url).set(h()).set("If-Match", before.etag).send(patch({ op: "add", path: "members", value: [{ value: s.joinerId }] })),
      () => t.http.delete(`/scim/v2/Users/${s.leaverId}`).set(h()));
    assert.deepEqual([a.status, b.status], [204, 204], JSON.stringify([a.body, b.body]));
    const after = await read(url);
    assert.deepEqual(after.members, [s.joinerId, s.stayerId].sort());
    assert.ok(a.headers.etag === undefined || a.headers.etag !== after.etag, "the PATCH's ETag is not the current one");
    if (a.headers.etag) assert.equal((await renameIfMatch(url, a.headers.etag, "after patch")).status, 412);
    assert.notEqual(after.etag, before.etag);
  });

  it("a member removal holding the member while a Group PATCH adds someone: the PATCH waits, both finish, the ETag moves", async () => {
    const s = await setup();
    const url = s.groups[0]!;
    const before = await read(url);
    const { a, b } = await race(t, "member.delete.locked",
      () => t.http.delete(`/scim/v2/Users/${s.leaverId}`).set(h()),
      () => t.http.patch(url).set(h()).send(patch({ op: "add", path: "members", value: [{ value: s.joinerId }] })));
    assert.deepEqual([a.status, b.status], [204, 204], JSON.stringify([a.body, b.body]));
    const after = await read(url);
    assert.deepEqual(after.members, [s.joinerId, s.stayerId].sort());
    assert.notEqual(after.etag, before.etag);
    assert.equal((await renameIfMatch(url, before.etag, "stale")).status, 412);
    const other = await read(s.groups[1]!);
    assert.deepEqual(other.members, []);
  });

  it("a member removal against a PATCH that removes that same member: no deadlock, the member is gone, no success for a change not made", async () => {
    const s = await setup();
    const url = s.groups[0]!;
    const before = await read(url);
    const { a, b } = await race(t, "member.delete.locked",
      () => t.http.delete(`/scim/v2/Users/${s.leaverId}`).set(h()),
      () => t.http.patch(url).set(h()).send(patch({ op: "remove", path: `members[value eq "${s.leaverId}"]` })));
    assert.equal(a.status, 204, JSON.stringify(a.body));
    // the PATCH ran after the removal committed: its filter selects nobody (RFC 7644 §3.5.2.2 noTarget)
    assert.equal(b.status, 400, JSON.stringify(b.body));
    assert.equal(b.body.scimType, "noTarget");
    const after = await read(url);
    assert.deepEqual(after.members, [s.stayerId]);
    assert.notEqual(after.etag, before.etag);
  });
});
