import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { auth, SCIM, user, type TestApp } from "../support/app.ts";
import { as } from "../admin/principals.ts";
import { startEntraLike, type EntraLike } from "./entra-provider.ts";
import { orgServiceAccount, startOAuthApp, tokenRequest } from "./support.ts";

const AUDIENCE = "api://rollcall-scim-acme";
const OTHER_AUDIENCE = "api://rollcall-scim-globex";

describe("OAuth for SCIM clients: Entra workload identity federation (the real OpenID Provider on loopback)", () => {
  let t: TestApp;
  let op: EntraLike;
  before(async () => {
    op = await startEntraLike([AUDIENCE, OTHER_AUDIENCE]);
    t = await startOAuthApp({ oauthJwksCooldownMs: 1 });
    const fed = await as(t, t.org.key).post("/scim-federations", { serviceAccountId: await orgServiceAccount(t, t.org), issuer: op.issuer, audience: AUDIENCE, subject: op.clientId });
    assert.equal(fed.status, 201, fed.text);
  });
  after(async () => {
    await t?.close();
    await op?.close();
  });

  it("accepts the provider's client-credentials JWT as a bearer token at /scim, fetching its keys once", async () => {
    const token = await op.token(AUDIENCE);
    const claims = decodeJwt(token);
    assert.deepEqual([claims.iss, claims.sub, claims.aud], [op.issuer, op.clientId, AUDIENCE]);
    const created = await t.http.post("/scim/v2/Users").set(auth(token)).type(SCIM).send(user("entra-pushed"));
    assert.equal(created.status, 201, created.text);
    for (let i = 0; i < 3; i++) assert.equal((await t.http.get(`/scim/v2/Users/${created.body.id}`).set(auth(token))).status, 200);
    assert.equal(op.jwksFetches, 1, "the issuer's keys are cached: no network call per request");
    const ev = await t.store.db.selectFrom("audit_events").select("actor").where("org_id", "=", t.org.id).where("door", "=", "scim").orderBy("id", "desc").executeTakeFirstOrThrow();
    assert.match(ev.actor, /^key:federation:/);
  });

  it("picks up a rotated issuer key (an unknown kid refetches the keys)", async () => {
    const before = await op.token(AUDIENCE);
    op.rotate();
    const after = await op.token(AUDIENCE);
    assert.notEqual(decodeProtectedHeader(before).kid, decodeProtectedHeader(after).kid);
    const fetches = op.jwksFetches;
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(after))).status, 200);
    assert.equal(op.jwksFetches, fetches + 1);
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(after))).status, 200);
    assert.equal(op.jwksFetches, fetches + 1);
    // the old key is no longer published: a token it signed is refused
    const old = await t.http.get("/scim/v2/Users").set(auth(before));
    assert.equal(old.status, 401);
    assert.match(String(old.headers["www-authenticate"]), /error="invalid_token"/);
  });

  it("exchanges the provider's token for Rollcall's own (RFC 7523 JWT bearer grant)", async () => {
    const res = await tokenRequest(t, { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: await op.token(AUDIENCE) });
    assert.equal(res.status, 200, res.text);
    assert.equal(decodeJwt(res.body.access_token).iss, "http://rollcall.test");
    assert.equal((await t.http.get("/scim/v2/Groups").set(auth(res.body.access_token))).status, 200);
  });

  it("a token for another org's connection (audience), or a trust that was removed, is 401", async () => {
    const other = await t.newOrg();
    const fed = await as(t, other.key).post("/scim-federations", { serviceAccountId: await orgServiceAccount(t, other), issuer: op.issuer, audience: OTHER_AUDIENCE, subject: op.clientId });
    assert.equal(fed.status, 201, fed.text);
    const theirs = await op.token(OTHER_AUDIENCE);
    const list = await t.http.get('/scim/v2/Users?filter=userName eq "entra-pushed"').set(auth(theirs));
    assert.equal(list.body.totalResults, 0, "the other org's token sees the other org only");
    // the same trust twice would name two accounts
    const dup = await as(t, t.org.key).post("/scim-federations", { serviceAccountId: await orgServiceAccount(t, t.org), issuer: op.issuer, audience: OTHER_AUDIENCE, subject: op.clientId });
    assert.equal(dup.status, 409);
    assert.equal((await as(t, other.key).delete(`/scim-federations/${fed.body.id}`)).status, 204);
    const gone = await t.http.get("/scim/v2/Users").set(auth(theirs));
    assert.equal(gone.status, 401);
    assert.match(String(gone.headers["www-authenticate"]), /invalid_token/);
  });
});
