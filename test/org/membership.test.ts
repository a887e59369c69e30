/**
 * The membership writer's revision rule (src/org/teams/membership.ts): joining,
 * leaving and a role change move the team's and the member's revisions, a no-op
 * moves nothing, a revision the caller holds is left to the caller — seen
 * through the SCIM ETags the doors serve.
 */
import type { GrantSource } from "../../src/org/provenance/sources.ts";
import assert from "node:assert/strict";
import type { Transaction } from "kysely";
import type { Database } from "../../db/types.ts";
import { addToTeam, changeMemberTeams, removeFromTeam, setTeamRole } from "../../src/org/teams/membership.ts";
import { auth, startTestApp, type TestApp } from "../support/app.ts";
import { createTeam, scimUser } from "../support/members.ts";

/** The writes below act as an admin would (the writer records who granted each membership). */
const ADMIN: GrantSource = { kind: "admin", id: "member:test" };

describe("membership writer: one function owns the revision bumps", () => {
  let t: TestApp;
  let teamId: string;
  let otherTeamId: string;
  let memberId: string;
  before(async () => {
    t = await startTestApp();
    teamId = await createTeam(t, t.org, "Writers");
    otherTeamId = await createTeam(t, t.org, "Readers");
    memberId = await scimUser(t, t.org, "writer");
  });
  after(async () => { await t.close(); });

  const etags = async () => {
    const [team, other, user] = await Promise.all([`/Groups/${teamId}`, `/Groups/${otherTeamId}`, `/Users/${memberId}`].map((p) => t.http.get(`/scim/v2${p}`).set(auth(t.org.key))));
    return { team: team!.headers.etag as string, other: other!.headers.etag as string, user: user!.headers.etag as string };
  };
  const write = <T>(fn: (trx: Transaction<Database>) => Promise<T>): Promise<T> => t.store.db.transaction().execute(fn);

  it("joining moves both revisions; joining again moves neither", async () => {
    const before = await etags();
    assert.equal(await write((trx) => addToTeam(trx, t.org.id, teamId, memberId, { source: ADMIN })), true);
    const joined = await etags();
    assert.notEqual(joined.team, before.team);
    assert.notEqual(joined.user, before.user);
    assert.equal(joined.other, before.other);
    assert.equal(await write((trx) => addToTeam(trx, t.org.id, teamId, memberId, { source: ADMIN })), false);
    assert.deepEqual(await etags(), joined);
  });

  it("a role change moves both; the same role again moves nothing", async () => {
    const before = await etags();
    const r = await write((trx) => setTeamRole(trx, t.org.id, teamId, memberId, { role: "admin", customRoleId: null }, { source: ADMIN }));
    assert.deepEqual(r, { before: { role: "member", customRoleId: null }, changed: true });
    const changed = await etags();
    assert.notEqual(changed.team, before.team);
    assert.notEqual(changed.user, before.user);
    const again = await write((trx) => setTeamRole(trx, t.org.id, teamId, memberId, { role: "admin", customRoleId: null }, { source: ADMIN }));
    assert.equal(again.changed, false);
    assert.deepEqual(await etags(), changed);
    const user = await t.http.get(`/scim/v2/Users/${memberId}`).set(auth(t.org.key));
    assert.deepEqual(user.body["urn:ietf:params:scim:schemas:extension:rollcall:2.0:User"].teamRoles, [{ teamName: "Writers", roleName: "admin" }]);
  });

  it("a revision the caller holds is left to the caller", async () => {
    const before = await etags();
    await write((trx) => addToTeam(trx, t.org.id, otherTeamId, memberId, { revisionsHeld: { member: true }, source: ADMIN }));
    const after = await etags();
    assert.notEqual(after.other, before.other);
    assert.equal(after.user, before.user);
  });

  it("the bulk form for one member moves each changed team once and the member once", async () => {
    const before = await etags();
    await write((trx) => changeMemberTeams(trx, t.org.id, memberId, { add: [], remove: [teamId, otherTeamId] }, { source: ADMIN }));
    const after = await etags();
    assert.notEqual(after.team, before.team);
    assert.notEqual(after.other, before.other);
    assert.equal(Number(after.user.match(/\d+/)![0]), Number(before.user.match(/\d+/)![0]) + 1);
    const groups = await t.http.get(`/scim/v2/Users/${memberId}`).set(auth(t.org.key));
    assert.deepEqual(groups.body.groups, []);
  });

  it("leaving a team one is not in changes nothing and says so", async () => {
    const before = await etags();
    assert.equal(await write((trx) => removeFromTeam(trx, teamId, memberId)), null);
    assert.deepEqual(await etags(), before);
  });
});
