/**
 * Connection set-up an identity provider's admin can follow (issue 12, part B):
 * the addresses before saving, "test connection" for OIDC against the real OpenID
 * Provider (discovery + client authentication) and for LDAP against slapd before
 * saving, and the last SCIM requests from the provider with their status.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { startOidcProvider, type TestProvider } from "../sso/oidc-provider.ts";
import { PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type Slapd } from "../sso/slapd.ts";
import { auth, SCIM, startTestApp, user, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, problem, type TestMember } from "./principals.ts";

describe("admin API: connection set-up (real OpenID Provider, slapd)", function () {
  this.timeout(60_000);
  let t: TestApp;
  let op: TestProvider;
  let slapd: Slapd;
  let admin: TestMember;
  before(async () => {
    t = await startTestApp({ encryptionKey: crypto.randomBytes(32) });
    op = await startOidcProvider({ redirectUris: ["http://127.0.0.1/cb"], accounts: [] });
    slapd = await startSlapd();
    admin = await addMember(t, "ada", "admin");
  });
  after(async () => { await op?.close(); await slapd?.stop(); await t?.close(); });

  it("shows the redirect URI and the SCIM URL before anything is saved", async () => {
    problem(await as(t, admin.key).get("/sso/oidc"), 404, /no OpenID Connect sign-in yet; set it up on the SSO page/);
    const s = expectOk(await as(t, admin.key).get("/sso/setup"));
    const slug = (await t.store.db.selectFrom("orgs").select("slug").where("id", "=", t.org.id).executeTakeFirstOrThrow()).slug;
    assert.match(s.redirectUri, new RegExp(`/auth/${slug}/oidc/callback$`));
    assert.match(s.scimUrl, /\/scim\/v2$/);
    problem(await as(t, (await addMember(t, "grace")).key).get("/sso/setup"), 403);
  });

  it("tests an OIDC set-up without saving it: discovery, then the client id and secret", async () => {
    const good = expectOk(await as(t, admin.key).post("/sso/oidc/test", { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }));
    assert.deepEqual(good.checks.map((c: any) => [c.step, c.ok]), [["discovery", true], ["client", true]], JSON.stringify(good));
    assert.equal(good.ok, true);
    const wrong = expectOk(await as(t, admin.key).post("/sso/oidc/test", { issuer: op.issuer, clientId: op.clientId, clientSecret: "not-the-secret" }));
    assert.deepEqual(wrong.checks.map((c: any) => [c.step, c.ok]), [["discovery", true], ["client", false]]);
    assert.match(wrong.checks[1].message, /did not accept the client id and secret/);
    const nowhere = expectOk(await as(t, admin.key).post("/sso/oidc/test", { issuer: "http://127.0.0.1:9/", clientId: "x", clientSecret: "y" }));
    assert.deepEqual(nowhere.checks.map((c: any) => [c.step, c.ok]), [["discovery", false]]);
    problem(await as(t, admin.key).post("/sso/oidc/test", { issuer: op.issuer, clientId: op.clientId }), 400, /give the client secret/);
    assert.equal(await t.store.db.selectFrom("oidc_connections").selectAll().executeTakeFirst(), undefined, "nothing was saved");
  });

  it("tests an LDAP set-up before saving it: bind and search, in words", async () => {
    const form = { url: slapd.url, bindDn: SERVICE_DN, bindPassword: SERVICE_PASSWORD, baseDn: PEOPLE_DN };
    const ok = expectOk(await as(t, admin.key).post("/sso/ldap/test", { connection: form, username: "alice" }));
    assert.equal(ok.ok, true, JSON.stringify(ok));
    assert.equal(ok.user.email, "alice@example.org");
    const bad = expectOk(await as(t, admin.key).post("/sso/ldap/test", { connection: { ...form, bindPassword: "wrong" } }));
    assert.deepEqual([bad.ok, bad.stage], [false, "bind"]);
    problem(await as(t, admin.key).post("/sso/ldap/test", { connection: { ...form, bindPassword: undefined } }), 400, /give the bind password/);
    problem(await as(t, admin.key).post("/sso/ldap/test", {}), 404, /fill in the form and test it before saving/);
    const saved = await t.store.db.selectFrom("ldap_connections" as never).selectAll().executeTakeFirst();
    assert.equal(saved, undefined, "nothing was saved");
  });

  it("lists the last SCIM requests from the identity provider with their status, newest first, without ids or queries", async () => {
    const k = auth(t.org.key);
    assert.equal((await t.http.get("/scim/v2/Users?filter=userName%20eq%20%22zed%22").set(k)).status, 200);
    assert.equal((await t.http.post("/scim/v2/Users").set(k).type(SCIM).send(user("zed"))).status, 201);
    assert.equal((await t.http.get("/scim/v2/Users/no-such-id").set(k)).status, 404);
    await new Promise((r) => setTimeout(r, 100)); // written after each answer
    const { requests } = expectOk(await as(t, admin.key).get("/sso/scim-activity"));
    const mine = requests.filter((r: any) => r.path.startsWith("/Users") && r.by.startsWith("service account"));
    assert.deepEqual(mine.slice(0, 3).map((r: any) => [r.method, r.path, r.status, r.ok]), [["GET", "/Users/{id}", 404, false], ["POST", "/Users", 201, true], ["GET", "/Users", 200, true]]);
    assert.doesNotMatch(JSON.stringify(requests), /zed|filter/);
  });
});
