/**
 * Admin API behind the console's people pages (issue 12): sorted member lists,
 * a paged and searchable team roster, bulk changes (one transaction, answered
 * per member by the access policy and the member rules), the CSV export and the
 * member page (teams, sessions, last sign-in, keys, audit events).
 */
import assert from "node:assert/strict";
import { arrive } from "../../src/org/arrival/arrive.ts";
import { auth, startTestApp, type TestApp, type TestOrg } from "../support/app.ts";
import { adminMember, auditActions, createTeam, memberRow, memberWithKey, scimUser, setOrg } from "../support/members.ts";

const API = "/api/v1";

describe("admin API: members table, team roster, bulk changes, CSV export, member page", () => {
  let t: TestApp;
  let org: TestOrg;
  let admin: { id: string; key: string };
  let plain: { id: string; key: string };
  let team: string;
  const ids: Record<string, string> = {};
  const get = (path: string, key = admin.key) => t.http.get(API + path).set(auth(key));
  const post = (path: string, body: object, key = admin.key) => t.http.post(API + path).set(auth(key)).send(body);

  before(async () => {
    t = await startTestApp();
    org = await t.newOrg();
    admin = await adminMember(t, org, "alice.admin");
    plain = await memberWithKey(t, org, "bob.member");
    for (const [name, display, email] of [["carol", "Zed Carol", "carol@b.example"], ["dave", "Aaron Dave", "dave@a.example"], ["erin", "Mid Erin", "=HYPERLINK(\"x\")@c.example"]]) {
      ids[name] = await scimUser(t, org, name, {}, { displayName: display, emails: [{ value: email, primary: true }] });
    }
    team = await createTeam(t, org, "Vision");
    const everyone = [admin.id, plain.id, ...Object.values(ids)].map((value) => ({ value }));
    await t.http.patch(`/scim/v2/Groups/${team}`).set(auth(org.key)).send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: everyone }] }).expect(204);
  });
  after(async () => { await t.close(); });

  it("sorts members on the server by userName, displayName, e-mail, org role and creation, both ways", async () => {
    const names = async (qs: string) => (await get(`/members?${qs}`).expect(200)).body.items.map((m: any) => m.userName);
    assert.deepEqual(await names("sort=userName&order=desc"), ["erin", "dave", "carol", "bob.member", "alice.admin"]);
    const three = (list: string[]) => list.filter((n) => ["carol", "dave", "erin"].includes(n));
    assert.deepEqual(three(await names("sort=displayName")), ["dave", "erin", "carol"]);
    assert.deepEqual(three(await names("sort=email")), ["erin", "carol", "dave"], "\"=HYPERLINK…\" sorts before letters");
    assert.equal((await names("sort=orgRole"))[0], "alice.admin");
    assert.deepEqual(await names("sort=createdAt&limit=2&offset=1"), ["bob.member", "carol"]);
    assert.equal((await get("/members?sort=password").expect(400)).body.status, 400);
  });

  it("pages and searches a team's roster (by user name, display name or e-mail) with its total", async () => {
    const page = (await get(`/teams/${team}/members?limit=2&offset=2`).expect(200)).body;
    assert.equal(page.total, 5);
    assert.deepEqual(page.members.map((m: any) => m.userName), ["carol", "dave"]);
    assert.equal(page.members[0].email, "carol@b.example");
    const found = (await get(`/teams/${team}/members?q=aaron`).expect(200)).body;
    assert.deepEqual([found.total, found.members[0].userName], [1, "dave"]);
    assert.equal((await get(`/teams/${team}/members?q=a.example`).expect(200)).body.total, 1);
    assert.equal((await get(`/teams/${team}/members?limit=501`).expect(400)).body.status, 400);
  });

  it("a bulk role change is one transaction answered per member: the last admin's demotion is refused, the others changed", async () => {
    const before = (await auditActions(t, org)).length;
    const res = (await post("/members/bulk", { ids: [admin.id, ids.carol, ids.dave, "no-such-member"], orgRole: "viewer" }).expect(200)).body;
    assert.equal(res.changed, 2);
    assert.equal(res.refused, 2);
    const byId = new Map(res.results.map((r: any) => [r.id, r]));
    assert.match((byId.get(admin.id) as any).reason, /admin/);
    assert.equal((byId.get("no-such-member") as any).ok, false);
    assert.equal((await memberRow(t, admin.id))?.org_role, "admin", "the refused member is rolled back to its savepoint");
    assert.deepEqual([(await memberRow(t, ids.carol))?.org_role, (await memberRow(t, ids.dave))?.org_role], ["viewer", "viewer"]);
    assert.deepEqual((await auditActions(t, org)).slice(before), ["member.update", "member.update"], "one audit event per change made, none for refusals");
  });

  it("a bulk seat change stops at the seat limit, member by member; a plain member is refused by the access policy", async () => {
    await setOrg(t, org, { full_models_seat_limit: 4 });
    await t.store.db.updateTable("members").set({ org_role: "member", models_seat: "none" }).where("id", "in", [ids.carol, ids.dave]).execute();
    const res = (await post("/members/bulk", { ids: [ids.carol, ids.dave], modelsSeat: "full" }).expect(200)).body;
    assert.equal(res.changed, 1, JSON.stringify(res));
    assert.match(res.results.find((r: any) => !r.ok).reason, /seat/i);
    await setOrg(t, org, { full_models_seat_limit: null });
    const mine = (await post("/members/bulk", { ids: [ids.erin], remove: true }, plain.key).expect(200)).body;
    assert.deepEqual([mine.changed, mine.results[0].ok], [0, false]);
    assert.match(mine.results[0].reason, /only org admins/);
    assert.ok(await memberRow(t, ids.erin), "nothing was removed");
    assert.equal((await post("/members/bulk", { ids: [ids.erin], remove: true, orgRole: "admin" }).expect(400)).body.status, 400);
    assert.equal((await post("/members/bulk", { ids: [] , remove: true }).expect(400)).body.status, 400);
  });

  it("exports the filtered, sorted list as CSV, with no cell a spreadsheet would run as a formula", async () => {
    const res = await get("/members/export.csv?sort=userName&order=desc&q=er").expect(200);
    assert.match(String(res.headers["content-type"]), /^text\/csv/);
    assert.match(String(res.headers["content-disposition"]), /attachment; filename="members.csv"/);
    const lines = res.text.trim().split("\r\n");
    assert.equal(lines[0], "userName,displayName,email,orgRole,modelsSeat,weaveRole,active,billingAdmin,createdAt,lastSignInAt");
    assert.deepEqual(lines.slice(1).map((l) => l.split(",")[0]), ["erin", "bob.member"]);
    assert.ok(lines[1]!.includes(`"'=HYPERLINK(""x"")@c.example"`), lines[1]);
    assert.equal((await get("/members/export.csv", plain.key).expect(200)).text.split("\r\n").length - 2, 5);
  });

  it("the member page: teams with roles, sessions, last sign-in (recorded at sign-in, not by SCIM), keys and events", async () => {
    const empty = (await get(`/members/${ids.dave}/overview`).expect(200)).body;
    assert.equal(empty.lastSignIn, null, "a SCIM push is not a sign-in");
    const out = await arrive(t.store.db, { door: "email", orgId: org.id, email: "dave@a.example", emailVerified: true }, { door: "sso", id: "email:dave" });
    assert.equal(out.ok, true, JSON.stringify(out));
    await t.store.db.insertInto("sessions").values({ sid: "s-dave", data: "{}", expires_at: new Date(Date.now() + 3_600_000).toISOString(), member_id: ids.dave, org_id: org.id, door: "email" }).execute();
    const page = (await get(`/members/${ids.dave}/overview`).expect(200)).body;
    assert.equal(page.member.userName, "dave");
    assert.equal(page.lastSignIn.door, "email");
    assert.ok(Date.now() - Date.parse(page.lastSignIn.at) < 60_000);
    assert.equal(page.member.lastSignInAt, page.lastSignIn.at);
    assert.deepEqual(page.teams.map((x: any) => [x.name, x.role]), [["Vision", "member"]]);
    assert.deepEqual(page.sessions.map((s: any) => s.door), ["email"]);
    assert.deepEqual(page.keys, []);
    assert.ok(page.events.some((e: any) => e.action === "member.update"), JSON.stringify(page.events.map((e: any) => e.action)));
    assert.ok(page.events.some((e: any) => e.action.startsWith("provision.")));
    assert.equal((await get(`/members/${ids.dave}/overview`, plain.key).expect(403)).body.status, 403, "the audit events are for those who read the audit log");
    const other = await t.newOrg();
    const outsider = await adminMember(t, other, "mallory");
    assert.equal((await get(`/members/${ids.dave}/overview`, outsider.key).expect(404)).body.status, 404, "another org's member is not found");
  });
});
