/**
 * Renaming an org breaks no address: OIDC sign-in end to end through the real OpenID
 * Provider (test/sso/oidc-provider.ts) with the redirect URI registered there BEFORE
 * the rename; the old sign-in URL redirects to the stable one; and a single-org install
 * configured from the environment (ROLLCALL_ORG_NAME, OIDC_*, LDAP_*) still starts
 * after the org was renamed in the console (a real `tsx src/server.ts` process).
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { signInUrls } from "../../src/sso/org-address.ts";
import { openTestStore, emptyDatabaseUrl, type TestStore } from "../support/store.ts";
import { Browser, signInThrough, startOidcProvider, type TestProvider } from "./oidc-provider.ts";

const ENCRYPTION_KEY = crypto.randomBytes(32).toString("base64");
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** A JSON call to the admin API with an API key. */
async function api(base: string, key: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/api/v1${p}`, {
    method, headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe("rename, then sign in through the real OpenID Provider", function () {
  this.timeout(60_000);
  let store: TestStore;
  let server: http.Server;
  let base = "";
  let op: TestProvider;
  let key = "";
  let orgId = "";
  let oldName = "";
  let redirectUri = "";
  const errors: unknown[] = [];

  before(async () => {
    store = await openTestStore();
    const app = createApp(store, loadConfig({ ROLLCALL_ENCRYPTION_KEY: ENCRYPTION_KEY }), { log: (msg, err) => errors.push([msg, String(err)]) });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    oldName = `Acme Corp ${process.pid}`;
    const { org, key: k } = await createOrg(store.db, oldName);
    key = k.key;
    orgId = org.id;
    // What the admin registers at the provider: the redirect URI of the org as created.
    redirectUri = signInUrls(org, base).oidcCallback;
    op = await startOidcProvider({ redirectUris: [redirectUri], accounts: [{ sub: "wile-sub", email: "wile@acme.example", email_verified: true, name: "Wile E.", preferred_username: "wile" }] });
    const put = await api(base, key, "PUT", "/sso/oidc", { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body.redirectUri, redirectUri, "the admin API shows the redirect URI the provider has");
  });
  after(async () => {
    await op?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await store?.close();
    assert.deepEqual(errors, [], "the server logged no unexpected errors");
  });

  it("the redirect URI, sign-in URL and console URL do not change when the org is renamed", async () => {
    const slugPath = new URL(redirectUri).pathname.split("/")[2];
    assert.equal(slugPath, `acme-corp-${process.pid}`);
    const renamed = await api(base, key, "PATCH", "/org", { name: "Road Runner Inc" });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.name, "Road Runner Inc");
    const after = await api(base, key, "GET", "/sso/oidc");
    assert.equal(after.body.redirectUri, redirectUri);
    assert.equal(after.body.loginUrl, `${base}/auth/${slugPath}/oidc/login`);
    assert.equal(after.body.consoleLoginUrl, `${base}/admin/login?org=${slugPath}`);
  });

  it("the old sign-in URL redirects to the stable one, and sign-in completes with the redirect URI registered before the rename", async () => {
    const b = new Browser();
    const old = await b.get(`${base}/auth/${encodeURIComponent(oldName)}/oidc/login?returnTo=%2Fadmin%2F`);
    assert.equal(old.status, 302, old.text);
    const stable = old.location!;
    assert.equal(stable, `${base}/auth/acme-corp-${process.pid}/oidc/login?returnTo=%2Fadmin%2F`);
    const toProvider = await b.get(stable);
    assert.equal(new URL(toProvider.location!).searchParams.get("redirect_uri"), redirectUri);

    const { callback, callbackUrl } = await signInThrough(new Browser(), stable, op, "wile-sub");
    assert.equal(new URL(callbackUrl).pathname, new URL(redirectUri).pathname, "the provider sent the browser to the registered redirect URI");
    assert.equal(callback.status, 302, callback.text);
    assert.equal(callback.location, `${base}/admin/`);
    const m = await store.db.selectFrom("members").select(["user_name", "org_id"]).where("org_id", "=", orgId).where("user_name_key", "=", "wile").executeTakeFirst();
    assert.deepEqual(m, { user_name: "wile", org_id: orgId }, "the person is a member of the renamed org");
    assert.equal(op.tokenErrors.length, 0, op.tokenErrors.join(", "));
  });

  it("the new name works too (served without a redirect) and still uses the stable redirect URI", async () => {
    const res = await new Browser().get(`${base}/auth/${encodeURIComponent("Road Runner Inc")}/oidc/login`);
    assert.equal(res.status, 302);
    assert.equal(new URL(res.location!).origin, op.issuer);
    assert.equal(new URL(res.location!).searchParams.get("redirect_uri"), redirectUri);
    const { callback } = await signInThrough(new Browser(), `${base}/auth/${encodeURIComponent("Road Runner Inc")}/oidc/login`, op, "wile-sub");
    assert.equal(callback.status, 302, callback.text);
  });
});

describe("a single-org install configured from the environment, renamed in the console, restarted", function () {
  this.timeout(120_000);
  const running = new Set<ChildProcess>();
  let url = "";
  let cleanup = async () => {};
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollcall-rename-"));
  before(async () => { ({ url, cleanup } = await emptyDatabaseUrl("rename")); });
  after(async () => {
    await Promise.all([...running].map((c) => new Promise<void>((resolve) => {
      const kill = setTimeout(() => c.kill("SIGKILL"), 5_000);
      c.once("exit", () => { clearTimeout(kill); resolve(); });
      c.kill("SIGTERM");
    })));
    await cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const bootstrapKey = `rename-key-${crypto.randomBytes(8).toString("hex")}`;
  const env = {
    DATABASE_URL: url, PORT: "0", HOST: "127.0.0.1", ROLLCALL_ORG_NAME: "Initech", ROLLCALL_ENCRYPTION_KEY: ENCRYPTION_KEY,
    OIDC_ISSUER: "https://idp.initech.example", OIDC_CLIENT_ID: "rollcall", OIDC_CLIENT_SECRET: "env-secret",
    LDAP_URL: "ldap://127.0.0.1:9", LDAP_BIND_DN: "cn=svc,dc=initech,dc=example", LDAP_BIND_PASSWORD: "pw", LDAP_BASE_DN: "dc=initech,dc=example",
  };

  /** `tsx src/server.ts` until it listens; resolves with its port and a stop function. */
  async function start(): Promise<{ port: number; output: () => string; stop(): Promise<number | null> }> {
    const child = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "src", "server.ts")], {
      cwd: dir, env: { ...process.env, ...env, DATABASE_URL: url, ROLLCALL_BOOTSTRAP_KEY: bootstrapKey }, stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    let out = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => { running.delete(child); resolve(code); }));
    const port = await new Promise<number>((resolve, reject) => {
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
        if (m) resolve(Number(m[1]));
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", onData);
      void exited.then((code) => reject(new Error(`the server exited (${code}) before listening:\n${out}`)));
    });
    return { port, output: () => out, stop: async () => { child.kill("SIGTERM"); return exited; } };
  }

  it("keeps starting, and OIDC_* and LDAP_* still belong to the renamed org", async () => {
    const first = await start();
    assert.match(first.output(), /created organization "Initech"/);
    assert.match(first.output(), /OIDC sign-in for "Initech" created/);
    const base1 = `http://127.0.0.1:${first.port}`;
    const renamed = await api(base1, bootstrapKey, "PATCH", "/org", { name: "Initech Global" });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.equal(renamed.body.slug, "initech");
    assert.equal(await first.stop(), 0);

    const second = await start();
    assert.doesNotMatch(second.output(), /failed to start|created organization/);
    const base2 = `http://127.0.0.1:${second.port}`;
    const oidc = await api(base2, bootstrapKey, "GET", "/sso/oidc");
    assert.equal(oidc.status, 200, JSON.stringify(oidc.body));
    assert.deepEqual([oidc.body.source, oidc.body.issuer], ["env", "https://idp.initech.example"]);
    assert.equal(new URL(oidc.body.redirectUri).pathname, "/auth/initech/oidc/callback");
    const ldap = await api(base2, bootstrapKey, "GET", "/sso/ldap");
    assert.equal(ldap.status, 200, JSON.stringify(ldap.body));
    assert.equal(ldap.body.source, "env", "LDAP_* still applies to the org ROLLCALL_ORG_NAME named before the rename");
    const methods = await fetch(`${base2}/admin/api/sign-in-methods?org=Initech`).then((r) => r.json());
    assert.deepEqual([methods.org.name, methods.oidc?.loginUrl, methods.ldap?.loginUrl], ["Initech", "/auth/initech/oidc/login", "/auth/initech/ldap/login"]);
    assert.equal(await second.stop(), 0);
  });
});
