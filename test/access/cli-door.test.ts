/**
 * The CLI door: the CLI is the operator. It sets the plan (which nobody else
 * may), and its member changes follow the same rules (Viewer means viewer).
 */
import assert from "node:assert/strict";
import { startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, problem } from "../admin/principals.ts";
import { cli } from "./cast.ts";

describe("access policy: the CLI door (the operator)", function () {
  this.timeout(240_000);
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => t?.close());

  it("org set-plan changes the plan that an org admin may not; an unknown plan is a usage error", async () => {
    const admin = await addMember(t, "cli-admin", "admin");
    problem(await as(t, admin.key).patch("/org", { plan: "standard" }), 403, /rollcall org set-plan/);
    const down = await cli(t, "org", "set-plan", t.org.name, "standard");
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /is now on the standard plan \(was enterprise\)/);
    assert.equal(expectOk(await as(t, admin.key).get("/org")).plan, "standard");
    problem(await as(t, admin.key).patch("/org", { plan: "enterprise" }), 403, /operator/);
    const bad = await cli(t, "org", "set-plan", t.org.name, "gold");
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /the plan must be one of standard, enterprise/);
  });

  it("member set-role viewer lowers the seats (Viewer means viewer); back on enterprise first", async () => {
    const up = await cli(t, "org", "set-plan", t.org.name, "enterprise");
    assert.equal(up.code, 0, up.stderr);
    const m = await addMember(t, "cli-member", "member");
    const r = await cli(t, "member", "set-role", "--org", t.org.name, "cli-member", "viewer");
    assert.equal(r.code, 0, r.stderr);
    const row = await t.store.db.selectFrom("members").select(["org_role", "models_seat", "weave_role"]).where("id", "=", m.id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { org_role: "viewer", models_seat: "viewer", weave_role: "viewer" });
  });
});
