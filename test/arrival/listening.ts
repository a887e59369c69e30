/**
 * The app on a real loopback port with the tests' own OpenID Provider, for the
 * arrival tests that sign people in through the real OIDC door and then watch
 * their console session (GET /api/v1/me with the browser's cookie).
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { Browser, signInThrough, startOidcProvider, type OidcAccount, type TestProvider } from "../sso/oidc-provider.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

export interface Rig {
  store: TestStore;
  base: string;
  op: TestProvider;
  org: { id: string; name: string; key: string };
  /** signs `account` (added to the provider) in through the org's OIDC door; returns the browser holding the session */
  signIn(account: OidcAccount): Promise<{ browser: Browser; memberId: string; csrf: string }>;
  /** GET /api/v1/me with this browser's cookie: the status and the member id */
  me(browser: Browser): Promise<{ status: number; memberId: string | null }>;
  /** a state-changing admin API call with the browser's cookie and a CSRF token */
  post(browser: Browser, path: string, csrf: string, body: unknown): Promise<number>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startRig(): Promise<Rig> {
  const store = await openTestStore();
  const config = loadConfig({ ROLLCALL_ENCRYPTION_KEY: crypto.randomBytes(32).toString("base64") });
  const errors: unknown[] = [];
  const server = http.createServer(createApp(store, config, { log: (msg, err) => errors.push([msg, String((err as Error)?.stack ?? err)]) }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { org: row, key } = await createOrg(store.db, `arrival-${process.pid}-${crypto.randomBytes(3).toString("hex")}`);
  const org = { id: row.id, name: row.name, key: key.key };
  const orgPath = `${base}/auth/${encodeURIComponent(org.name)}/oidc`;
  const op = await startOidcProvider({ redirectUris: [`${orgPath}/callback`], accounts: [] });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method, headers: { authorization: `Bearer ${org.key}`, "content-type": "application/json", accept: "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return { status: res.status, body: parsed as any };
  };
  const put = await api("PUT", "/api/v1/sso/oidc", { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret });
  assert.equal(put.status, 200, JSON.stringify(put.body));

  const me = async (browser: Browser) => {
    const res = await browser.get(`${base}/api/v1/me`, { accept: "application/json" });
    return { status: res.status, memberId: res.status === 200 ? (JSON.parse(res.text) as { member: { id: string } }).member.id : null };
  };
  return {
    store, base, op, org, me, api,
    async signIn(account) {
      op.accounts.set(account.sub, account);
      await store.db.deleteFrom("rate_limits").execute();
      const browser = new Browser("application/json");
      const { callback } = await signInThrough(browser, `${orgPath}/login`, op, account.sub);
      assert.equal(callback.status, 302, callback.text);
      const res = await browser.get(`${base}/api/v1/me`, { accept: "application/json" });
      assert.equal(res.status, 200, res.text);
      const body = JSON.parse(res.text) as { member: { id: string }; csrfToken: string };
      return { browser, memberId: body.member.id, csrf: body.csrfToken };
    },
    async post(browser, path, csrf, body) {
      const cookie = [...browser.cookies(base)].map(([k, v]) => `${k}=${v}`).join("; ");
      const res = await fetch(`${base}${path}`, {
        method: "POST", body: JSON.stringify(body),
        headers: { cookie, "content-type": "application/json", accept: "application/json", "x-rollcall-csrf": csrf },
      });
      await res.text();
      return res.status;
    },
    async close() {
      await op.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      if (errors.length) throw new Error(`the server logged unexpected errors: ${JSON.stringify(errors)}`);
    },
  };
}
