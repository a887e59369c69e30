/**
 * Sessions end when access ends (issue 16, item 7): a person signs in through
 * the real OIDC door (the tests' OpenID Provider) and holds a console session;
 * then their access ends — SCIM `active: false`, SCIM DELETE, the admin API,
 * the CLI, the org's OIDC connection removed or replaced — and the session's
 * row is gone. Reactivation revives nothing: the old cookie is a 401 and its
 * CSRF token no longer works. A member's own key being revoked ends nothing.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createKey, revokeKey } from "../../src/org/security/keys.ts";
import { PATCH_URN, SCIM } from "../support/app.ts";
import { Browser } from "../sso/oidc-provider.ts";
import { GROUPS_DN, PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type Slapd } from "../sso/slapd.ts";
import { startRig, type Rig } from "./listening.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function cli(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: url };
  return new Promise((resolve) => {
    execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "src", "cli.ts"), ...args], { cwd: ROOT, env, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

let n = 0;

describe("sessions end when access ends, and reactivation never revives them (real OIDC door)", function () {
  this.timeout(60_000);
  let rig: Rig;
  before(async () => { rig = await startRig(); });
  after(async () => { await rig?.close(); });

  const person = (tag: string) => {
    const id = `${tag}-${++n}`;
    return { sub: `${id}-sub`, email: `${id}@sessions.example`, email_verified: true, name: id, preferred_username: id };
  };
  const sessionRows = (memberId: string) => rig.store.db.selectFrom("sessions").select("sid").where("member_id", "=", memberId).execute();
  const scimPatchActive = async (memberId: string, active: boolean) => {
    const res = await fetch(`${rig.base}/scim/v2/Users/${memberId}`, {
      method: "PATCH", headers: { authorization: `Bearer ${rig.org.key}`, "content-type": SCIM },
      body: JSON.stringify({ schemas: [PATCH_URN], Operations: [{ op: "replace", path: "active", value: active }] }),
    });
    assert.equal(res.status, 200, await res.text());
  };
  const adminSetActive = async (memberId: string, active: boolean) => {
    const res = await rig.api("PATCH", `/api/v1/members/${memberId}`, { active });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  /** The old session is dead: no row, /me is 401, and a state-changing call with its CSRF token is 401. */
  const assertEnded = async (b: Browser, memberId: string, csrf: string, why: string) => {
    assert.deepEqual(await sessionRows(memberId), [], `${why}: the session row is deleted`);
    assert.equal((await rig.me(b)).status, 401, `${why}: the old cookie signs no one in`);
    assert.equal(await rig.post(b, "/api/v1/invites/accept", csrf, { token: "x".repeat(30) }), 401, `${why}: the old CSRF token does nothing`);
  };

  it("SCIM active:false ends the session; SCIM active:true does not bring it back", async () => {
    const { browser, memberId, csrf } = await rig.signIn(person("scim"));
    assert.equal((await sessionRows(memberId)).length, 1, "the session's row names its member");
    await scimPatchActive(memberId, false);
    await assertEnded(browser, memberId, csrf, "after deactivation");
    await scimPatchActive(memberId, true);
    await assertEnded(browser, memberId, csrf, "after reactivation");
  });

  it("a session NOT used while its member was inactive does not work again after reactivation (the measured defect)", async () => {
    const { browser, memberId, csrf } = await rig.signIn(person("unused"));
    await scimPatchActive(memberId, false);
    await scimPatchActive(memberId, true);
    await assertEnded(browser, memberId, csrf, "deactivated and reactivated without the session being used in between");
  });

  it("SCIM DELETE ends the session; signing in again is a new session, the old cookie stays dead", async () => {
    const p = person("removed");
    const { browser, memberId, csrf } = await rig.signIn(p);
    const res = await fetch(`${rig.base}/scim/v2/Users/${memberId}`, { method: "DELETE", headers: { authorization: `Bearer ${rig.org.key}` } });
    assert.equal(res.status, 204);
    await assertEnded(browser, memberId, csrf, "after removal");
    const again = await rig.signIn(p);
    assert.notEqual(again.memberId, memberId, "a new membership");
    assert.equal((await rig.me(again.browser)).status, 200);
    assert.equal((await rig.me(browser)).status, 401, "the old cookie is still dead");
  });

  it("the admin API's deactivation ends the session; its reactivation does not revive it", async () => {
    const { browser, memberId, csrf } = await rig.signIn(person("admin-api"));
    await adminSetActive(memberId, false);
    await assertEnded(browser, memberId, csrf, "after deactivation");
    await adminSetActive(memberId, true);
    await assertEnded(browser, memberId, csrf, "after reactivation");
  });

  it("the CLI's `member deactivate` ends the session (another process, the same database)", async () => {
    const p = person("cli");
    const { browser, memberId, csrf } = await rig.signIn(p);
    const out = await cli(rig.store.url, "member", "deactivate", "--org", rig.org.name, p.preferred_username);
    assert.equal(out.code, 0, out.stderr);
    await assertEnded(browser, memberId, csrf, "after the CLI's deactivation");
    await adminSetActive(memberId, true);
    await assertEnded(browser, memberId, csrf, "after reactivation");
  });

  it("a member's own key revoked ends no session; another member's deactivation ends only theirs", async () => {
    const a = await rig.signIn(person("key-holder"));
    const b = await rig.signIn(person("bystander"));
    const key = await createKey(rig.store.db, { orgId: rig.org.id, memberId: a.memberId });
    await revokeKey(rig.store.db, key.id, rig.org.id);
    assert.equal((await rig.me(a.browser)).status, 200, "the session is not a key");
    await adminSetActive(b.memberId, false);
    assert.equal((await rig.me(a.browser)).status, 200, "someone else's deactivation ends nothing of mine");
    await assertEnded(b.browser, b.memberId, b.csrf, "the deactivated bystander");
  });

  it("removing the org's OIDC connection ends the sessions it signed in; putting it back revives none", async () => {
    const a = await rig.signIn(person("conn-a"));
    const b = await rig.signIn(person("conn-b"));
    const del = await rig.api("DELETE", "/api/v1/sso/oidc");
    assert.equal(del.status, 204, JSON.stringify(del.body));
    const put = await rig.api("PUT", "/api/v1/sso/oidc", { issuer: rig.op.issuer, clientId: rig.op.clientId, clientSecret: rig.op.clientSecret });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    for (const s of [a, b]) await assertEnded(s.browser, s.memberId, s.csrf, "after the connection was removed");
    // A fresh sign-in through the restored connection works.
    assert.equal((await rig.me((await rig.signIn(person("conn-c"))).browser)).status, 200);
  });
});

describe("an LDAP connection removed or replaced ends the sessions it signed in (real slapd), and only those", function () {
  this.timeout(60_000);
  let rig: Rig;
  let slapd: Slapd;
  before(async () => {
    slapd = await startSlapd();
    rig = await startRig();
  });
  after(async () => {
    try { await rig?.close(); } finally { await slapd?.stop(); }
  });

  const putLdap = async (url: string) => {
    const res = await rig.api("PUT", "/api/v1/sso/ldap", {
      url, bindDn: SERVICE_DN, bindPassword: SERVICE_PASSWORD, baseDn: PEOPLE_DN, userFilter: "(uid={username})",
      attributes: "email=mail,name=cn,givenName=givenName,familyName=sn,username=uid",
      groupBaseDn: GROUPS_DN, groupFilter: "(member={dn})", allowedGroups: ["rollcall-users"], trustEmail: true,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const ldapSignIn = async (username: string, password: string) => {
    await rig.store.db.deleteFrom("rate_limits").execute();
    const b = new Browser("application/json");
    const res = await fetch(`${rig.base}/auth/${encodeURIComponent(rig.org.name)}/ldap/login`, {
      method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ username, password }),
    });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    const sid = res.headers.getSetCookie().find((l) => l.startsWith("rollcall.sid="))!.split(";")[0]!;
    b.cookies(rig.base).set("rollcall.sid", sid.slice("rollcall.sid=".length));
    return b;
  };

  it("DELETE /sso/ldap ends the LDAP sessions; an OIDC session of the same org stays", async () => {
    await putLdap(slapd.url);
    const viaLdap = await ldapSignIn("alice", "alice-pw");
    assert.equal((await rig.me(viaLdap)).status, 200);
    const viaOidc = await rig.signIn({ sub: "ldap-bystander", email: "bystander@ldap.example", email_verified: true, preferred_username: "ldap-bystander" });
    assert.equal((await rig.api("DELETE", "/api/v1/sso/ldap")).status, 204);
    assert.equal((await rig.me(viaLdap)).status, 401, "the LDAP session ended");
    assert.equal((await rig.me(viaOidc.browser)).status, 200, "the OIDC session did not");
  });

  it("replacing the directory (another server URL) ends the old directory's sessions; saving the same one does not", async () => {
    await putLdap(slapd.url);
    const first = await ldapSignIn("dana", "dana-pw");
    await putLdap(slapd.url);
    assert.equal((await rig.me(first)).status, 200, "the same directory saved again ends nothing");
    await putLdap(slapd.url.replace("127.0.0.1", "localhost"));
    assert.equal((await rig.me(first)).status, 401, "another directory URL: the old one's sessions ended");
  });
});
