/**
 * The people pages in a real browser (Debian's Chromium through playwright-core),
 * every task done on people by name (issue 12 part A): adding Grace to a team with
 * the person picker (keyboard only), making her billing admin (a confirmed
 * transfer), her member page (explicit save, a refusal that puts the fields
 * back, last sign-in, teams, events), and the members table of 130 people:
 * sort, page size, page jump back at the top, one confirmed bulk change answered
 * per member, CSV export; a team's members paged and searched. axe-core on every
 * page; no sideways scroll at 1366 and 800 px. Screenshots: test-artifacts/screenshots/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { assertAccessible } from "./axe.ts";
import { ssoSignIn, startRig, type ConsoleRig } from "./browser.ts";

const ACCOUNTS = [
  { sub: "ada", email: "ada@acme.example", email_verified: true, name: "Ada Lovelace", preferred_username: "ada" },
  { sub: "grace", email: "grace@acme.example", email_verified: true, name: "Grace Hopper", preferred_username: "grace" },
];
const PEOPLE = 130;
const pad = (i: number) => String(i).padStart(3, "0");

describe("console people pages (Chromium): picker, member page, members and team tables", function () {
  this.timeout(120_000);
  let rig: ConsoleRig;
  let ada: Page;
  let teamId: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${rig.base}${path}`, { method, headers: { Authorization: `Bearer ${rig.org.key}`, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const member = (userName: string) => rig.store.db.selectFrom("members").selectAll().where("org_id", "=", rig.org.id).where("user_name_key", "=", userName).executeTakeFirstOrThrow();
  const noSidewaysScroll = async (page: Page, what: string) => {
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    const wide = await page.evaluate(() => [...document.querySelectorAll("#main *")].filter((e) => e.getBoundingClientRect().right > window.innerWidth).slice(0, 3).map((e) => e.outerHTML.slice(0, 120)));
    assert.ok(overflow <= 0, `${what} is wider than the window by ${overflow}px: ${wide.join(" | ")}`);
  };

  before(async () => {
    rig = await startRig(ACCOUNTS);
    const ids: string[] = [];
    for (let i = 1; i <= PEOPLE; i++) {
      const u = await api("POST", "/scim/v2/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: `person${pad(i)}@acme.example`, displayName: `Person ${pad(i)}`, emails: [{ value: `person${pad(i)}@acme.example`, primary: true }] });
      ids.push(u.id);
    }
    teamId = (await api("POST", "/api/v1/teams", { name: "Research" })).id;
    await api("PATCH", `/scim/v2/Groups/${teamId}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: ids.slice(0, 120).map((value) => ({ value })) }] });
    ({ page: ada } = await rig.person());
    await ssoSignIn(rig, ada, "ada");
    await ada.waitForURL(/#\/profile$/);
    await rig.store.db.updateTable("members").set({ org_role: "admin" }).where("id", "=", (await member("ada")).id).execute();
    const { page: grace } = await rig.person();
    await ssoSignIn(rig, grace, "grace");
    await grace.waitForURL(/#\/profile$/);
    await ada.reload();
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && ada) await rig.shot(ada, "people-failed").catch(() => {});
  });
  after(async () => {
    await rig?.close();
    if (rig?.errors.length) throw new Error(`errors during the journeys: ${JSON.stringify(rig.errors)}`);
  });

  it("Ada adds Grace to Research by name with the keyboard, and finds her in the paged, searchable team", async () => {
    await ada.goto("/admin/#/teams");
    await ada.locator("tr[data-team='Research']").getByRole("button", { name: "Open" }).click();
    await ada.getByText("120 in all", { exact: true }).waitFor();
    assert.equal(await ada.locator(".roster tbody tr").count(), 50, "one page of the team, not all of it");
    const picker = ada.getByRole("combobox", { name: "Add a person" });
    await picker.fill("hopper");
    await ada.getByRole("option", { name: /Grace Hopper/ }).waitFor();
    await assertAccessible(ada, "team page with the picker open");
    await rig.shot(ada, "people-01-picker");
    await picker.press("ArrowDown");
    await picker.press("ArrowUp");
    await picker.press("Enter");
    assert.match(await picker.inputValue(), /^Grace Hopper · grace/);
    await ada.getByLabel("Team role", { exact: true }).selectOption("admin");
    await ada.getByRole("button", { name: "Add to team" }).click();
    await ada.getByRole("status").filter({ hasText: "Grace Hopper is in Research as Admin." }).waitFor();
    const tm = await rig.store.db.selectFrom("team_members").select("role").where("team_id", "=", teamId).where("member_id", "=", (await member("grace")).id).executeTakeFirst();
    assert.equal(tm?.role, "admin");
    await ada.getByLabel("Search this team").fill("grace");
    await ada.getByText("1 in all", { exact: true }).waitFor(); // exact: "1 in all" is also part of "121 in all"
    await ada.locator(".roster tr[data-member='grace']").waitFor();
    await ada.getByRole("button", { name: "Next ›" }).waitFor();
    await ada.getByLabel("Search this team").fill("");
    await ada.getByText("121 in all", { exact: true }).waitFor();
    await ada.getByRole("button", { name: "Next ›" }).click();
    await ada.locator(".roster tr[data-member='person052@acme.example']").waitFor();
    await rig.shot(ada, "people-02-team-roster");
    await assertAccessible(ada, "team page");
    await noSidewaysScroll(ada, "team page at 1366 px");
  });

  it("Ada makes Grace billing admin by name, confirmed; then makes Person 007 billing admin, told it takes it from Grace", async () => {
    await ada.goto("/admin/#/members");
    await ada.getByText("Billing admin", { exact: true }).click();
    await ada.getByText("Nobody is the billing admin.").waitFor();
    await ada.getByRole("combobox", { name: "New billing admin" }).fill("grace");
    await ada.getByRole("option", { name: /Grace Hopper/ }).click();
    await ada.getByRole("button", { name: "Make billing admin…" }).click();
    const dialog = ada.getByRole("dialog", { name: "Make Grace Hopper the billing admin?" });
    await dialog.getByText("Nobody has it now.").waitFor();
    await dialog.getByRole("button", { name: "Make billing admin" }).click();
    await ada.getByText("Billing admin: Grace Hopper · grace").waitFor();
    assert.equal((await member("grace")).billing_admin, 1);

    await ada.getByRole("combobox", { name: "New billing admin" }).fill("Person 007");
    await ada.getByRole("option", { name: /Person 007/ }).click();
    await ada.getByRole("button", { name: "Make billing admin…" }).click();
    const transfer = ada.getByRole("dialog", { name: "Make Person 007 the billing admin?" });
    await transfer.getByText("this takes it from Grace Hopper").waitFor();
    await assertAccessible(ada, "billing admin confirmation");
    await rig.shot(ada, "people-03-billing-transfer");
    await transfer.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await ada.getByRole("dialog").count(), 0);
    assert.equal((await member("grace")).billing_admin, 1, "cancelled: nothing changed");
    assert.equal(await ada.evaluate(() => document.activeElement?.textContent), "Make billing admin…", "focus is back where Ada was");
  });

  it("Grace's member page: teams, last sign-in, events; a role change saves only on Save (undo), a refusal puts the fields back", async () => {
    await ada.goto("/admin/#/members");
    await ada.getByLabel("Search").fill("grace");
    await ada.getByText("1–1 of 1").waitFor();
    await ada.getByRole("link", { name: "Grace Hopper" }).click();
    await ada.getByRole("heading", { name: "Grace Hopper", level: 1 }).waitFor();
    await ada.getByText(/through single sign-on \(OIDC\)/).waitFor();
    await ada.getByRole("cell", { name: "Research" }).waitFor();
    await ada.getByRole("cell", { name: "team.member.add" }).or(ada.getByRole("cell", { name: "member.billing-admin" })).or(ada.getByRole("cell", { name: /^provision\./ })).first().waitFor();
    await assertAccessible(ada, "member page");
    await noSidewaysScroll(ada, "member page at 1366 px");
    const role = ada.getByLabel("Org role");
    await role.focus();
    await ada.keyboard.press("ArrowUp"); // keyboard input never saves by itself
    await ada.getByRole("button", { name: "Undo changes" }).click();
    assert.equal(await role.inputValue(), "member");
    assert.equal((await member("grace")).org_role, "member");
    await role.selectOption("admin");
    await ada.getByRole("button", { name: "Save changes" }).click();
    await ada.getByRole("status").filter({ hasText: "Saved: Grace Hopper is Admin" }).waitFor();
    assert.equal((await member("grace")).org_role, "admin");
    await rig.shot(ada, "people-05-member-page-saved");
    // Ada makes Grace a Member again, so Ada is the only admin: her own demotion is refused and the field goes back.
    await role.selectOption("member");
    await ada.getByRole("button", { name: "Save changes" }).click();
    await ada.getByRole("status").filter({ hasText: "Saved: Grace Hopper is Member" }).waitFor();
    await ada.goto(`/admin/#/members/${(await member("ada")).id}`);
    await ada.getByRole("heading", { name: "Ada Lovelace", level: 1 }).waitFor();
    await ada.getByLabel("Org role").selectOption("member");
    await ada.getByRole("button", { name: "Save changes" }).click();
    const alert = ada.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /admin/);
    assert.equal(await ada.getByLabel("Org role").inputValue(), "admin", "the select shows what is saved");
    assert.equal((await member("ada")).org_role, "admin");
    await rig.shot(ada, "people-04-member-page-refused");
  });

  it("the members table: compact rows, sort, page size, page jump back at the top, a confirmed bulk change, CSV export", async () => {
    await ada.goto("/admin/#/members");
    await ada.getByText(`1–50 of ${PEOPLE + 2}`).waitFor();
    const cell = ada.locator("tr[data-member='person001@acme.example'] td.person");
    assert.equal((await cell.innerText()).match(/person001@acme\.example/g)?.length, 1, "user name and e-mail are not shown twice");
    const height = await ada.locator("tbody tr").first().evaluate((tr) => tr.getBoundingClientRect().height);
    assert.ok(height <= 40, `rows are compact (${height}px)`);
    await assertAccessible(ada, "members page");
    await noSidewaysScroll(ada, "members page at 1366 px");

    await ada.getByLabel("Sort by").selectOption("displayName");
    await ada.getByLabel("Order").selectOption("desc");
    await ada.locator("tbody tr").first().and(ada.locator("tr[data-member='person130@acme.example']")).waitFor();
    await ada.getByLabel("Members a page").selectOption("25");
    await ada.getByText(`1–25 of ${PEOPLE + 2}`).waitFor();
    await ada.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await ada.getByLabel(/^Page number/).fill("3");
    await ada.getByRole("button", { name: "Go" }).click();
    await ada.getByText(`51–75 of ${PEOPLE + 2}`).waitFor();
    const top = await ada.locator(".results").evaluate((el) => el.getBoundingClientRect().top);
    assert.ok(top >= -1 && top < 200, `after paging the table's top is in view (${top}px)`);
    assert.equal(await ada.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Members list");

    await ada.getByLabel("Sort by").selectOption("userName");
    await ada.getByLabel("Order").selectOption("asc");
    await ada.getByLabel("Search").fill("person00");
    await ada.getByText("1–9 of 9").waitFor();
    for (const n of ["Person 001", "Person 002", "Person 003"]) await ada.getByLabel(`Select ${n}`).check();
    await ada.getByText("3 selected").waitFor();
    await ada.getByLabel("Change for the selected members").selectOption("modelsSeat:viewer");
    await ada.getByRole("button", { name: "Apply…" }).click();
    const confirm = ada.getByRole("dialog", { name: "Change 3 members?" });
    await confirm.getByText("person001@acme.example, person002@acme.example, person003@acme.example").waitFor();
    await assertAccessible(ada, "bulk confirmation");
    await rig.shot(ada, "people-06-bulk-confirm");
    await confirm.getByRole("button", { name: "Change 3" }).click();
    await ada.getByRole("status").filter({ hasText: "Changed 3 of 3." }).waitFor();
    assert.equal((await member("person002@acme.example")).models_seat, "viewer");
    assert.equal((await member("person004@acme.example")).models_seat, "full");

    const [download] = await Promise.all([ada.waitForEvent("download"), ada.getByRole("link", { name: "Export CSV" }).click()]);
    const csv = await (await download.createReadStream()).toArray();
    const lines = Buffer.concat(csv).toString("utf8").trim().split("\r\n");
    assert.equal(lines.length, 10, "the header and the 9 members of the search");
    assert.match(lines[2]!, /^person002@acme\.example,Person 002,person002@acme\.example,member,viewer,/);
    await rig.shot(ada, "people-07-members-table");
  });

  it("a bulk removal is confirmed once and says which members were refused and why", async () => {
    await ada.goto("/admin/#/members");
    await ada.getByLabel("Search").fill("person12");
    await ada.getByText("1–10 of 10").waitFor();
    await ada.getByLabel("Select every member on this page").check();
    await ada.getByLabel("Search").fill("ada");
    await ada.getByText("1–1 of 1").waitFor();
    await ada.getByLabel("Select Ada Lovelace").check();
    await ada.getByText("11 selected").waitFor();
    // Grace is an admin too now; make Ada's removal a last-admin refusal by demoting Grace.
    await api("PATCH", `/api/v1/members/${(await member("grace")).id}`, { orgRole: "member" });
    await ada.getByLabel("Change for the selected members").selectOption("remove");
    await ada.getByRole("button", { name: "Apply…" }).click();
    await ada.getByRole("dialog", { name: "Remove 11 members?" }).getByRole("button", { name: "Remove 11" }).click();
    const alert = ada.getByRole("alert");
    await alert.filter({ hasText: "Removed 10 of 11." }).waitFor();
    assert.match(await alert.innerText(), /ada \(.*admin/);
    assert.equal(await rig.store.db.selectFrom("members").select("id").where("org_id", "=", rig.org.id).where("user_name_key", "like", "person12%").executeTakeFirst(), undefined);
    assert.equal((await member("ada")).org_role, "admin");
  });

  it("at 800 px the people pages fit without sideways scrolling, and every console page passes axe", async () => {
    await ada.setViewportSize({ width: 800, height: 700 });
    for (const hash of ["#/members", `#/members/${(await member("grace")).id}`, "#/teams"]) {
      await ada.goto(`/admin/${hash}`);
      await ada.locator("#main h1").waitFor();
      await ada.locator("#main .loading").waitFor({ state: "detached" });
      if (hash === "#/teams") await ada.locator("tr[data-team='Research']").getByRole("button", { name: "Open" }).click();
      if (hash === "#/teams") await ada.getByText(/in all$/).waitFor();
      await noSidewaysScroll(ada, `${hash} at 800 px`);
    }
    await rig.shot(ada, "people-08-team-800px");
    await ada.goto("/admin/#/members");
    await ada.locator("tbody tr").first().waitFor();
    await noSidewaysScroll(ada, "members at 800 px");
    await rig.shot(ada, "people-09-members-800px");
    await ada.setViewportSize({ width: 1366, height: 768 });
    for (const id of ["organization", "members", "domains", "teams", "roles", "service-accounts", "invites", "scim", "sso", "audit", "refusals", "seats", "profile"]) {
      await ada.goto(`/admin/#/${id}`);
      await ada.locator(`nav a[data-page='${id}'][aria-current='page']`).waitFor();
      await ada.locator("#main .loading").waitFor({ state: "detached" });
      await assertAccessible(ada, `${id} page`);
    }
  });
});
