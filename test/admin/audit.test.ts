import assert from "node:assert/strict";
import { startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, problem, type TestMember } from "./principals.ts";

describe("admin API: audit log", () => {
  let t: TestApp;
  let admin: TestMember;
  let member: TestMember;
  const teamIds: string[] = [];
  let start: string;
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "admin", "admin");
    member = await addMember(t, "member");
    start = new Date().toISOString();
    for (let i = 0; i < 5; i++) teamIds.push(expectOk(await as(t, admin.key).post("/teams", { name: `team-${i}` }), 201).id);
    expectOk(await as(t, admin.key).patch(`/teams/${teamIds[0]}`, { name: "renamed" }));
    expectOk(await as(t, t.org.key).patch("/org", { autoProvisioning: false }));
  });
  after(async () => t?.close());

  it("lists newest first with who, what, target, door and before/after", async () => {
    const { events } = expectOk(await as(t, admin.key).get("/audit"));
    assert.equal(events[0].action, "org.update");
    assert.match(events[0].actor, /^key:/);
    assert.equal(events[0].door, "admin");
    assert.deepEqual(events[0].detail, { before: { autoProvisioning: true }, after: { autoProvisioning: false } });
    assert.equal(events[1].action, "team.update");
    assert.equal(events[1].targetType, "team");
    assert.equal(events[1].targetId, teamIds[0]);
    assert.deepEqual(events[1].detail.after, { display_name: "renamed" });
    for (let i = 1; i < events.length; i++) assert.ok(events[i - 1].at >= events[i].at);
    // SCIM-door events are in the same log
    assert.ok(events.some((e: any) => e.door === "scim" && e.action === "member.create"));
  });

  it("filters by actor, action (exact or prefix.*), target and time", async () => {
    const byActor = expectOk(await as(t, admin.key).get(`/audit?actor=member:${admin.id}`)).events;
    assert.equal(byActor.length, 6);
    assert.ok(byActor.every((e: any) => e.actor === `member:${admin.id}`));
    assert.equal(expectOk(await as(t, admin.key).get("/audit?action=team.create")).events.length, 5);
    assert.equal(expectOk(await as(t, admin.key).get("/audit?action=team.*")).events.length, 6);
    const byTarget = expectOk(await as(t, admin.key).get(`/audit?target=${teamIds[0]}`)).events;
    assert.deepEqual(byTarget.map((e: any) => e.action), ["team.update", "team.create"]);
    const since = expectOk(await as(t, admin.key).get(`/audit?since=${start}`)).events;
    assert.ok(!since.some((e: any) => e.action === "member.create"));
    const until = expectOk(await as(t, admin.key).get(`/audit?until=${start}`)).events;
    assert.ok(until.length >= 2 && until.every((e: any) => e.at <= start));
  });

  it("pages with a cursor, without gaps or repeats, even while new events arrive", async () => {
    const all = expectOk(await as(t, admin.key).get("/audit?limit=200")).events.map((e: any) => e.id);
    const seen: number[] = [];
    let cursor: string | null = null;
    let first = true;
    do {
      const page: any = expectOk(await as(t, admin.key).get(`/audit?limit=3${cursor ? `&cursor=${cursor}` : ""}`));
      assert.ok(page.events.length <= 3);
      seen.push(...page.events.map((e: any) => e.id));
      cursor = page.nextCursor;
      if (first) { expectOk(await as(t, admin.key).post("/teams", { name: "late" }), 201); first = false; }
    } while (cursor);
    assert.deepEqual(seen, all);
  });

  it("refuses bad parameters with 400 and non-admins with 403", async () => {
    problem(await as(t, admin.key).get("/audit?limit=0"), 400, /limit/);
    problem(await as(t, admin.key).get("/audit?limit=201"), 400, /limit/);
    problem(await as(t, admin.key).get("/audit?limit=ten"), 400, /limit/);
    problem(await as(t, admin.key).get("/audit?since=yesterday"), 400, /ISO-8601/);
    problem(await as(t, admin.key).get("/audit?cursor=garbage"), 400, /cursor/);
    problem(await as(t, member.key).get("/audit"), 403, /org admins/);
  });

  it("shows only the caller's org", async () => {
    const other = await t.newOrg();
    expectOk(await as(t, other.key).post("/teams", { name: "elsewhere" }), 201);
    const { events } = expectOk(await as(t, admin.key).get("/audit?action=team.create&limit=200"));
    assert.ok(!events.some((e: any) => e.detail?.displayName === "elsewhere"));
  });
});
