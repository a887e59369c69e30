/**
 * The console's end-to-end harness: the real app on a loopback port (with an SMTP
 * inbox and a DNS server of its own), a real OpenID Provider (test/sso/oidc-provider.ts),
 * and Debian's Chromium driven by playwright-core (never a browser download).
 * Screenshots go to test-artifacts/screenshots/ (git-ignored).
 */
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { startTxtServer, type TxtServer } from "../admin/dns.ts";
import { startInbox, type Inbox } from "../admin/smtp.ts";
import { startOidcProvider, type OidcAccount, type TestProvider } from "../sso/oidc-provider.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = path.resolve("test-artifacts/screenshots");

export interface ConsoleRig {
  store: TestStore;
  base: string;
  org: { id: string; name: string; key: string };
  op: TestProvider;
  dns: TxtServer;
  inbox: Inbox;
  browser: Browser;
  errors: unknown[];
  /** a fresh browser profile (own cookies) at a laptop-sized viewport */
  person(): Promise<{ context: BrowserContext; page: Page }>;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startRig(accounts: OidcAccount[]): Promise<ConsoleRig> {
  const store = await openTestStore();
  const dns = await startTxtServer();
  const inbox = await startInbox();
  const config = loadConfig({ ROLLCALL_ENCRYPTION_KEY: crypto.randomBytes(32).toString("base64"), SMTP_URL: inbox.url, SMTP_FROM: "rollcall@test.example", DNS_RESOLVER: dns.address });
  const errors: unknown[] = [];
  const server = http.createServer(createApp(store, config, { log: (msg, err) => errors.push([msg, String((err as Error)?.stack ?? err)]) }));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { org, key } = await createOrg(store.db, `acme-${crypto.randomBytes(3).toString("hex")}`);
  const op = await startOidcProvider({ redirectUris: [`${base}/auth/${encodeURIComponent(org.name)}/oidc/callback`], accounts });
  const res = await fetch(`${base}/api/v1/sso/oidc`, {
    method: "PUT", headers: { Authorization: `Bearer ${key.key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret }),
  });
  if (!res.ok) throw new Error(`PUT /sso/oidc: ${res.status} ${await res.text()}`);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-quic", "--disable-sync"],
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const contexts: BrowserContext[] = [];
  return {
    store, base, org: { id: org.id, name: org.name, key: key.key }, op, dns, inbox, browser, errors,
    async person() {
      const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, baseURL: base });
      contexts.push(context);
      const page = await context.newPage();
      page.on("pageerror", (err) => errors.push(["browser page error", String(err)]));
      page.on("console", (m) => { if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) errors.push(["browser console error", m.text()]); });
      return { context, page };
    },
    async shot(page, name) {
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: false });
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      await op.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await inbox.close();
      await dns.close();
      await store.close();
    },
  };
}

/**
 * At the provider: the test provider's interaction "pages" are JSON ({uid, prompt});
 * the browser answers them with a form post (login as `account`, then consent),
 * as a person would, until it is sent back to the app.
 */
export async function loginAtProvider(page: Page, op: TestProvider, account: string): Promise<void> {
  for (let step = 0; step < 6; step++) {
    await page.waitForLoadState();
    const url = new URL(page.url());
    if (url.origin !== op.issuer) return;
    const m = /^\/interaction\/([^/]+)$/.exec(url.pathname);
    if (!m) throw new Error(`unexpected provider page ${page.url()}: ${(await page.content()).slice(0, 300)}`);
    const prompt = (JSON.parse(await page.locator("body").innerText()) as { prompt: string }).prompt;
    const action = prompt === "login" ? "login" : "confirm";
    await Promise.all([
      page.waitForURL((u) => u.pathname !== url.pathname || u.origin !== op.issuer),
      page.evaluate(([act, login]) => {
        const f = document.createElement("form");
        f.method = "POST";
        f.action = `${location.pathname}/${act}`;
        const i = document.createElement("input");
        i.name = "login"; i.value = login!;
        f.append(i);
        document.body.append(f);
        f.submit();
      }, [action, account]),
    ]);
  }
  throw new Error("the provider did not send the browser back");
}

/** Signs `account` in through the console's sign-in page (the "Sign in with SSO" button). */
export async function ssoSignIn(rig: ConsoleRig, page: Page, account: string): Promise<void> {
  await page.goto(`/admin/login?org=${encodeURIComponent(rig.org.name)}`);
  // The provider may remember the person (its own session) and send the browser straight back.
  await Promise.all([page.waitForURL((u) => u.origin === rig.op.issuer || !u.pathname.startsWith("/admin/login")), page.getByRole("link", { name: "Sign in with SSO" }).click()]);
  await loginAtProvider(page, rig.op, account);
  await page.waitForLoadState();
}
