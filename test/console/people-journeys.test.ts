/**
 * Issue 12, part B, in a real browser (Debian's Chromium via playwright-core) against
 * the real app, a real OpenID Provider, slapd and an SMTP inbox: Ada, an org admin,
 * does each task by name — changes that cannot surprise, options the plan does not
 * allow, invites that answer every time, the audit log for people, and connection
 * set-up an Okta or Entra admin can follow. Every page she touches also works at 800 px.
 * Screenshots: test-artifacts/screenshots/people-*.png.
 */
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { PEOPLE_DN, SERVICE_DN, SERVICE_PASSWORD, startSlapd, type Slapd } from "../sso/slapd.ts";
import { ssoSignIn, startRig, type ConsoleRig } from "./browser.ts";

const ACCOUNTS = [
  { sub: "ada", email: "ada@acme.example", email_verified: true, name: "Ada Lovelace", preferred_username: "ada" },
  { sub: "grace", email: "grace@acme.example", email_verified: true, name: "Grace Hopper", preferred_username: "grace" },
];

describe("console journeys, part B: changes that cannot surprise, invites, audit, connection set-up", function () {
  this.timeout(90_000);
  let rig: ConsoleRig;
  let slapd: Slapd;
  let ada: Page;
  let teamId: string;
  const db = () => rig.store.db;
  const member = (userName: string) => db().selectFrom("members").selectAll().where("org_id", "=", rig.org.id).where("user_name_key", "=", userName).executeTakeFirstOrThrow();
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${rig.base}/api/v1${path}`, { method, headers: { Authorization: `Bearer ${rig.org.key}`, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  /** a fresh load of a console page (the same hash again would not re-render it) */
  const open = async (id: string) => {
    await ada.goto(`/admin/#/${id}`);
    await ada.reload();
    await ada.locator("#main h1").waitFor();
    await ada.locator("#main .loading").waitFor({ state: "detached" });
  };
  const shot = (name: string) => rig.shot(ada, `people-${name}`);
  const status = (text: string | RegExp) => ada.getByRole("status").filter({ hasText: text }).first().waitFor();
  /** the page fits the window: nothing wider than the viewport */
  const fits = async (what: string) => {
    const overflow = await ada.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${what} is wider than the window by ${overflow}px`);
  };

  before(async () => {
    rig = await startRig(ACCOUNTS);
    slapd = await startSlapd();
    const { page } = await rig.person();
    ada = page;
    const { page: g } = await rig.person();
    await ssoSignIn(rig, g, "grace");
    await ssoSignIn(rig, ada, "ada");
    await db().updateTable("members").set({ org_role: "admin", billing_admin: 1 }).where("id", "=", (await member("ada")).id).execute();
    teamId = (await api("POST", "/teams", { name: "Research" })).id;
    await api("PUT", `/teams/${teamId}/members/${(await member("grace")).id}`, { role: "member" });
    await ada.reload(); // Ada is an admin now: the console shows the admin pages after a reload
  });
  afterEach(async function () {
    if (this.currentTest?.state === "failed" && ada) await rig.shot(ada, `people-failed-${this.currentTest.title.slice(0, 40).replace(/\W+/g, "-")}`).catch(() => {});
  });
  after(async () => {
    await slapd?.stop();
    await rig?.close();
    if (rig?.errors.length) throw new Error(`errors during the journeys: ${JSON.stringify(rig.errors)}`);
  });

  it("Ada changes Grace's team role: the arrow key saves nothing, Save does", async () => {
    await open("teams");
    await ada.getByRole("button", { name: "Open" }).click();
    const roster = ada.getByRole("region", { name: "Members of Research" });
    const role = roster.getByLabel(/^Team role of /);
    await role.focus();
    await ada.keyboard.press("ArrowDown");
    await ada.waitForTimeout(400);
    const grace = (await member("grace")).id;
    const stored = () => db().selectFrom("team_members").select("role").where("team_id", "=", teamId).where("member_id", "=", grace).executeTakeFirstOrThrow().then((r) => r.role);
    assert.equal(await stored(), "member", "keyboard input never saves by itself");
    await role.selectOption("admin");
    await shot("01-team-role-pending");
    await roster.getByRole("button", { name: "Save role" }).press("Enter"); // by keyboard: the narrow role column clips the button (part A's roster)
    await status(/is now Admin in Research\./);
    assert.equal(await stored(), "admin");
  });

  it("deleting a team asks first, naming what goes; Cancel keeps it", async () => {
    await api("POST", "/teams", { name: "Scratch" });
    await open("teams");
    await ada.getByRole("button", { name: "Delete team Scratch" }).click();
    await ada.getByRole("dialog").getByText(/cannot be undone/).waitFor();
    await ada.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    assert.equal(await ada.evaluate(() => document.activeElement?.getAttribute("aria-label")), "Delete team Scratch", "focus back on the button");
    assert.ok(await db().selectFrom("teams").select("id").where("display_name", "=", "Scratch").executeTakeFirst());
    await ada.getByRole("button", { name: "Delete team Scratch" }).click();
    await ada.getByRole("dialog").getByRole("button", { name: "Delete team" }).click();
    await status("Team Scratch deleted.");
    assert.equal(await db().selectFrom("teams").select("id").where("display_name", "=", "Scratch").executeTakeFirst(), undefined);
  });

  it("a team is created with its storage", async () => {
    await open("teams");
    await ada.getByLabel("Team name").fill("Vision");
    await ada.getByLabel("Storage").fill("s3://acme-vision");
    await ada.getByRole("button", { name: "Create team" }).click();
    await ada.getByRole("cell", { name: "Vision", exact: true }).waitFor();
    assert.equal((await db().selectFrom("teams").select("storage_type").where("display_name", "=", "Vision").executeTakeFirstOrThrow()).storage_type, "s3://acme-vision");
  });

  it("invites answer every time: sent, an error after that, a resend, the link to copy when no e-mail went out, revoke asks", async () => {
    await open("invites");
    await ada.getByLabel("E-mail").fill("mia@acme.example");
    await ada.getByLabel("Role in team Research").selectOption("admin");
    await ada.getByRole("button", { name: "Send invite" }).click();
    await status("Invite sent to mia@acme.example.");
    await ada.getByRole("cell", { name: "Research (admin)" }).waitFor();
    // the second send is an error (no address): said, though the first one succeeded
    await ada.getByLabel("E-mail").fill("");
    await ada.getByRole("button", { name: "Send invite" }).click();
    await ada.getByRole("alert").waitFor();
    await ada.getByRole("button", { name: "Resend the invite to mia@acme.example" }).click();
    await status(/Sent again, with a new link .* to mia@acme\.example\./);
    // the mail server refuses this address: the link is shown to hand over, with a Copy button
    await ada.getByLabel("E-mail").fill("zoe@refused.example");
    await ada.getByRole("button", { name: "Send invite" }).click();
    await status("Invite created for zoe@refused.example; no e-mail went out.");
    await ada.getByText("The mail server did not take the message").waitFor();
    const link = await ada.locator(".keybox code").innerText();
    assert.match(link, /\/invites\/accept\?token=/);
    await ada.getByRole("button", { name: "Copy link" }).waitFor();
    await shot("05-invite-link-to-copy");
    await ada.getByRole("button", { name: "Revoke the invite to zoe@refused.example" }).click();
    await ada.getByRole("dialog").getByText("Their link stops working at once").waitFor();
    await ada.getByRole("dialog").getByRole("button", { name: "Revoke invite" }).click();
    await status("The invite to zoe@refused.example is revoked.");
    assert.notEqual((await db().selectFrom("invites").select("revoked_at").where("email", "=", "zoe@refused.example").executeTakeFirstOrThrow()).revoked_at, null);
    await fits("invites");
  });

  it("the audit log reads as sentences with names; Ada searches by person and filters by door", async () => {
    await api("PUT", `/members/${(await member("grace")).id}/billing-admin`);
    await open("audit");
    await ada.getByLabel("Person").fill("grace");
    await ada.getByRole("button", { name: "Search" }).click();
    await ada.getByRole("cell", { name: "service account provisioning changed the billing admin: Grace Hopper (grace)" }).waitFor();
    await ada.getByRole("cell", { name: /changed a team role: Research, for Grace Hopper \(grace\)/ }).first().waitFor();
    await ada.getByRole("cell", { name: /created a team: Vision/ }).waitFor({ state: "detached" }); // the search has replaced the list
    const text = await ada.locator("#main .results").innerText();
    assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-|_role|billing_admin|\{"/, "no ids, columns or raw JSON");
    assert.match(text, /team role: Member → Admin/);
    assert.match(text, /billing admin: ada → grace/);
    await shot("06-audit-by-person");
    await ada.getByLabel("Person").fill("");
    await ada.getByLabel("Door").selectOption("sso");
    await ada.getByRole("cell", { name: /signed a member in|let a new member in/ }).first().waitFor();
    // The list is replaced when the filtered page arrives: wait for it, not for the first matching row of the old one.
    await ada.waitForFunction(() => {
      const doors = [...document.querySelectorAll<HTMLElement>("#main tbody tr td:last-child")].map((c) => c.innerText);
      return doors.length > 0 && doors.every((d) => d === "Sign-in");
    });
    assert.ok((await ada.locator("#main tbody tr td:last-child").allInnerTexts()).every((d) => d === "Sign-in"));
    await fits("audit");
  });

  it("on Standard, Viewer, View-Only and custom roles are shown disabled with the reason before submit", async () => {
    await db().updateTable("orgs").set({ plan: "standard" }).where("id", "=", rig.org.id).execute();
    await open("invites");
    await ada.reload();
    await ada.getByText("The enterprise plan is required for the Viewer org role; this organization is on the standard plan.").waitFor();
    assert.equal(await ada.locator("select[name=orgRole] option[value=viewer]").isDisabled(), true);
    assert.equal(await ada.locator("select[name^=teamRole-] option[value=view-only]").first().isDisabled(), true);
    await shot("07-plan-options-disabled");
    await open("roles");
    await ada.getByText("The enterprise plan is required for custom roles").waitFor();
    assert.equal(await ada.getByRole("button", { name: "Create role" }).isDisabled(), true);
    await db().updateTable("orgs").set({ plan: "enterprise" }).where("id", "=", rig.org.id).execute();
  });

  it("SSO set-up: the redirect URI shown first, OIDC and LDAP tested before saving", async () => {
    // (Removing the OIDC connection would end Ada's SSO session, by design: the form is tested as filled in.)
    const before = await db().selectFrom("oidc_connections").selectAll().where("org_id", "=", rig.org.id).executeTakeFirstOrThrow();
    await open("sso");
    const slug = (await db().selectFrom("orgs").select("slug").where("id", "=", rig.org.id).executeTakeFirstOrThrow()).slug;
    await ada.getByText(`${rig.base}/auth/${slug}/oidc/callback`).waitFor();
    await ada.getByLabel("Issuer").fill(rig.op.issuer);
    await ada.getByLabel("Client ID").fill(rig.op.clientId);
    await ada.getByLabel("Client secret").fill("wrong-secret");
    const oidc = ada.getByRole("region", { name: "OpenID Connect" });
    await oidc.getByRole("button", { name: "Test connection" }).click();
    await oidc.getByText("The provider did not accept the client id and secret").waitFor();
    await ada.getByLabel("Client secret").fill(rig.op.clientSecret);
    await oidc.getByRole("button", { name: "Test connection" }).click();
    await oidc.getByText("The provider accepted the client id and secret.").waitFor();
    await shot("08-oidc-tested");
    assert.deepEqual(await db().selectFrom("oidc_connections").selectAll().where("org_id", "=", rig.org.id).executeTakeFirstOrThrow(), before, "testing saves nothing");

    const ldap = ada.getByRole("region", { name: "LDAP" });
    await ldap.getByLabel("Directory address").fill(slapd.url);
    await ldap.getByLabel("Service account (bind DN)").fill(SERVICE_DN);
    await ldap.getByLabel("Service account password").fill("wrong");
    await ldap.getByLabel("Where people are (base DN)").fill(PEOPLE_DN);
    await ldap.getByRole("button", { name: "Test connection" }).click();
    await ldap.getByRole("alert").filter({ hasText: "The directory refused the service account" }).waitFor();
    await ldap.getByLabel("Service account password").fill(SERVICE_PASSWORD);
    await ldap.getByLabel("Try with a user name (optional)").fill("alice");
    await ldap.getByRole("button", { name: "Test connection" }).click();
    await ldap.getByRole("status").filter({ hasText: /The connection works: .*found uid=alice/ }).waitFor();
    await shot("09-ldap-tested-before-saving");
    assert.equal(await db().selectFrom("ldap_connections" as never).selectAll().executeTakeFirst(), undefined, "testing saves nothing");
    await ldap.getByRole("button", { name: "Save LDAP" }).click();
    await ldap.getByRole("status").filter({ hasText: "Saved: people can sign in with their directory password now." }).waitFor();
    await fits("sso");
  });

  it("SCIM set-up: the last requests from the identity provider with their status, and the attribute mapping", async () => {
    const res = await fetch(`${rig.base}/scim/v2/Users?filter=userName%20eq%20%22nobody%22`, { headers: { Authorization: `Bearer ${rig.org.key}` } });
    assert.equal(res.status, 200);
    await new Promise((r) => setTimeout(r, 100));
    await open("scim");
    await ada.getByRole("cell", { name: "GET /Users" }).first().waitFor();
    await ada.getByRole("cell", { name: "200 OK" }).first().waitFor();
    await ada.getByText("urn:ietf:params:scim:schemas:extension:rollcall:2.0:User:organizationRole").first().waitFor();
    await shot("10-scim-last-requests");
    await fits("scim");
  });

  it("every page Ada touched works at 800 px", async () => {
    await ada.setViewportSize({ width: 800, height: 700 });
    for (const id of ["teams", "members", "invites", "audit", "sso", "scim", "roles", "service-accounts"]) {
      await ada.goto(`/admin/#/${id}`);
      await ada.locator("#main h1").waitFor();
      await ada.locator("#main .loading").waitFor({ state: "detached" });
      await fits(`${id} at 800 px`);
    }
    await shot("11-scim-at-800");
  });
});
