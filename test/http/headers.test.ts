/**
 * Response headers on every route (helmet: nosniff, the CSP that lets the console load
 * its own scripts and styles only, frame and referrer policies), `Cache-Control: no-store`
 * on every answer that can carry a secret, and no enumeration of org names or ids through
 * the console's anonymous sign-in-methods route.
 */
import assert from "node:assert/strict";
import supertest from "supertest";
import { loadConfig } from "../../src/config.ts";
import { createAdminLink } from "../../src/org/arrival/admin-links.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { addMember, as } from "../admin/principals.ts";
import { auth, startTestApp, type TestApp } from "../support/app.ts";
import { appWithLogin } from "../support/session.ts";

function assertHelmet(res: supertest.Response, what: string): void {
  assert.equal(res.headers["x-content-type-options"], "nosniff", what);
  assert.equal(res.headers["x-frame-options"], "SAMEORIGIN", what);
  assert.equal(res.headers["referrer-policy"], "no-referrer", what);
  const csp = String(res.headers["content-security-policy"] ?? "");
  for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "object-src 'none'"])
    assert.ok(csp.includes(d), `${what}: CSP has ${d}: ${csp}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, what);
  assert.equal(res.headers["x-powered-by"], undefined, what);
}

const noStore = (res: supertest.Response, what: string) => assert.equal(res.headers["cache-control"], "no-store", what);

describe("security headers and no-store", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t?.close(); });

  it("every area: probes, SCIM, admin API, sign-in, console pages and assets, 404s", async () => {
    const probes: [string, supertest.Test][] = [
      ["GET /healthz", t.http.get("/healthz")],
      ["GET /scim/v2/ServiceProviderConfig", t.http.get("/scim/v2/ServiceProviderConfig").set(auth(t.org.key))],
      ["GET /scim/v2/Users (401)", t.http.get("/scim/v2/Users")],
      ["GET /api/v1/me (401)", t.http.get("/api/v1/me")],
      ["GET /api/v1/openapi.json", t.http.get("/api/v1/openapi.json")],
      ["GET /auth/x/oidc/login", t.http.get("/auth/x/oidc/login")],
      ["GET /admin/", t.http.get("/admin/")],
      ["GET /admin/login", t.http.get("/admin/login")],
      ["GET /admin/js/app.js", t.http.get("/admin/js/app.js")],
      ["GET /admin/console.css", t.http.get("/admin/console.css")],
      ["GET /invites/accept", t.http.get("/invites/accept?token=x")],
      ["GET /nothing (404)", t.http.get("/nothing")],
    ];
    for (const [what, req] of probes) {
      const res = await req;
      assert.ok(res.status < 500, `${what}: ${res.status}`);
      assertHelmet(res, what);
    }
    // the console's script is served as JavaScript from this origin, which the CSP allows
    const js = await t.http.get("/admin/js/app.js");
    assert.equal(js.status, 200);
    assert.match(String(js.headers["content-type"]), /javascript/);
  });

  it("no-store on SCIM, the admin API, sign-in and the console's API; static console files stay cacheable", async () => {
    noStore(await t.http.get("/scim/v2/Users").set(auth(t.org.key)), "SCIM list");
    noStore(await t.http.get("/api/v1/openapi.json"), "admin API");
    noStore(await t.http.get("/auth/x/oidc/login"), "sign-in");
    noStore(await t.http.get(`/admin/api/sign-in-methods?org=${encodeURIComponent(t.org.name)}`), "console API");
    noStore(await t.http.get("/invites/accept?token=x"), "invite page");
    assert.notEqual((await t.http.get("/admin/console.css")).headers["cache-control"], "no-store");
  });

  it("every answer that carries a secret: new keys, invite links, admin links, the CSRF token", async () => {
    const admin = await addMember(t, "headers-admin", "admin");
    const team = await as(t, admin.key).post("/teams", { name: "headers-team" });
    assert.equal(team.status, 201, team.text);
    await t.store.db.updateTable("orgs").set({ default_team_id: team.body.id }).where("id", "=", t.org.id).execute();
    const sa = await as(t, admin.key).post("/service-accounts", { name: "headers-bot" });
    assert.equal(sa.status, 201, sa.text);
    assert.match(sa.body.key.key, /^rc_/);
    noStore(sa, "POST /service-accounts (the new key)");
    const key = await as(t, admin.key).post(`/service-accounts/${sa.body.id}/keys`, {});
    assert.equal(key.status, 201, key.text);
    noStore(key, "POST /service-accounts/{id}/keys");
    const inv = await as(t, admin.key).post("/invites", { email: "headers-invitee@example.com" });
    assert.equal(inv.status, 201, inv.text);
    noStore(inv, "POST /invites");

    const link = await createAdminLink(t.store.db, t.org.id);
    const redeemed = await t.http.get(`/admin/link/${link.token}`);
    assert.equal(redeemed.status, 302);
    noStore(redeemed, "GET /admin/link/{token}");

    const agent = supertest.agent(appWithLogin(t.store, t.config));
    const m = await t.store.db.selectFrom("members").select(["id", "user_id"]).where("id", "=", admin.id).executeTakeFirstOrThrow();
    await agent.post("/test/login").send({ orgId: t.org.id, memberId: m.id, userId: m.user_id }).expect(200);
    const me = await agent.get("/api/v1/me");
    assert.equal(me.status, 200, me.text);
    assert.equal(typeof me.body.csrfToken, "string");
    noStore(me, "GET /api/v1/me (CSRF token)");
    assertHelmet(me, "GET /api/v1/me");
  });
});

describe("the console's sign-in-methods tell no one which orgs exist", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(loadConfig({})); await createOrg(t.store.db, `second-${process.pid}`); });
  after(async () => { await t?.close(); });

  const methods = (org?: string) => t.http.get(`/admin/api/sign-in-methods${org === undefined ? "" : `?org=${encodeURIComponent(org)}`}`).set("Accept", "application/json");

  it("an unknown org answers exactly like an existing org without sign-in methods (by name or by id)", async () => {
    const existing = await methods(t.org.name);
    const unknown = await methods("no-such-org-anywhere");
    const unknownId = await methods("00000000-0000-4000-8000-000000000000");
    for (const [what, res, name] of [["existing", existing, t.org.name], ["unknown name", unknown, "no-such-org-anywhere"], ["unknown id", unknownId, "00000000-0000-4000-8000-000000000000"]] as const) {
      assert.equal(res.status, 200, `${what}: ${res.text}`);
      assert.deepEqual(res.body, { org: { name }, oidc: null, ldap: null, email: null }, what);
    }
    // the name is echoed as asked, so a different case does not reveal the stored spelling
    const upper = await methods(t.org.name.toUpperCase());
    assert.deepEqual(upper.body, { org: { name: t.org.name.toUpperCase() }, oidc: null, ldap: null, email: null });
  });

  it("several orgs and no name: asked to name one, no list", async () => {
    const res = await methods();
    assert.equal(res.status, 400);
    assert.match(res.body.detail, /name the organization/);
    assert.doesNotMatch(res.text, new RegExp(t.org.name));
  });

});

describe("the sign-in doors tell no one which orgs exist", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(loadConfig({})); });
  after(async () => { await t?.close(); });

  it("an unknown org answers exactly like an org without that door (OIDC, LDAP, e-mail link)", async () => {
    const ask = async (ref: string) => {
      const oidc = await t.http.get(`/auth/${encodeURIComponent(ref)}/oidc/login`).set("Accept", "application/json");
      const ldap = await t.http.post(`/auth/${encodeURIComponent(ref)}/ldap/login`).set("Accept", "application/json").send({ username: "u", password: "p" });
      const email = await t.http.post(`/auth/${encodeURIComponent(ref)}/email/start`).set("Accept", "application/json").send({ email: "x@example.com" });
      return [oidc, ldap, email].map((r) => [r.status, String(r.body.detail).replaceAll(ref, "<ref>")]);
    };
    const known = await ask(t.org.name);
    const unknown = await ask("no-such-org-anywhere");
    assert.deepEqual(unknown, known);
    assert.deepEqual(known.map(([s]) => s), [404, 404, 403]);
  });
});
