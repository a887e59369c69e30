import assert from "node:assert/strict";
import crypto from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { issueAccessToken } from "../../src/org/security/oauth/tokens.ts";
import { auth, SCIM, user, type TestApp, type TestOrg } from "../support/app.ts";
import { as } from "../admin/principals.ts";
import { BASE, basic, orgServiceAccount, startOAuthApp, TOKEN_ENDPOINT, tokenRequest } from "./support.ts";

const WHERE = { issuer: BASE, resource: `${BASE}/scim/v2` };

describe("OAuth for SCIM clients: client credentials (Okta, Entra)", () => {
  let t: TestApp;
  let sa: string;
  before(async () => {
    t = await startOAuthApp();
    sa = await orgServiceAccount(t, t.org);
  });
  after(async () => t?.close());

  async function newClient(org: TestOrg = t.org, body: Record<string, unknown> = {}) {
    const res = await as(t, org.key).post("/oauth-clients", { serviceAccountId: org === t.org ? sa : await orgServiceAccount(t, org), name: "okta", ...body });
    assert.equal(res.status, 201, res.text);
    return res.body as { id: string; clientId: string; secret: { id: string; secret: string } | null; authMethods: string[] };
  }

  it("publishes RFC 8414 metadata naming the token endpoint, grants and auth methods", async () => {
    const res = await t.http.get("/.well-known/oauth-authorization-server");
    assert.equal(res.status, 200);
    assert.equal(res.body.issuer, BASE);
    assert.equal(res.body.token_endpoint, TOKEN_ENDPOINT);
    assert.deepEqual(res.body.grant_types_supported, ["client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer"]);
    assert.deepEqual(res.body.token_endpoint_auth_methods_supported, ["client_secret_basic", "client_secret_post", "private_key_jwt"]);
    assert.ok(res.body.token_endpoint_auth_signing_alg_values_supported.includes("RS256"));
    const jwks = await t.http.get("/oauth/jwks");
    assert.equal(jwks.status, 200);
    assert.ok(Array.isArray(jwks.body.keys));
    // SCIM discovery says how to connect (a client reads it before it authenticates)
    const spc = await t.http.get("/scim/v2/ServiceProviderConfig");
    const bearer = spc.body.authenticationSchemes.find((s: { type: string }) => s.type === "oauthbearertoken");
    assert.ok(bearer.description.includes(TOKEN_ENDPOINT), bearer.description);
    assert.match(bearer.description, /federat/);
  });

  it("issues a short-lived token for a secret (Basic and in the body) that acts as the service account on SCIM", async () => {
    const c = await newClient();
    assert.deepEqual(c.authMethods, ["client_secret_basic", "client_secret_post"]);
    const res = await tokenRequest(t, { grant_type: "client_credentials" }, basic(c.clientId, c.secret!.secret));
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, "Bearer");
    assert.equal(res.body.expires_in, 3600);
    assert.equal(res.headers["cache-control"], "no-store");
    const created = await t.http.post("/scim/v2/Users").set(auth(res.body.access_token)).type(SCIM).send(user("okta-pushed"));
    assert.equal(created.status, 201, created.text);
    const ev = await t.store.db.selectFrom("audit_events").select(["actor", "door"]).where("org_id", "=", t.org.id).where("door", "=", "scim").orderBy("id", "desc").executeTakeFirstOrThrow();
    assert.match(ev.actor, /^key:oauth-client:/);
    const post = await tokenRequest(t, { grant_type: "client_credentials", client_id: c.clientId, client_secret: c.secret!.secret, scope: "scim" });
    assert.equal(post.status, 200, post.text);
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(post.body.access_token))).status, 200);
  });

  it("answers RFC 6749 §5.2 errors: a wrong secret is invalid_client (401), an unknown grant unsupported_grant_type", async () => {
    const c = await newClient();
    const wrong = await tokenRequest(t, { grant_type: "client_credentials" }, basic(c.clientId, "rcs_not-the-secret"));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, "invalid_client");
    assert.match(String(wrong.headers["www-authenticate"]), /^Basic/);
    const grant = await tokenRequest(t, { grant_type: "password", username: "x", password: "y" }, basic(c.clientId, c.secret!.secret));
    assert.deepEqual([grant.status, grant.body.error], [400, "unsupported_grant_type"]);
    const none = await tokenRequest(t, { grant_type: "client_credentials" });
    assert.deepEqual([none.status, none.body.error], [401, "invalid_client"]);
    const json = await t.http.post("/oauth/token").send({ grant_type: "client_credentials" });
    assert.deepEqual([json.status, json.body.error], [400, "invalid_request"]);
  });

  it("authenticates a client by a signed JWT (private_key_jwt) and refuses the same assertion twice", async () => {
    const { publicKey, privateKey } = await generateKeyPair("ES256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "k1" };
    const c = await newClient(t.org, { name: "entra-cert", jwks: { keys: [jwk] } });
    assert.equal(c.secret, null);
    assert.deepEqual(c.authMethods, ["private_key_jwt"]);
    const assertion = (claims: { aud?: string; exp?: number; jti?: string; iss?: string } = {}) => new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer(claims.iss ?? c.clientId).setSubject(c.clientId).setAudience(claims.aud ?? TOKEN_ENDPOINT)
      .setIssuedAt().setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 120).setJti(claims.jti ?? crypto.randomUUID()).sign(privateKey);
    const form = (a: string) => ({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: a });
    const first = await assertion();
    const ok = await tokenRequest(t, form(first));
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await t.http.get("/scim/v2/Groups").set(auth(ok.body.access_token))).status, 200);
    const replay = await tokenRequest(t, form(first));
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, "invalid_client");
    assert.match(replay.body.error_description, /already used/);
    const otherAud = await tokenRequest(t, form(await assertion({ aud: "https://elsewhere.example/token" })));
    assert.deepEqual([otherAud.status, otherAud.body.error], [401, "invalid_client"]);
    const expired = await tokenRequest(t, form(await assertion({ exp: Math.floor(Date.now() / 1000) - 120 })));
    assert.match(expired.body.error_description, /expired/);
    const longLived = await tokenRequest(t, form(await assertion({ exp: Math.floor(Date.now() / 1000) + 86_400 })));
    assert.match(longLived.body.error_description, /at most 10 minutes/);
    // a key the client did not register
    const stranger = await generateKeyPair("ES256");
    const forged = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "k1" }).setIssuer(c.clientId).setSubject(c.clientId).setAudience(TOKEN_ENDPOINT)
      .setExpirationTime("2m").setJti(crypto.randomUUID()).sign(stranger.privateKey);
    assert.equal((await tokenRequest(t, form(forged))).status, 401);
  });

  it("refuses an expired token with 401 and WWW-Authenticate: Bearer error=\"invalid_token\"", async () => {
    const c = await newClient();
    const old = await issueAccessToken(t.store.db, t.config.encryptionKey, WHERE, { orgId: t.org.id, serviceAccountId: sa, clientId: c.clientId, lifetimeSeconds: 300 }, Date.now() - 3600_000);
    const res = await t.http.get("/scim/v2/Users").set(auth(old.access_token));
    assert.equal(res.status, 401);
    assert.match(String(res.headers["www-authenticate"]), /^Bearer realm="rollcall", error="invalid_token", error_description="the token has expired"/);
    assert.equal(res.body.schemas[0], "urn:ietf:params:scim:api:messages:2.0:Error");
  });

  it("a token of another org's connection is refused (401), and each org's token sees only its org", async () => {
    const other = await t.newOrg();
    const mine = await newClient();
    const theirs = await newClient(other);
    // a token that names the other org with this org's client: signed by us, but no such client in that org
    const mixed = await issueAccessToken(t.store.db, t.config.encryptionKey, WHERE, { orgId: other.id, serviceAccountId: sa, clientId: mine.clientId, lifetimeSeconds: 300 });
    const res = await t.http.get("/scim/v2/Users").set(auth(mixed.access_token));
    assert.equal(res.status, 401);
    assert.match(String(res.headers["www-authenticate"]), /invalid_token/);
    // a token for another resource (audience)
    const elsewhere = await issueAccessToken(t.store.db, t.config.encryptionKey, { issuer: BASE, resource: "https://other.example/scim/v2" }, { orgId: t.org.id, serviceAccountId: sa, clientId: mine.clientId, lifetimeSeconds: 300 });
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(elsewhere.access_token))).status, 401);
    // the other org's real token lists none of this org's users
    const tok = await tokenRequest(t, { grant_type: "client_credentials" }, basic(theirs.clientId, theirs.secret!.secret));
    const list = await t.http.get("/scim/v2/Users?filter=userName%20eq%20%22okta-pushed%22").set(auth(tok.body.access_token));
    assert.equal(list.status, 200);
    assert.equal(list.body.totalResults, 0);
    // deleting the client ends its tokens at once
    assert.equal((await as(t, other.key).delete(`/oauth-clients/${theirs.id}`)).status, 204);
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(tok.body.access_token))).status, 401);
  });

  it("rotates secrets: two alive at once, then the old one revoked", async () => {
    const c = await newClient();
    const second = await as(t, t.org.key).post(`/oauth-clients/${c.id}/secrets`, { label: "2026-12 rotation", expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    assert.equal(second.status, 201, second.text);
    for (const s of [c.secret!.secret, second.body.secret]) assert.equal((await tokenRequest(t, { grant_type: "client_credentials" }, basic(c.clientId, s))).status, 200);
    assert.equal((await as(t, t.org.key).delete(`/oauth-clients/${c.id}/secrets/${c.secret!.id}`)).status, 204);
    assert.equal((await tokenRequest(t, { grant_type: "client_credentials" }, basic(c.clientId, c.secret!.secret))).status, 401);
    assert.equal((await tokenRequest(t, { grant_type: "client_credentials" }, basic(c.clientId, second.body.secret))).status, 200);
    const listed = await as(t, t.org.key).get(`/oauth-clients/${c.id}`);
    assert.deepEqual(listed.body.secrets.map((s: { revokedAt: string | null }) => s.revokedAt !== null), [true, false]);
    assert.equal(JSON.stringify(listed.body).includes(second.body.secret), false);
    const audit = await t.store.db.selectFrom("audit_events").select("action").where("org_id", "=", t.org.id).where("target_id", "=", c.id).orderBy("id").execute();
    assert.deepEqual(audit.map((a) => a.action), ["oauth_client.create", "oauth_secret.create", "oauth_secret.revoke"]);
  });

  it("an expired secret and an expired API key stop working; both are listed as lapsing before that", async () => {
    const c = await newClient(t.org, { secretExpiresAt: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    const key = await as(t, t.org.key).post(`/service-accounts/${sa}/keys`, { label: "expiring", expiresAt: new Date(Date.now() + 5 * 86_400_000).toISOString() });
    assert.equal(key.status, 201, key.text);
    const lapsing = await as(t, t.org.key).get("/credentials/lapsing");
    assert.deepEqual(lapsing.body.lapsing.map((l: { kind: string }) => l.kind).sort(), ["api_key", "oauth_secret"]);
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(key.body.key))).status, 200);
    const past = new Date(Date.now() - 1000).toISOString();
    await t.store.db.updateTable("api_keys").set({ expires_at: past }).where("id", "=", key.body.id).execute();
    await t.store.db.updateTable("oauth_client_secrets").set({ expires_at: past }).where("id", "=", c.secret!.id).execute();
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(key.body.key))).status, 401);
    assert.equal((await tokenRequest(t, { grant_type: "client_credentials" }, basic(c.clientId, c.secret!.secret))).status, 401);
    const bad = await as(t, t.org.key).post(`/oauth-clients/${c.id}/secrets`, { expiresAt: past });
    assert.equal(bad.status, 400);
    const lifetime = await as(t, t.org.key).post("/oauth-clients", { serviceAccountId: sa, name: "x", tokenLifetimeMinutes: 1 });
    assert.equal(lifetime.status, 400);
  });

  it("only org admins manage OAuth clients and federations", async () => {
    const member = await t.http.post("/scim/v2/Users").set(auth(t.org.key)).type(SCIM).send(user("plain-member"));
    const { createKey } = await import("../../src/org/security/keys.ts");
    const k = await createKey(t.store.db, { orgId: t.org.id, memberId: member.body.id });
    assert.equal((await as(t, k.key).get("/oauth-clients")).status, 403);
    assert.equal((await as(t, k.key).post("/scim-federations", { serviceAccountId: sa, issuer: "https://login.example", audience: "a", subject: "s" })).status, 403);
  });

  it("rate limits the token endpoint (429 with Retry-After)", async () => {
    const small = await startOAuthApp({ oauthTokenLimits: { perWindow: 3, windowSeconds: 60 } });
    try {
      const statuses: number[] = [];
      let last: Awaited<ReturnType<typeof tokenRequest>> | undefined;
      for (let i = 0; i < 4; i++) {
        last = await tokenRequest(small, { grant_type: "client_credentials", client_id: "rcc_nobody", client_secret: "nope" });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 429]);
      assert.ok(Number(last!.headers["retry-after"]) >= 1);
      assert.equal(last!.body.error, "slow_down");
    } finally {
      await small.close();
    }
  });
});
