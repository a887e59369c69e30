/**
 * Options the plan or the configuration does not allow come with their reason in
 * GET /me (`unavailable`), before anyone submits — the same words the write refuses with.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { startTestApp, type TestApp } from "../support/app.ts";
import { setOrg } from "../support/members.ts";
import { addMember, as, expectOk, problem } from "./principals.ts";

describe("admin API: options not allowed, with the reason, before submit", () => {
  let t: TestApp;
  after(async () => t?.close());

  it("on Standard: Viewer, View-Only and custom roles are unavailable, said as the refusal says it", async () => {
    t = await startTestApp({ encryptionKey: crypto.randomBytes(32) });
    const ada = await addMember(t, "ada", "admin");
    const grace = await addMember(t, "grace");
    assert.deepEqual(expectOk(await as(t, ada.key).get("/me")).unavailable, {}, "an Enterprise org (the default) with a key: everything");
    await setOrg(t, t.org, { plan: "standard" });
    const { unavailable } = expectOk(await as(t, ada.key).get("/me"));
    assert.deepEqual(Object.keys(unavailable).sort(), ["customRoles", "orgRole:viewer", "teamRole:view-only"]);
    const refusal = await as(t, ada.key).patch(`/members/${grace.id}`, { orgRole: "viewer" });
    problem(refusal, 403);
    assert.equal(unavailable["orgRole:viewer"].toLowerCase(), `${refusal.body.detail}.`.toLowerCase(), "one rule: the reason shown is the refusal");
    for (const reason of Object.values(unavailable) as string[]) assert.doesNotMatch(reason, /\/api|_|"/);
  });

  it("without an encryption key the SSO forms are unavailable, with a reason naming no variable", async () => {
    const t2 = await startTestApp({ encryptionKey: undefined });
    try {
      const ada = await addMember(t2, "ada", "admin");
      assert.equal(t2.config.encryptionKey, undefined);
      const { unavailable } = expectOk(await as(t2, ada.key).get("/me"));
      assert.match(unavailable.ssoSecrets, /operator must set an encryption key/);
      const t3 = await startTestApp({ encryptionKey: crypto.randomBytes(32) });
      const bob = await addMember(t3, "bob", "admin");
      assert.equal(expectOk(await as(t3, bob.key).get("/me")).unavailable.ssoSecrets, undefined);
      await t3.close();
    } finally { await t2.close(); }
  });
});
