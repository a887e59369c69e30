/**
 * Each leak measured in issue 9, as a row that now holds, through the doors
 * that offered it.
 */
import assert from "node:assert/strict";
import { auth, SCIM, startTestApp, user, type TestApp } from "../support/app.ts";
import { as, expectOk, problem } from "../admin/principals.ts";
import { makeCast, unique, type Cast } from "./cast.ts";

const EXT = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User";

describe("access policy: the leaks of issue 9 stay closed", () => {
  let t: TestApp;
  let cast: Cast;
  before(async () => {
    t = await startTestApp();
    cast = await makeCast(t);
    expectOk(await cast.admin.post("/domains", { domain: "leak.example" }), 201);
  });
  after(async () => t?.close());

  it("GET /domains: a team-scoped service account is refused; members and viewers read domains without the verification token", async () => {
    problem(await as(t, cast.teamSaKey).get("/domains"), 403, /within its own team/);
    for (const m of [cast.members.member, cast.members.viewer, cast.members.teamAdmin]) {
      const { domains } = expectOk(await as(t, m.key).get("/domains"));
      const d = domains.find((x: any) => x.domain === "leak.example");
      assert.equal(d.txtRecord, null, `${m.userName} sees no token`);
      assert.equal(expectOk(await as(t, m.key).get(`/domains/${d.id}`)).txtRecord, null);
      assert.ok(!JSON.stringify(domains).includes("rollcall-verification="));
    }
    const admins = expectOk(await cast.admin.get("/domains")).domains;
    assert.match(admins.find((x: any) => x.domain === "leak.example").txtRecord.value, /^rollcall-verification=/);
  });

  it("plain members and viewers are refused invites and service accounts", async () => {
    for (const m of [cast.members.member, cast.members.viewer]) {
      problem(await as(t, m.key).get("/invites"), 403, /list invites/);
      problem(await as(t, m.key).get("/service-accounts"), 403, /list service accounts/);
    }
  });

  it("a team admin neither lists nor resends nor revokes an invite that makes someone an org admin", async () => {
    const adminInvite = expectOk(await cast.admin.post("/invites", { email: `${unique("boss")}@example.com`, orgRole: "admin", teamIds: [cast.alpha] }), 201);
    const memberInvite = expectOk(await cast.admin.post("/invites", { email: `${unique("dev")}@example.com`, teamIds: [cast.alpha] }), 201);
    const lead = as(t, cast.members.teamAdmin.key);
    const seen = (expectOk(await lead.get("/invites")).invites as any[]).map((i) => i.id);
    assert.ok(seen.includes(memberInvite.id));
    assert.ok(!seen.includes(adminInvite.id));
    problem(await lead.post(`/invites/${adminInvite.id}/resend`), 403, /org admin/);
    problem(await lead.delete(`/invites/${adminInvite.id}`), 403, /org admin/);
    expectOk(await lead.post(`/invites/${memberInvite.id}/resend`));
  });

  it("an org admin cannot switch the plan; the operator can (its session), and the same plan is no change", async () => {
    problem(await cast.admin.patch("/org", { plan: "standard" }), 403, /operator/);
    problem(await as(t, t.org.key).patch("/org", { plan: "standard" }), 403, /operator/);
    assert.equal(expectOk(await cast.admin.patch("/org", { plan: "enterprise" })).plan, "enterprise");
    const op = cast.callers.find((c) => c.name === "operator")!;
    const res = await op.call("patch", "/org", { plan: "standard" });
    assert.equal(res.status, 409, res.text); // allowed, then the plan rule: enterprise features are in use
    assert.match(res.body.detail, /enterprise features/);
    assert.equal(expectOk(await cast.admin.get("/org")).plan, "enterprise");
  });

  it("a custom role with team:manage-members adds a member to that team, and does nothing else", async () => {
    const keeper = as(t, cast.members.customMgr.key);
    const spare = expectOk(await t.http.post("/scim/v2/Users").set(auth(t.org.key)).type(SCIM).send(user(unique("new"))), 201).id as string;
    expectOk(await keeper.put(`/teams/${cast.alpha}/members/${spare}`, { role: "member" }), 201);
    expectOk(await keeper.put(`/teams/${cast.alpha}/members/${spare}`, { role: "view-only" }));
    problem(await keeper.put(`/teams/${cast.alpha}/members/${spare}`, { role: "admin" }), 403, /more than they hold/);
    problem(await keeper.put(`/teams/${cast.alpha}/members/${cast.members.teamAdmin.id}`, { role: "member" }), 403, /more than they hold/);
    problem(await keeper.put(`/teams/${cast.beta}/members/${spare}`, { role: "member" }), 403, /team:manage-members/);
    problem(await keeper.patch(`/teams/${cast.alpha}`, { membersCanInvite: true }), 403, /team:manage-settings/);
    problem(await keeper.post("/service-accounts", { name: unique("sa"), teamId: cast.alpha }), 403, /team:manage-service-accounts/);
    problem(await keeper.patch(`/members/${spare}`, { orgRole: "admin" }), 403, /org admins/);
    problem(await keeper.post("/teams", { name: unique("t") }), 403);
    assert.equal((await keeper.delete(`/teams/${cast.alpha}/members/${spare}`)).status, 204);
    const members = expectOk(await cast.admin.get(`/teams/${cast.alpha}/members`)).members as any[];
    assert.ok(!members.some((m) => m.memberId === spare));
  });

  it("Viewer means viewer: the role sets the seats, and a full seat for a viewer is refused, through the admin API and SCIM", async () => {
    const v = expectOk(await cast.admin.get(`/members/${cast.members.viewer.id}`));
    assert.deepEqual([v.orgRole, v.modelsSeat, v.weaveRole], ["viewer", "viewer", "viewer"], "made a viewer by PATCH: seats lowered");
    problem(await cast.admin.patch(`/members/${v.id}`, { modelsSeat: "full" }), 409, /Viewer org role.*viewer Models seat at most/);
    problem(await cast.admin.patch(`/members/${v.id}`, { weaveRole: "full" }), 409, /Viewer org role/);
    const spare = expectOk(await t.http.post("/scim/v2/Users").set(auth(t.org.key)).type(SCIM).send(user(unique("mv"))), 201).id as string;
    const lowered = expectOk(await cast.admin.patch(`/members/${spare}`, { orgRole: "viewer" }));
    assert.deepEqual([lowered.modelsSeat, lowered.weaveRole], ["viewer", "viewer"]);
    const scim = (path: string) => t.http.post(path).set(auth(t.org.key)).type(SCIM);
    const refusedFull = await scim("/scim/v2/Users").send(user(unique("sv"), { [EXT]: { organizationRole: "viewer", modelsSeat: "full" } }));
    assert.equal(refusedFull.status, 409, refusedFull.text);
    assert.match(refusedFull.body.detail, /Viewer org role/);
    const created = await scim("/scim/v2/Users").send(user(unique("sv"), { [EXT]: { organizationRole: "viewer" } }));
    assert.equal(created.status, 201, created.text);
    assert.deepEqual([created.body[EXT].modelsSeat, created.body[EXT].weaveRole], ["viewer", "viewer"]);
    const up = await t.http.patch(`/scim/v2/Users/${created.body.id}`).set(auth(t.org.key)).type(SCIM)
      .send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: `${EXT}:modelsSeat`, value: "full" }] });
    assert.equal(up.status, 409, up.text);
    assert.match(up.body.detail, /Viewer org role/);
  });
});
