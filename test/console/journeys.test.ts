/**
 * The console in a real browser (Debian's Chromium through playwright-core),
 * against the real app and a real OpenID Provider. One organization, one story:
 * the operator's one-time link, SSO sign-ins, auto-provisioning off and on, a
 * verified domain with a default team, an inline role change seen over SCIM, an
 * invite that arrives over SMTP. Screenshots: test-artifacts/screenshots/.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { createAdminLink } from "../../src/org/arrival/admin-links.ts";
import { textOf, tokenIn } from "../admin/smtp.ts";
import { loginAtProvider, ssoSignIn, startRig, type ConsoleRig } from "./browser.ts";

const ACCOUNTS = [
  { sub: "ada", email: "ada@acme.example", email_verified: true, name: "Ada Lovelace", preferred_username: "ada" },
  { sub: "grace", email: "grace@acme.example", email_verified: true, name: "Grace Hopper", preferred_username: "grace" },
  { sub: "linus", email: "linus@acme.example", email_verified: true, name: "Linus T", preferred_username: "linus" },
  { sub: "newbie", email: "newbie@acme.example", email_verified: true, name: "New Person", preferred_username: "newbie" },
];

describe("console journeys (Chromium, real OpenID Provider, SMTP and DNS on loopback)", function () {
  this.timeout(60_000);
  let rig: ConsoleRig;
  let operator: Page;
  let admin: Page;

  before(async () => { rig = await startRig(ACCOUNTS); });
  afterEach(async function () {
    if (this.currentTest?.state !== "failed") return;
    for (const [name, page] of [["admin", admin], ["operator", operator]] as const) if (page) await rig.shot(page, `failed-${name}`).catch(() => {});
  });
  after(async () => {
    await rig?.close();
    if (rig?.errors.length) throw new Error(`errors during the journeys: ${JSON.stringify(rig.errors)}`);
  });

  const member = (userName: string) => rig.store.db.selectFrom("members").selectAll().where("org_id", "=", rig.org.id).where("user_name_key", "=", userName).executeTakeFirst();
  const scim = async (path: string) => {
    const res = await fetch(`${rig.base}/scim/v2${path}`, { headers: { Authorization: `Bearer ${rig.org.key}` } });
    assert.equal(res.status, 200);
    return res.json() as Promise<any>;
  };
  const saveOrg = async (page: Page) => {
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
  };

  it("the operator's one-time link signs in once, as an admin, with security headers on every console page", async () => {
    const { token } = await createAdminLink(rig.store.db, rig.org.id);
    ({ page: operator } = await rig.person());
    const res = await operator.goto(`/admin/link/${token}`);
    assert.equal(res?.status(), 200);
    await operator.waitForURL(/\/admin\/#\/organization$/);
    await operator.getByRole("heading", { name: "Organization", level: 1 }).waitFor();
    await operator.getByText("People who sign in with SSO and are not members yet join as Member").waitFor();
    const csp = (await operator.request.get("/admin/")).headers()["content-security-policy"];
    assert.match(csp!, /script-src 'self'/);
    assert.match(csp!, /style-src 'self'/);
    await rig.shot(operator, "01-operator-organization");
    const again = await (await rig.person()).page.goto(`/admin/link/${token}`);
    assert.equal(again?.status(), 410, "the link works once");
    assert.equal(await member("rollcall-operator"), undefined, "the operator is a reserved principal, not a member");
  });

  it("a person signs in with SSO (auto-provisioning is on) and sees their profile as Member", async () => {
    ({ page: admin } = await rig.person());
    await ssoSignIn(rig, admin, "ada");
    await admin.waitForURL(/\/admin\/#\/profile$/);
    await admin.getByRole("heading", { name: "My profile" }).waitFor();
    await admin.getByText("ada@acme.example (verified)").waitFor();
    assert.equal(await admin.getByRole("link", { name: "Members" }).count(), 0, "a Member sees no admin pages");
    await rig.shot(admin, "02-member-profile");
  });

  it("the Members table: search, a role change that SCIM shows, then the last-admin refusal as a message", async () => {
    await operator.goto("/admin/#/members");
    await operator.locator("tr[data-member='ada']").waitFor();
    await operator.getByLabel("Search").fill("ada");
    await operator.getByText("1–1 of 1").waitFor();
    await operator.getByRole("link", { name: "Ada Lovelace" }).click();
    await operator.getByRole("heading", { name: "Ada Lovelace", level: 1 }).waitFor();
    await operator.getByLabel("Org role").selectOption("admin");
    await operator.getByRole("button", { name: "Save changes" }).click();
    await operator.getByRole("status").filter({ hasText: "Saved: Ada Lovelace is Admin" }).waitFor();
    await rig.shot(operator, "04-members-role-changed");
    // ada is now the only admin member: demoting her is refused, and said so.
    await operator.getByLabel("Org role").selectOption("member");
    await operator.getByRole("button", { name: "Save changes" }).click();
    const alert = operator.getByRole("alert");
    await alert.waitFor();
    assert.match(await alert.innerText(), /admin/i);
    assert.equal(await operator.getByLabel("Org role").inputValue(), "admin", "the select shows the unchanged role");
    await rig.shot(operator, "03-members-last-admin-refused");
    const ada = await member("ada");
    const user = await scim(`/Users/${ada!.id}`);
    assert.equal(user["urn:ietf:params:scim:schemas:extension:rollcall:2.0:User"].organizationRole, "admin");
  });

  it("auto-provisioning off: a new person is refused with what an admin can do; on again: they join as Member", async () => {
    await admin.reload(); // ada is an admin now: the console shows the admin pages after a reload
    await admin.goto("/admin/#/organization");
    await admin.getByRole("heading", { name: "Organization", level: 1 }).waitFor();
    const auto = admin.getByLabel("Auto-provisioning");
    assert.equal(await auto.isChecked(), true);
    await auto.uncheck();
    await saveOrg(admin);
    await rig.shot(admin, "05-auto-provisioning-off");

    const { page: grace } = await rig.person();
    await ssoSignIn(rig, grace, "grace");
    await grace.getByRole("heading", { name: "You cannot sign in here yet" }).waitFor();
    await grace.getByText(/does not add people on their own sign-in: an admin of .* can turn on auto-provisioning, or send you an invite/).waitFor();
    await rig.shot(grace, "06-sign-in-refused");
    assert.equal(await member("grace"), undefined);

    await admin.getByLabel("Auto-provisioning").check();
    await saveOrg(admin);
    await ssoSignIn(rig, grace, "grace");
    await grace.waitForURL(/\/admin\/#\/profile$/);
    await grace.getByText("grace@acme.example (verified)").waitFor();
    assert.equal((await member("grace"))?.org_role, "member");
  });

  it("a claimed, verified domain and a default team: the next new person from that domain lands in the team", async () => {
    await admin.goto("/admin/#/teams");
    await admin.getByLabel("Team name").fill("Research");
    await admin.getByLabel("Domain matching").check(); // a default team must have domain matching on
    await admin.getByRole("button", { name: "Create team" }).click();
    await admin.getByRole("cell", { name: "Research", exact: true }).waitFor();

    await admin.goto("/admin/#/domains");
    await admin.getByLabel("E-mail domain").fill("acme.example");
    await admin.getByRole("button", { name: "Claim domain" }).click();
    const txt = admin.locator("tr[data-domain='acme.example'] code.txt");
    await txt.waitFor();
    const value = await txt.innerText();
    assert.match(value, /^rollcall-verification=/);
    await rig.shot(admin, "07-domain-claimed");
    rig.dns.records.set("acme.example", [value]);
    await admin.getByRole("button", { name: "Verify" }).click();
    await admin.locator("tr[data-domain='acme.example'] .tag.verified").waitFor();
    await rig.shot(admin, "08-domain-verified");

    await admin.goto("/admin/#/organization");
    await admin.getByLabel("Default team").selectOption({ label: "Research" });
    await saveOrg(admin);

    const { page: linus } = await rig.person();
    await ssoSignIn(rig, linus, "linus");
    await linus.waitForURL(/\/admin\/#\/profile$/);
    await linus.getByRole("cell", { name: "Research" }).waitFor();
    await rig.shot(linus, "09-new-person-in-default-team");
    const l = await member("linus");
    const tm = await rig.store.db.selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id").select(["t.display_name", "tm.role"]).where("tm.member_id", "=", l!.id).execute();
    assert.deepEqual(tm, [{ display_name: "Research", role: "member" }]);
  });

  it("every admin page renders at 1366×768 without an error (keyboard: the nav is reachable with Tab)", async () => {
    // the operator has no profile page (no member behind it: GET /me → member null)
    for (const id of ["organization", "members", "domains", "teams", "roles", "service-accounts", "invites", "scim", "sso", "audit", "events", "refusals", "seats"]) {
      await operator.goto(`/admin/#/${id}`);
      await operator.locator(`nav a[data-page='${id}'][aria-current='page']`).waitFor();
      await operator.locator("#main h1").waitFor();
      await operator.locator("#main .loading").waitFor({ state: "detached" });
      assert.equal(await operator.locator("#main [role=alert]").count(), 0, `${id}: ${await operator.locator("#main").innerText()}`);
      const overflow = await operator.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${id} is wider than the window by ${overflow}px`);
      if (id === "scim" || id === "audit") await rig.shot(operator, `13-${id}`);
    }
    await operator.keyboard.press("Tab");
    assert.equal(await operator.evaluate(() => document.activeElement?.textContent), "Skip to content");
  });

  it("the Events page registers a webhook receiver, shows its secret once, lists its deliveries, pauses it", async () => {
    await operator.goto("/admin/#/events");
    await operator.locator("#main .loading").waitFor({ state: "detached" });
    await operator.getByLabel("URL").fill("http://127.0.0.1:9/hook");
    await operator.getByLabel("Format").selectOption("webhook");
    await operator.getByLabel("Event types").fill("member.create, team.delete");
    await operator.getByRole("button", { name: "Register" }).click();
    await operator.getByText("Its secret is shown once").waitFor();
    const secret = await operator.locator("section[aria-label=\"New receiver's secret\"] code").innerText();
    assert.ok(secret.length >= 32, "the generated secret is shown");
    const row = operator.locator("table tr", { hasText: "http://127.0.0.1:9/hook" });
    await row.waitFor();
    assert.match(await row.innerText(), /webhook[\s\S]*member\.create, team\.delete[\s\S]*active/);
    await row.getByRole("button", { name: "Pause" }).click();
    await operator.locator("table tr", { hasText: "paused" }).waitFor();
    await operator.locator("table tr", { hasText: "http://127.0.0.1:9/hook" }).getByRole("button", { name: "Deliveries" }).click();
    await operator.getByText("Deliveries to http://127.0.0.1:9/hook").waitFor();
    const stored = await rig.store.db.selectFrom("event_receivers").select(["status", "format", "secret"]).where("org_id", "=", rig.org.id).execute();
    assert.deepEqual(stored.map((r) => [r.status, r.format]), [["paused", "webhook"]]);
    assert.ok(!stored[0]!.secret.includes(secret), "the secret is stored encrypted");
    await rig.shot(operator, "14-events");
  });

  it("an invite sent from the console arrives over SMTP and its link lets the person in", async () => {
    // Auto-provisioning off, so only the invite can let this person in.
    await admin.goto("/admin/#/organization");
    await admin.getByLabel("Auto-provisioning").uncheck();
    await saveOrg(admin);

    await admin.goto("/admin/#/invites");
    await admin.getByLabel("E-mail").fill("newbie@acme.example");
    await admin.getByLabel("Org role").selectOption("member");
    await admin.getByRole("button", { name: "Send invite" }).click();
    await admin.getByText("Invite sent to newbie@acme.example.").waitFor();
    await rig.shot(admin, "10-invite-sent");
    const mail = await rig.inbox.nth(1);
    assert.deepEqual(mail.to, ["newbie@acme.example"]);
    const link = /https?:\/\/\S+\/invites\/accept\?token=[A-Za-z0-9_%-]+/.exec(textOf(mail.raw))![0];
    assert.ok(tokenIn(mail.raw));

    const { page: newbie } = await rig.person();
    await newbie.goto(link);
    await newbie.getByRole("heading", { name: `Join ${rig.org.name}` }).waitFor();
    await rig.shot(newbie, "11-invite-landing");
    await Promise.all([newbie.waitForURL((u) => u.origin === rig.op.issuer), newbie.getByRole("link", { name: "Sign in with SSO" }).click()]);
    await loginAtProvider(newbie, rig.op, "newbie");
    await newbie.getByText(`Welcome: you are a member of ${rig.org.name}.`).waitFor();
    await rig.shot(newbie, "12-invite-accepted");
    const m = await rig.store.db.selectFrom("members as m").innerJoin("users as u", "u.id", "m.user_id").selectAll("m")
      .where("m.org_id", "=", rig.org.id).where("u.email_key", "=", "newbie@acme.example").executeTakeFirst();
    assert.equal(m?.org_role, "member");
    const teams = await rig.store.db.selectFrom("team_members").select("team_id").where("member_id", "=", m!.id).execute();
    assert.deepEqual(teams, [], "invited people are not put into the default team");
  });

  it("an invite with a team role and a seat, accepted with a sign-in link by e-mail; the admin reads the refused sign-ins", async () => {
    await operator.goto("/admin/#/invites");
    await operator.getByLabel("E-mail").fill("mia@acme.example");
    await operator.getByLabel("Role in team Research").selectOption("admin");
    await operator.getByLabel("Models seat").selectOption("viewer");
    await operator.getByRole("button", { name: "Send invite" }).click();
    await operator.getByText("Invite sent to mia@acme.example.").waitFor();
    await operator.getByRole("cell", { name: "Research (admin)" }).waitFor();
    const invite = /https?:\/\/\S+\/invites\/accept\?token=[A-Za-z0-9_%-]+/.exec(textOf((await rig.inbox.nth(2)).raw))![0];

    const { page: mia } = await rig.person();
    await mia.goto(invite);
    await mia.getByRole("heading", { name: `Join ${rig.org.name}` }).waitFor();
    await mia.getByText("We send a one-time link to mia@acme.example").waitFor();
    await mia.getByRole("button", { name: "Send me a sign-in link" }).click();
    await mia.getByRole("heading", { name: "Check your inbox" }).waitFor();
    const link = /https?:\/\/\S+\/auth\/\S+\/email\/callback\?token=[A-Za-z0-9_-]+/.exec(textOf((await rig.inbox.nth(3)).raw))![0];
    await mia.goto(link);
    await rig.shot(mia, "14-email-link-page");
    await mia.getByRole("button", { name: "Sign in as mia@acme.example" }).click();
    await mia.waitForURL(/\/admin\/#\/profile$/);
    const m = await member("mia@acme.example");
    assert.deepEqual([m?.org_role, m?.models_seat], ["member", "viewer"]);
    const tm = await rig.store.db.selectFrom("team_members as tm").innerJoin("teams as t", "t.id", "tm.team_id").select(["t.display_name", "tm.role"]).where("tm.member_id", "=", m!.id).execute();
    assert.deepEqual(tm, [{ display_name: "Research", role: "admin" }]);

    await operator.goto("/admin/#/refusals");
    await operator.getByRole("cell", { name: /does not add people on their own sign-in/ }).first().waitFor();
    await rig.shot(operator, "15-refused-sign-ins");
  });
});
