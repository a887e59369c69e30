/**
 * The console for people, what was left of issue 12 and the console side of issue 15, in
 * Debian's Chromium: an OAuth client made on the SCIM page gets a token from /oauth/token
 * and calls /scim/v2/Users (real HTTP); its secret is revoked there and then refused; a
 * revoked key's refused request shows on the SCIM page with why; a refusal of the admin
 * API shows in plain words; two kinds of refused sign-in (seat limit, deactivated) get the
 * styled page with a way back to sign-in; every console page at 800×900 has no sideways
 * scroll and no clipped control; axe-core on each. Screenshots: test-artifacts/screenshots/connect-*.png.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { assertPlain } from "../support/plain-words.ts";
import { assertAccessible } from "./axe.ts";
import { ssoSignIn, startRig, type ConsoleRig } from "./browser.ts";

const ACCOUNTS = [
  { sub: "ada", email: "ada@acme.example", email_verified: true, name: "Ada Lovelace", preferred_username: "ada" },
  { sub: "grace", email: "grace@acme.example", email_verified: true, name: "Grace Hopper", preferred_username: "grace" },
  { sub: "hedy", email: "hedy@acme.example", email_verified: true, name: "Hedy Lamarr", preferred_username: "hedy" },
];

describe("console: connecting an identity provider, plain messages, refusal pages, 800 px (Chromium)", function () {
  this.timeout(180_000);
  let rig: ConsoleRig;
  let ada: Page;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${rig.base}${path}`, { method, headers: { Authorization: `Bearer ${rig.org.key}`, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const member = (userName: string) => rig.store.db.selectFrom("members").selectAll().where("org_id", "=", rig.org.id).where("user_name_key", "=", userName).executeTakeFirst();
  const token = (clientId: string, secret: string) => fetch(`${rig.base}/oauth/token`, {
    method: "POST", headers: { Authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString("base64")}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: "grant_type=client_credentials",
  });

  before(async () => {
    rig = await startRig(ACCOUNTS);
    const team = await api("POST", "/api/v1/teams", { name: "Everyone", domainMatching: true });
    await api("PATCH", "/api/v1/org", { defaultTeamId: team.id });
    ({ page: ada } = await rig.person());
    await ssoSignIn(rig, ada, "ada");
    await ada.waitForURL(/#\/profile$/);
    await rig.store.db.updateTable("members").set({ org_role: "admin" }).where("id", "=", (await member("ada"))!.id).execute();
    await ada.reload();
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && ada) await rig.shot(ada, "connect-failed").catch(() => {});
  });
  after(async () => {
    await rig?.close();
    if (rig?.errors.length) throw new Error(`errors during the journeys: ${JSON.stringify(rig.errors)}`);
  });

  it("Ada creates an OAuth client on the SCIM page; with it the provider gets a token and lists Users; a revoked secret gets none", async () => {
    await ada.goto("/admin/#/scim");
    await ada.getByRole("heading", { name: "How to connect" }).waitFor();
    assert.equal(await ada.locator("code", { hasText: `${rig.base}/oauth/token` }).count() >= 1, true, "the token endpoint is shown");
    assert.equal(await ada.locator("code", { hasText: /\/scim\/v2$/ }).count() >= 1, true, "the SCIM base URL is shown");
    // A service account for the provider, from the same page.
    await ada.getByLabel("Service account name").fill("okta-provisioning");
    await ada.getByRole("button", { name: "Create a SCIM key" }).click();
    await ada.locator(".keybox").first().waitFor();
    const form = ada.locator("section", { has: ada.getByRole("heading", { name: "OAuth clients (client credentials)" }) });
    await form.getByLabel("Service account").selectOption({ label: "okta-provisioning" });
    await form.getByLabel("Name", { exact: true }).fill("okta");
    await form.getByRole("button", { name: "Create OAuth client" }).click();
    const clientId = await form.locator("code[data-once='Client ID']").innerText();
    const secret = await form.locator("code[data-once='Client secret']").innerText();
    await form.locator("tr[data-client='okta']").waitFor();
    await assertAccessible(ada, "SCIM page with a new OAuth client");
    await rig.shot(ada, "connect-01-oauth-client-created");

    const t = await token(clientId, secret);
    assert.equal(t.status, 200, await t.clone().text());
    const { access_token } = (await t.json()) as { access_token: string };
    const users = await fetch(`${rig.base}/scim/v2/Users`, { headers: { Authorization: `Bearer ${access_token}` } });
    assert.equal(users.status, 200);
    assert.ok(((await users.json()) as { totalResults: number }).totalResults >= 1);

    // Rotation: a second secret (shown once), then the first revoked after a confirmation.
    const row = form.locator("tr[data-client='okta']");
    await row.getByRole("button", { name: "New secret" }).click();
    const second = await form.locator("code[data-once='Client secret']").filter({ hasNotText: secret }).innerText();
    await row.getByRole("button", { name: /^Revoke the secret/ }).first().click();
    await ada.getByRole("dialog").getByRole("button", { name: "Revoke secret" }).click();
    await ada.getByRole("status").filter({ hasText: "Secret revoked." }).waitFor();
    assert.equal((await token(clientId, secret)).status, 401, "the revoked secret gets no token");
    assert.equal((await token(clientId, second)).status, 200, "the new secret does");
  });

  it("a trusted issuer with an expiry in a few days shows the lapse warning", async () => {
    const form = ada.locator("section", { has: ada.getByRole("heading", { name: "Trusted issuers (workload identity federation)" }) });
    await form.getByLabel("Issuer").fill("https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0");
    await form.getByLabel("Audience").fill("api://rollcall");
    await form.getByLabel("Subject").fill("entra-app-object");
    await form.getByLabel("Service account").selectOption({ label: "okta-provisioning" });
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString().slice(0, 10);
    await form.getByLabel("Trust expires").fill(soon);
    await form.getByRole("button", { name: "Add trusted issuer" }).click();
    await ada.getByRole("status").filter({ hasText: "The issuer is trusted" }).waitFor();
    await form.getByRole("cell", { name: "api://rollcall" }).waitFor();
    await ada.reload();
    await ada.getByRole("alert").filter({ hasText: "Credentials about to lapse" }).waitFor();
    await assertAccessible(ada, "SCIM page with a lapsing trust");
    await rig.shot(ada, "connect-02-lapse-warning");
  });

  it("a request with a revoked key shows in Last requests as refused, with why", async () => {
    const sa = await api("POST", "/api/v1/service-accounts", { name: "entra-old" });
    await api("DELETE", `/api/v1/keys/${sa.key.id}`);
    assert.equal((await fetch(`${rig.base}/scim/v2/Users`, { headers: { Authorization: `Bearer ${sa.key.key}` } })).status, 401);
    await new Promise((r) => setTimeout(r, 200));
    await ada.goto("/admin/#/scim");
    const requests = ada.locator("section", { has: ada.getByRole("heading", { name: "Last requests from your identity provider" }) });
    await requests.getByRole("button", { name: "Refresh" }).click();
    const refused = requests.locator("tr", { hasText: "service account entra-old" });
    await refused.waitFor();
    assert.match(await refused.innerText(), /401 refused: no valid key\s+— This key was revoked\./);
    assert.ok(!(await requests.innerText()).includes(sa.key.key), "never the key");
    await rig.shot(ada, "connect-03-refused-request");
  });

  it("a refusal of the admin API shows in the page in plain words", async () => {
    const form = ada.locator("section", { has: ada.getByRole("heading", { name: "OAuth clients (client credentials)" }) });
    await form.getByLabel("Name", { exact: true }).fill("   ");
    await form.getByRole("button", { name: "Create OAuth client" }).click();
    const alert = ada.getByRole("alert").filter({ hasText: "must not be empty" });
    await alert.waitFor();
    const text = await alert.innerText();
    assert.match(text, /^The name must not be empty/);
    assertPlain(text, "the console's message");
    await rig.shot(ada, "connect-04-plain-message");
  });

  it("two kinds of refused sign-in get the console's page: what happened, whom to ask, back to sign-in", async () => {
    // Deactivated: Grace was a member, an admin deactivated her.
    const { page: grace } = await rig.person();
    await ssoSignIn(rig, grace, "grace");
    await grace.waitForURL(/#\/profile$/);
    await api("PATCH", `/api/v1/members/${(await member("grace"))!.id}`, { active: false });
    await ssoSignIn(rig, grace, "grace");
    await grace.getByRole("heading", { name: "You cannot sign in here yet" }).waitFor();
    await grace.getByText(/^Your membership in .* is deactivated; an admin can reactivate it\.$/).waitFor();
    await grace.getByText(/ask them, and tell them what this page says/).waitFor();
    const page = await grace.content();
    assert.doesNotMatch(page, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i, "no ids on the page");
    assert.match(page, /href="\/admin\/console\.css"/, "the console's styles");
    await assertAccessible(grace, "refusal page: deactivated");
    await grace.setViewportSize({ width: 800, height: 900 });
    assert.ok(await grace.evaluate(() => document.scrollingElement!.scrollWidth <= document.scrollingElement!.clientWidth));
    await rig.shot(grace, "connect-05-refused-deactivated");
    await grace.getByRole("link", { name: "Back to sign-in" }).click();
    await grace.getByRole("link", { name: "Sign in with SSO" }).waitFor();
    assert.ok(await grace.evaluate(() => document.scrollingElement!.scrollWidth <= document.scrollingElement!.clientWidth), "the sign-in page at 800 px");
    await assertAccessible(grace, "sign-in page at 800 px");

    // Seat limit: every full Models seat is taken when Hedy arrives.
    const seats = await api("GET", "/api/v1/seats");
    const used = JSON.stringify(seats).match(/"used":(\d+)/)?.[1];
    await api("PATCH", "/api/v1/org", { fullModelsSeatLimit: Number(used ?? 1) });
    const { page: hedy } = await rig.person();
    await ssoSignIn(rig, hedy, "hedy");
    await hedy.getByRole("heading", { name: "You cannot sign in here yet" }).waitFor();
    await hedy.getByText(/seat limit reached/i).waitFor();
    assertPlain(await hedy.getByRole("alert").innerText(), "the seat limit refusal");
    assert.equal(await member("hedy"), undefined, "nobody was added");
    await assertAccessible(hedy, "refusal page: seat limit");
    await rig.shot(hedy, "connect-06-refused-seat-limit");
    assert.equal(await hedy.getByRole("link", { name: "Back to sign-in" }).getAttribute("href"), `/admin/login?org=${encodeURIComponent(rig.org.name)}`);
  });

  it("every console page at 800×900: no sideways scroll, no clipped control, axe clean", async () => {
    await ada.setViewportSize({ width: 800, height: 900 });
    await ada.goto("/admin/#/organization");
    await ada.locator("#nav a").first().waitFor();
    const pages = await ada.locator("#nav a").evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).hash));
    assert.ok(pages.length >= 14, pages.join(" "));
    pages.push(`#/members/${(await member("ada"))!.id}`); // the member page, reached from the members table
    const problems: string[] = [];
    for (const hash of pages) {
      await ada.goto(`/admin/${hash}`);
      await ada.locator("#main h1").waitFor();
      await ada.locator("#main .loading").waitFor({ state: "detached" }).catch(() => {});
      assert.doesNotMatch(await ada.locator("#main").innerText(), /^null$/m, `${hash}: a stray "null"`);
      const found = await ada.evaluate(() => {
        const out: string[] = [];
        const se = document.scrollingElement!;
        if (se.scrollWidth > se.clientWidth) out.push(`scrolls sideways by ${se.scrollWidth - se.clientWidth}px`);
        for (const el of document.querySelectorAll<HTMLElement>("#main button, #main input, #main select, #main textarea, #main a.button")) {
          const r = el.getBoundingClientRect();
          if (!r.width && !r.height) continue; // hidden
          if (r.right > window.innerWidth + 1) { out.push(`${el.outerHTML.slice(0, 80)} is cut off at the right`); continue; }
          // inside a box that scrolls or clips: is the control within what it shows?
          for (let p = el.parentElement; p && p.id !== "main"; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX;
            if (o === "visible") continue;
            const b = p.getBoundingClientRect();
            if (r.right > b.right + 1 || r.left < b.left - 1) out.push(`${el.outerHTML.slice(0, 80)} is hidden inside ${p.tagName.toLowerCase()}.${p.className}`);
            break;
          }
        }
        return out.slice(0, 5);
      });
      for (const f of found) problems.push(`${hash}: ${f}`);
      await assertAccessible(ada, `${hash} at 800 px`);
    }
    await rig.shot(ada, "connect-07-last-page-800");
    await ada.goto("/admin/#/scim");
    await ada.getByRole("heading", { name: "How to connect" }).waitFor();
    await rig.shot(ada, "connect-08-scim-800");
    assert.deepEqual(problems, []);
  });
});
