/**
 * The authorization API for the product: POST /api/v1/authorize and
 * GET /api/v1/members/{id}/permissions answer from the same function the
 * policy uses, so they agree with what the doors do.
 */
import assert from "node:assert/strict";
import { startTestApp, type TestApp } from "../support/app.ts";
import { as, expectOk, problem } from "../admin/principals.ts";
import { freshMember, makeCast, MEMBER_NAMES, type Cast } from "./cast.ts";

type M = (typeof MEMBER_NAMES)[number];
/** Who holds each product permission in team alpha (the cast: member, view-only, admin, custom role adding run:delete). */
const IN_ALPHA: Record<string, M[]> = {
  "run:read": ["orgAdmin", "member", "viewer", "teamAdmin", "customMgr"],
  "run:delete": ["orgAdmin", "teamAdmin", "customMgr"],
  "report:create": ["orgAdmin", "member", "teamAdmin", "customMgr"],
  "artifact:read": ["orgAdmin", "member", "viewer", "teamAdmin", "customMgr"],
  "sweep:manage": ["orgAdmin", "teamAdmin"],
};

describe("access policy: the authorization API", () => {
  let t: TestApp;
  let cast: Cast;
  before(async () => {
    t = await startTestApp();
    cast = await makeCast(t);
  });
  after(async () => t?.close());

  it("answers product permissions in a team, with the grant that decides (org role, team role, custom role, seat)", async () => {
    for (const [permission, holders] of Object.entries(IN_ALPHA)) {
      for (const name of MEMBER_NAMES) {
        const m = cast.members[name];
        const r = expectOk(await cast.admin.post("/authorize", { userName: m.userName, permission, team: "alpha" }));
        assert.equal(r.allowed, holders.includes(name), `${name} ${permission}: ${JSON.stringify(r)}`);
        assert.equal(r.memberId, m.id);
        assert.equal(r.teamId, cast.alpha);
        if (r.allowed) assert.ok(r.because.length > 5); else assert.ok(r.reason.length > 20);
      }
    }
    const why = async (name: M, permission: string) => expectOk(await cast.admin.post("/authorize", { memberId: cast.members[name].id, permission, team: cast.alpha }));
    assert.match((await why("orgAdmin", "run:delete")).because, /org role admin/);
    assert.match((await why("teamAdmin", "run:delete")).because, /team role admin in team alpha/);
    assert.match((await why("customMgr", "run:delete")).because, /custom role "Team keeper" in team alpha \(adds run:delete\)/);
    assert.match((await why("customMgr", "report:create")).because, /inherits member/);
    assert.match((await why("viewer", "run:read")).because, /team role view-only.*Models seat viewer/);
    assert.match((await why("viewer", "report:create")).reason, /full Models seat|granted by team role admin/);
    assert.match((await why("member", "run:delete")).reason, /holds team role member there/);
  });

  it("outside the member's teams only org role admin counts; without a team, too", async () => {
    const check = async (name: M, team?: string) => expectOk(await cast.admin.post("/authorize", { memberId: cast.members[name].id, permission: "run:read", ...(team ? { team } : {}) })).allowed;
    assert.equal(await check("orgAdmin", "beta"), true);
    assert.equal(await check("member", "beta"), true, "m-member is in beta");
    assert.equal(await check("teamAdmin", "beta"), false);
    assert.equal(await check("orgAdmin"), true);
    assert.equal(await check("teamAdmin"), false);
  });

  it("agrees with the doors for Rollcall's own permissions: team:manage-members is what adding a member needs", async () => {
    for (const team of [cast.alpha, cast.beta]) {
      for (const name of MEMBER_NAMES) {
        const m = cast.members[name];
        const answer = expectOk(await cast.admin.post("/authorize", { memberId: m.id, permission: "team:manage-members", team })).allowed as boolean;
        const res = await as(t, m.key).put(`/teams/${team}/members/${await freshMember(t)}`, { role: "member" });
        assert.equal(res.status, answer ? 201 : 403, `${name} in ${team === cast.alpha ? "alpha" : "beta"}: authorize said ${answer}, the door said ${res.status}`);
      }
    }
  });

  it("a batch answers each check in order; the permission list equals the single checks over the whole catalog", async () => {
    const checks = MEMBER_NAMES.map((n) => ({ memberId: cast.members[n].id, permission: "run:delete", team: cast.alpha }));
    const { results } = expectOk(await cast.admin.post("/authorize", { checks }));
    assert.deepEqual(results.map((r: any) => r.allowed), MEMBER_NAMES.map((n) => IN_ALPHA["run:delete"]!.includes(n)));
    const catalog = (expectOk(await cast.admin.get("/permissions")).permissions as { name: string }[]).map((p) => p.name);
    for (const name of MEMBER_NAMES) {
      const m = cast.members[name];
      const listed = expectOk(await cast.admin.get(`/members/${m.id}/permissions?team=${cast.alpha}`));
      assert.equal(listed.team.id, cast.alpha);
      const { results: single } = expectOk(await cast.admin.post("/authorize", { checks: catalog.map((permission) => ({ memberId: m.id, permission, team: cast.alpha })) }));
      assert.deepEqual(listed.permissions.map((p: any) => p.permission), catalog.filter((_, i) => single[i].allowed), name);
    }
  });

  it("who may ask: org admins and org-scoped service accounts; a member about themself; a team-scoped service account about its team", async () => {
    const about = (memberId: string, team?: string) => ({ memberId, permission: "run:read", ...(team ? { team } : {}) });
    const me = cast.members.member;
    expectOk(await as(t, t.org.key).post("/authorize", about(me.id)));
    expectOk(await as(t, me.key).post("/authorize", about(me.id, "alpha")));
    expectOk(await as(t, me.key).get(`/members/${me.id}/permissions`));
    problem(await as(t, me.key).post("/authorize", about(cast.members.teamAdmin.id)), 403, /member themself/);
    problem(await as(t, cast.members.viewer.key).get(`/members/${me.id}/permissions`), 403);
    expectOk(await as(t, cast.teamSaKey).post("/authorize", about(me.id, cast.alpha)));
    problem(await as(t, cast.teamSaKey).post("/authorize", about(me.id, cast.beta)), 403, /its own team/);
  });

  it("bad input is a 400, unknown members and teams a 404", async () => {
    problem(await cast.admin.post("/authorize", { permission: "run:read" }), 400, /exactly one of "memberId" and "userName"/);
    problem(await cast.admin.post("/authorize", { memberId: "x", permission: "run:read", extra: 1 }), 400);
    problem(await cast.admin.post("/authorize", { checks: [] }), 400);
    problem(await cast.admin.post("/authorize", { memberId: "nobody", permission: "run:read" }), 404, /not in the organization/);
    problem(await cast.admin.post("/authorize", { memberId: cast.members.member.id, permission: "run:read", team: "gamma" }), 404, /no team/);
    const unknown = expectOk(await cast.admin.post("/authorize", { memberId: cast.members.member.id, permission: "run:fly", team: "alpha" }));
    assert.equal(unknown.allowed, false);
    assert.match(unknown.reason, /not a permission of the catalog/);
  });
});
