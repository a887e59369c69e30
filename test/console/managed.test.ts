/**
 * Managed fields (issue 10, item 3) in a real browser (Debian's Chromium via
 * playwright-core) against the real app and a real OpenID Provider: Ada, an org
 * admin who signed in through SSO, sees that the directory connection "Okta"
 * manages Alan and the team Research; deactivating and removing Alan, renaming and
 * deleting Research are disabled with the reason before she clicks, while his org
 * role still saves. Grace, who arrived by SSO, stays fully editable.
 * Screenshots: test-artifacts/screenshots/managed-*.png.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { GROUP_URN, SCIM, user } from "../support/app.ts";
import { assertAccessible } from "./axe.ts";
import { ssoSignIn, startRig, type ConsoleRig } from "./browser.ts";

const ACCOUNTS = [
  { sub: "ada", email: "ada@acme.example", email_verified: true, name: "Ada Lovelace", preferred_username: "ada" },
  { sub: "grace", email: "grace@acme.example", email_verified: true, name: "Grace Hopper", preferred_username: "grace" },
];

describe("console: what a directory manages is shown, and its changes are disabled with the reason", function () {
  this.timeout(90_000);
  let rig: ConsoleRig;
  let ada: Page;
  let alanId = "";
  const db = () => rig.store.db;
  const member = (userName: string) => db().selectFrom("members").selectAll().where("org_id", "=", rig.org.id).where("user_name_key", "=", userName).executeTakeFirstOrThrow();
  const call = async (method: string, url: string, key: string, body?: unknown, type = "application/json") => {
    const res = await fetch(`${rig.base}${url}`, { method, headers: { Authorization: `Bearer ${key}`, "Content-Type": type }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const api = (method: string, path: string, body?: unknown) => call(method, `/api/v1${path}`, rig.org.key, body);
  const open = async (hash: string) => {
    await ada.goto(`/admin/#/${hash}`);
    await ada.reload();
    await ada.locator("#main h1").waitFor();
    await ada.locator("#main .loading").waitFor({ state: "detached" });
  };
  const shot = (name: string) => rig.shot(ada, `managed-${name}`);
  const ALAN_DEACTIVATE = "Alan Turing is managed by the directory connection “Okta”: deactivate this person in Okta, and the next sync applies it.";
  const ALAN_REMOVE = "Alan Turing is managed by the directory connection “Okta”: remove this person in Okta, and the next sync applies it.";

  before(async () => {
    rig = await startRig(ACCOUNTS);
    const { page } = await rig.person();
    ada = page;
    const { page: g } = await rig.person();
    await ssoSignIn(rig, g, "grace");
    await ssoSignIn(rig, ada, "ada");
    await db().updateTable("members").set({ org_role: "admin" }).where("id", "=", (await member("ada")).id).execute();
    const everyone = await api("POST", "/teams", { name: "Everyone", domainMatching: true });
    await api("PATCH", "/org", { defaultTeamId: everyone.id });
    const okta = await api("POST", "/scim-connections", { name: "Okta", rateLimitPerMinute: 1000 });
    alanId = (await call("POST", "/scim/v2/Users", okta.key, user("alan", { displayName: "Alan Turing" }), SCIM)).id;
    await call("POST", "/scim/v2/Groups", okta.key, { schemas: [GROUP_URN], displayName: "Research", members: [{ value: alanId }] }, SCIM);
    await ada.reload(); // Ada is an admin now
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && ada) await rig.shot(ada, `managed-failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => {});
  });
  after(async () => {
    await rig?.close();
    if (rig?.errors.length) throw new Error(`errors during the journey: ${JSON.stringify(rig.errors)}`);
  });

  it("the members table marks Alan as managed by Okta, and not Grace", async () => {
    await open("members");
    await ada.locator("tr[data-member=alan] .tag.managed").filter({ hasText: "managed by Okta" }).waitFor();
    assert.equal(await ada.locator("tr[data-member=grace] .tag.managed").count(), 0);
    await shot("01-members-table");
  });

  it("Alan's page: deactivate and remove are disabled with the reason before any click; his org role still saves", async () => {
    await open(`members/${alanId}`);
    await ada.locator("dd").filter({ hasText: "the directory connection “Okta”" }).waitFor();
    const deactivate = ada.getByRole("button", { name: "Deactivate…" });
    const remove = ada.getByRole("button", { name: "Remove from the organization…" });
    assert.equal(await deactivate.isDisabled(), true);
    assert.equal(await remove.isDisabled(), true);
    await ada.getByText(ALAN_DEACTIVATE).waitFor();
    await ada.getByText(ALAN_REMOVE).waitFor();
    // the reason is the button's description for a screen reader too
    const describedBy = await deactivate.getAttribute("aria-describedby");
    assert.equal(await ada.locator(`#${describedBy}`).innerText(), ALAN_DEACTIVATE);
    await assertAccessible(ada, "a managed member's page");
    await shot("02-member-page");
    // Org role is not a managed field: it saves, recorded as the admin's grant.
    await ada.getByLabel("Org role").selectOption("admin");
    await ada.getByRole("button", { name: "Save changes" }).click();
    await ada.getByRole("status").filter({ hasText: "Saved: Alan Turing is Admin" }).waitFor();
    const row = await member("alan");
    assert.equal(row.org_role, "admin");
    assert.equal(row.active, 1, "still active");
  });

  it("the teams page: Research shows Okta, its delete and rename are disabled with the reason; another setting saves", async () => {
    await open("teams");
    const research = ada.locator("tr[data-team=Research]");
    await research.locator(".tag.managed").filter({ hasText: "managed by Okta" }).waitFor();
    const del = ada.getByRole("button", { name: "Delete team Research" });
    assert.equal(await del.isDisabled(), true);
    await research.getByText("The team “Research” is managed by the directory connection “Okta”: delete the group in Okta, and the next sync applies it.").waitFor();
    assert.equal(await ada.getByRole("button", { name: "Delete team Everyone" }).isDisabled(), false, "a team of the org's own stays deletable");
    await research.getByRole("button", { name: "Open" }).click();
    const panel = ada.getByRole("region", { name: "Team: Research" });
    const name = panel.getByLabel("Team name");
    assert.equal(await name.isDisabled(), true);
    await ada.getByText("The team “Research” is managed by the directory connection “Okta”: rename the group in Okta, and the next sync applies it.").waitFor();
    await assertAccessible(ada, "the teams page with a managed team");
    await shot("03-teams");
    await panel.getByLabel("Members can invite").check();
    await ada.getByRole("button", { name: "Save team" }).click();
    await ada.getByRole("status").filter({ hasText: "Team saved." }).waitFor();
    const team = await db().selectFrom("teams").selectAll().where("org_id", "=", rig.org.id).where("display_name", "=", "Research").executeTakeFirstOrThrow();
    assert.equal(team.members_can_invite, 1);
  });

  it("Grace, who arrived by SSO, is fully editable: Ada deactivates her from the console", async () => {
    const grace = await member("grace");
    await open(`members/${grace.id}`);
    const deactivate = ada.getByRole("button", { name: "Deactivate…" });
    assert.equal(await deactivate.isDisabled(), false);
    assert.equal(await ada.getByText(/is managed by the directory connection/).count(), 0);
    await deactivate.click();
    await ada.getByRole("dialog").getByRole("button", { name: "Deactivate" }).click();
    await ada.getByRole("status").filter({ hasText: "Grace Hopper is deactivated." }).waitFor();
    assert.equal((await member("grace")).active, 0);
  });
});
