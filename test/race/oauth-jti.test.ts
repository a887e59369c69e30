/**
 * One client assertion (RFC 7523 private_key_jwt) sent twice at once: the first
 * request is paused inside its token transaction after it spent the jti; the
 * second must wait for it and be refused (401 invalid_client, RFC 6749 §5.2),
 * and exactly one token is issued. If the first request's token is not issued,
 * its jti is not spent. Runs on SQLite and PostgreSQL (DATABASE_URL).
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { as } from "../admin/principals.ts";
import { orgServiceAccount, startOAuthApp, TOKEN_ENDPOINT, tokenRequest } from "../oauth/support.ts";
import type { TestApp } from "../support/app.ts";
import { auth } from "../support/app.ts";
import { race } from "./race.ts";

describe(`one client assertion twice at once (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, () => {
  let t: TestApp;
  let clientId: string;
  let privateKey: CryptoKey;
  before(async () => {
    t = await startOAuthApp();
    const pair = await generateKeyPair("ES256");
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "race" };
    const res = await as(t, t.org.key).post("/oauth-clients", { serviceAccountId: await orgServiceAccount(t, t.org), name: "entra-cert", jwks: { keys: [jwk] } });
    assert.equal(res.status, 201, res.text);
    clientId = res.body.clientId;
  });
  after(async () => t?.close());

  const assertion = () => new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "race" }).setIssuer(clientId).setSubject(clientId)
    .setAudience(TOKEN_ENDPOINT).setIssuedAt().setExpirationTime("2m").setJti(crypto.randomUUID()).sign(privateKey);
  const form = (a: string) => ({ grant_type: "client_credentials", client_assertion_type: "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion: a });
  const issued = async () => (await t.store.db.selectFrom("audit_events").select("id").where("org_id", "=", t.org.id).where("action", "=", "oauth_token.issue").execute()).length;

  it("the second request waits for the first's commit and is refused: one token", async () => {
    const jwt = await assertion();
    const before = await issued();
    const { a, b } = await race(t, "oauth.token.jti-spent", () => tokenRequest(t, form(jwt)), () => tokenRequest(t, form(jwt)));
    assert.equal(a.status, 200, a.text);
    assert.equal(b.status, 401, b.text);
    assert.equal(b.body.error, "invalid_client");
    assert.match(b.body.error_description, /already used/);
    assert.equal(b.body.access_token, undefined);
    assert.equal(await issued(), before + 1);
    assert.equal((await t.http.get("/scim/v2/Users").set(auth(a.body.access_token))).status, 200);
  });

  it("an assertion whose token was not issued is not spent: it works once afterwards", async () => {
    const jwt = await assertion();
    const before = await issued();
    // The signing key cannot be read (no encryption key): the token is not issued, and the jti is rolled back with it.
    const saved = t.config.encryptionKey;
    (t.config as { encryptionKey: Buffer | undefined }).encryptionKey = undefined;
    const failed = await tokenRequest(t, form(jwt));
    (t.config as { encryptionKey: Buffer | undefined }).encryptionKey = saved;
    assert.notEqual(failed.status, 200, failed.text);
    assert.equal(failed.body.access_token, undefined);
    assert.equal(await issued(), before);
    const ok = await tokenRequest(t, form(jwt));
    assert.equal(ok.status, 200, ok.text);
    const replay = await tokenRequest(t, form(jwt));
    assert.deepEqual([replay.status, replay.body.error], [401, "invalid_client"]);
    assert.equal(await issued(), before + 1);
  });
});
