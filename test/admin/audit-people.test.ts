/**
 * The audit log for people (issue 12, part B): names instead of ids, changes in
 * words (no database columns, no raw JSON), search by person, filters by door
 * and action — through the admin API the console reads.
 */
import assert from "node:assert/strict";
import { startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, problem, type TestMember } from "./principals.ts";

describe("admin API: the audit log for people", () => {
  let t: TestApp;
  let ada: TestMember;
  let grace: TestMember;
  let teamId: string;
  before(async () => {
    t = await startTestApp();
    ada = await addMember(t, "ada", "admin");
    grace = await addMember(t, "grace");
    await t.store.db.updateTable("members").set({ display_name: "Ada Lovelace", display_name_key: "ada lovelace" }).where("id", "=", ada.id).execute();
    await t.store.db.updateTable("members").set({ display_name: "Grace Hopper", display_name_key: "grace hopper" }).where("id", "=", grace.id).execute();
    expectOk(await as(t, ada.key).patch(`/members/${grace.id}`, { active: false }));
    teamId = expectOk(await as(t, ada.key).post("/teams", { name: "Research" }), 201).id;
    expectOk(await as(t, ada.key).put(`/teams/${teamId}/members/${grace.id}`, { role: "admin" }), 201);
  });
  after(async () => t?.close());

  it("names the actor and the target, and says what changed in words", async () => {
    const { events } = expectOk(await as(t, ada.key).get("/audit?action=member.deactivate"));
    assert.equal(events.length, 1);
    const e = events[0];
    assert.equal(e.actorName, "Ada Lovelace (ada)");
    assert.equal(e.targetName, "Grace Hopper (grace)");
    assert.equal(e.summary, "Ada Lovelace (ada) deactivated a member: Grace Hopper (grace)");
    assert.deepEqual(e.changes, [{ what: "status", before: "active", after: "inactive" }]);
    for (const c of events.flatMap((x: any) => x.changes)) assert.doesNotMatch(`${c.what} ${c.before} ${c.after}`, /_|\{|"/, "no column names, no JSON");
  });

  it("a team change about a member names the team and the member", async () => {
    const { events } = expectOk(await as(t, ada.key).get("/audit?action=team.member.add"));
    assert.equal(events[0].summary, "Ada Lovelace (ada) added a member to a team: Research, for Grace Hopper (grace)");
    assert.deepEqual(events[0].changes, [{ what: "team role", before: null, after: "Admin" }]);
  });

  it("search by person finds what they did and what was done to them", async () => {
    const about = expectOk(await as(t, ada.key).get("/audit?person=grace")).events.map((e: any) => e.action).sort();
    assert.deepEqual(about, ["member.create", "member.deactivate", "provision.joined", "team.member.add"]);
    const byName = expectOk(await as(t, ada.key).get("/audit?person=ada%20love")).events;
    assert.ok(byName.length >= 3 && byName.every((e: any) => e.actor === `member:${ada.id}` || e.targetId === ada.id), JSON.stringify(byName.map((e: any) => e.summary)));
    assert.deepEqual(expectOk(await as(t, ada.key).get("/audit?person=nobody")).events, []);
    assert.deepEqual(expectOk(await as(t, ada.key).get("/audit?person=%25")).events, [], "a LIKE wildcard is a literal character");
  });

  it("filters by door, and lists the actions in words for the filter", async () => {
    const scim = expectOk(await as(t, ada.key).get("/audit?door=scim")).events;
    assert.ok(scim.length >= 2 && scim.every((e: any) => e.door === "scim" && /^(member\.create|provision\.joined)$/.test(e.action)));
    assert.ok(expectOk(await as(t, ada.key).get("/audit?door=admin")).events.every((e: any) => e.door === "admin"));
    problem(await as(t, ada.key).get("/audit?door=back-door"), 400);
    const { actions } = expectOk(await as(t, ada.key).get("/audit/actions"));
    assert.ok(actions.some((a: any) => a.action === "member.remove" && a.words === "removed a member"));
    problem(await as(t, (await addMember(t, "linus")).key).get("/audit/actions"), 403);
  });

  it("a removed member keeps the name the event recorded", async () => {
    expectOk(await as(t, ada.key).delete(`/members/${grace.id}`), 204);
    const { events } = expectOk(await as(t, ada.key).get("/audit?action=member.remove"));
    assert.equal(events[0].targetName, "grace");
  });
});
