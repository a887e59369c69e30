import assert from "node:assert/strict";
import crypto from "node:crypto";
import { createInvite } from "../../src/org/invites/invites.ts";
import { loadConfig } from "../../src/config.ts";
import { arrive, type ArrivalOutcome } from "../../src/org/arrival/arrive.ts";
import { auth, startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, lastAudit, problem, type TestMember } from "./principals.ts";
import { startInbox, textOf, tokenIn, type Inbox } from "./smtp.ts";
import { browser, followLink, mailTo, signInLinkIn } from "../sso/email-flow.ts";

/** A global user who signs in (issue 4's flow creates these; here they are made directly). */
async function newUser(t: TestApp, email: string | null): Promise<string> {
  const id = crypto.randomUUID();
  const at = new Date().toISOString();
  await t.store.db.insertInto("users").values({ id, email, email_key: email?.toLowerCase() ?? null, email_verified: 1, display_name: null, created_at: at, updated_at: at }).execute();
  return id;
}

/** The signed-in user `userId` accepts the invite through the arrival decision (door "invite"), as POST /me/invites/accept does. */
async function accept(t: TestApp, token: string, userId: string, orgId = t.org.id): Promise<ArrivalOutcome> {
  const u = await t.store.db.selectFrom("users").selectAll().where("id", "=", userId).executeTakeFirstOrThrow();
  return arrive(t.store.db, { door: "invite", orgId, userId, inviteToken: token, email: u.email, emailVerified: u.email_verified === 1 }, { door: "sso", id: `user:${userId}` });
}

/** What an accepted invite made: the member's org, role and teams. */
async function acceptAndRead(t: TestApp, token: string, userId: string, orgId = t.org.id) {
  const out = await accept(t, token, userId, orgId);
  assert.ok(out.ok, JSON.stringify(out));
  assert.equal(out.decision, "joined_by_invite");
  const m = await t.store.db.selectFrom("members").selectAll().where("id", "=", out.memberId).executeTakeFirstOrThrow();
  const teamIds = (await t.store.db.selectFrom("team_members").select("team_id").where("member_id", "=", m.id).execute()).map((r) => r.team_id);
  return { orgId: m.org_id, memberId: m.id, orgRole: m.org_role, teamIds };
}

async function refusedWith(p: Promise<ArrivalOutcome>, msg: RegExp): Promise<void> {
  const out = await p;
  assert.equal(out.ok, false, JSON.stringify(out));
  if (!out.ok) assert.match(out.reason, msg);
}

describe("admin API: invites", () => {
  let t: TestApp;
  let inbox: Inbox;
  let admin: TestMember;
  let lead: TestMember;
  let dev: TestMember;
  let team: { id: string };
  let defaultTeam: { id: string };
  let mails = 0;
  const nextMail = () => inbox.nth(++mails);
  before(async () => {
    inbox = await startInbox();
    t = await startTestApp({ smtpUrl: inbox.url, smtpFrom: "Rollcall <noreply@rollcall.test>", baseUrl: "https://rollcall.test" });
    admin = await addMember(t, "admin", "admin");
    lead = await addMember(t, "lead");
    dev = await addMember(t, "dev");
    team = expectOk(await as(t, admin.key).post("/teams", { name: "ml" }), 201);
    defaultTeam = expectOk(await as(t, admin.key).post("/teams", { name: "everyone", domainMatching: true }), 201);
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: defaultTeam.id }));
    expectOk(await as(t, admin.key).put(`/teams/${team.id}/members/${lead.id}`, { role: "admin" }), 201);
    expectOk(await as(t, admin.key).put(`/teams/${team.id}/members/${dev.id}`, { role: "member" }), 201);
  });
  after(async () => {
    await t?.close();
    await inbox?.close();
  });

  it("sends the invite over SMTP; the link's token is stored only as its hash; accepting joins with the invite's role and teams, not the default team", async () => {
    const res = await as(t, admin.key).post("/invites", { email: "Ada@Example.com", orgRole: "admin", teamIds: [team.id] });
    const inv = expectOk(res, 201);
    assert.equal(inv.status, "pending");
    assert.deepEqual(inv.delivery, { sent: true, via: "smtp" });
    assert.deepEqual([inv.email, inv.orgRole, inv.teamIds], ["Ada@Example.com", "admin", [team.id]]);
    const hours = (Date.parse(inv.expiresAt) - Date.parse(inv.createdAt)) / 3_600_000;
    assert.ok(Math.abs(hours - 168) < 0.01, String(hours));
    const mail = await nextMail();
    assert.deepEqual(mail.to.map((a) => a.toLowerCase()), ["ada@example.com"]);
    assert.equal(mail.from, "noreply@rollcall.test");
    assert.match(textOf(mail.raw), /https:\/\/rollcall\.test\/invites\/accept\?token=/);
    const token = tokenIn(mail.raw);
    const stored = await t.store.db.selectFrom("invites").selectAll().where("id", "=", inv.id).executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored).includes(token));
    assert.equal(stored.token_hash, crypto.createHash("sha256").update(token).digest("hex"));
    assert.ok(!JSON.stringify(res.body).includes(token));

    const userId = await newUser(t, "ada@example.com");
    const joined = await acceptAndRead(t, token, userId);
    assert.deepEqual([joined.orgId, joined.orgRole, joined.teamIds], [t.org.id, "admin", [team.id]]);
    const member = await t.store.db.selectFrom("members").selectAll().where("id", "=", joined.memberId).executeTakeFirstOrThrow();
    assert.deepEqual([member.org_role, member.user_id, member.active], ["admin", userId, 1]);
    const teams = await t.store.db.selectFrom("team_members").select(["team_id", "role"]).where("member_id", "=", joined.memberId).execute();
    assert.deepEqual(teams, [{ team_id: team.id, role: "member" }]); // not the default team
    // the new member is a SCIM User
    const scim = await t.http.get(`/scim/v2/Users/${joined.memberId}`).set(auth(t.org.key));
    assert.equal(scim.status, 200);
    assert.equal(scim.body.emails[0].value, "ada@example.com");
    const listed = (expectOk(await as(t, admin.key).get("/invites?status=accepted")).invites as any[]).find((i) => i.id === inv.id);
    assert.equal(listed.status, "accepted");
    assert.equal(listed.acceptedMemberId, joined.memberId);
    assert.equal((await lastAudit(t, "invite.accept")).target_id, inv.id);

    // The same person again is simply a member now; anyone else finds the invite used up.
    const again = await accept(t, token, userId);
    assert.deepEqual(again.ok && [again.decision, again.memberId], ["signed_in", joined.memberId]);
    await refusedWith(accept(t, token, await newUser(t, "ada@example.com")), /already accepted/);
    problem(await as(t, admin.key).delete(`/invites/${inv.id}`), 409, /already accepted/);
    problem(await as(t, admin.key).post(`/invites/${inv.id}/resend`), 409, /accepted/);
  });

  it("refuses inviting a member, a second pending invite, bad input and unknown teams", async () => {
    problem(await as(t, admin.key).post("/invites", { email: "ADA@example.com" }), 409, /already a member/);
    problem(await as(t, admin.key).post("/invites", { email: "dev@example.com" }), 409, /already a member/); // SCIM e-mail
    expectOk(await as(t, admin.key).post("/invites", { email: "bob@example.com" }), 201);
    await nextMail();
    problem(await as(t, admin.key).post("/invites", { email: "BOB@example.com" }), 409, /pending invite.*resend/);
    problem(await as(t, admin.key).post("/invites", {}), 400, /exactly one of "email" and "userName"/);
    problem(await as(t, admin.key).post("/invites", { email: "a@b.c", userName: "x" }), 400, /exactly one/);
    problem(await as(t, admin.key).post("/invites", { email: "not-an-address" }), 400, /not an e-mail address/);
    problem(await as(t, admin.key).post("/invites", { email: "c@example.com", orgRole: "owner" }), 400, /admin, member, viewer/);
    problem(await as(t, admin.key).post("/invites", { email: "c@example.com", teamIds: ["nope"] }), 400, /no team with id nope/);
    problem(await as(t, admin.key).post("/invites", { email: "c@example.com", teamIds: "x" }), 400, /array of strings/);
  });

  it("invites by user name a person known elsewhere, mailing their address", async () => {
    const other = await t.newOrg();
    const grace = await addMember(t, "grace", "member", other);
    const inv = expectOk(await as(t, admin.key).post("/invites", { userName: "Grace" }), 201);
    assert.equal(inv.userName, "Grace");
    const mail = await nextMail();
    assert.deepEqual(mail.to, ["grace@example.com"]);
    problem(await as(t, admin.key).post("/invites", { userName: "nobody-known" }), 404, /invite them by e-mail/);
    const stranger = await newUser(t, "grace@example.com");
    await refusedWith(accept(t, tokenIn(mail.raw), stranger), /another user/);
    const joined = await acceptAndRead(t, tokenIn(mail.raw), grace.userId);
    assert.equal(joined.orgRole, "member");
    const m = await t.store.db.selectFrom("members").select("user_name").where("id", "=", joined.memberId).executeTakeFirstOrThrow();
    assert.equal(m.user_name, "Grace");
  });

  it("accepting with another e-mail address, an unknown token, after revocation or after expiry is refused", async () => {
    const inv = expectOk(await as(t, admin.key).post("/invites", { email: "carol@example.com" }), 201);
    const token = tokenIn((await nextMail()).raw);
    const mallory = await newUser(t, "mallory@example.com");
    await refusedWith(accept(t, token, mallory), /sent to carol@example.com/);
    await refusedWith(accept(t, "not-a-token", mallory), /not valid/);
    const revoked = expectOk(await as(t, admin.key).delete(`/invites/${inv.id}`));
    assert.equal(revoked.status, "revoked");
    problem(await as(t, admin.key).delete(`/invites/${inv.id}`), 409, /already revoked/);
    problem(await as(t, admin.key).post(`/invites/${inv.id}/resend`), 409, /revoked/);
    const carol = await newUser(t, "carol@example.com");
    await refusedWith(accept(t, token, carol), /revoked/);
    assert.equal((await lastAudit(t, "invite.revoke")).target_id, inv.id);

    const { invite, token: t2 } = await createInvite(t.store.db, t.org.id, { email: "dave@example.com" }, { ttlHours: 0 }, { door: "admin", id: "test" });
    const dave = await newUser(t, "dave@example.com");
    await refusedWith(accept(t, t2, dave), /expired at .*resend/);
    const listed = (expectOk(await as(t, admin.key).get("/invites?status=expired")).invites as any[]).map((i) => i.id);
    assert.deepEqual(listed, [invite.id]);
    problem(await as(t, admin.key).get("/invites?status=lost"), 400, /pending, accepted, revoked, expired/);
  });

  it("resend issues a new token and expiry: the old link stops working, the new one works", async () => {
    const { invite, token: old } = await createInvite(t.store.db, t.org.id, { email: "erin@example.com", teamIds: [team.id] }, { ttlHours: 0 }, { door: "admin", id: "test" });
    const resent = expectOk(await as(t, admin.key).post(`/invites/${invite.id}/resend`));
    assert.equal(resent.status, "pending");
    assert.ok(resent.expiresAt > new Date().toISOString());
    const token = tokenIn((await nextMail()).raw);
    assert.notEqual(token, old);
    const erin = await newUser(t, "erin@example.com");
    await refusedWith(accept(t, old, erin), /not valid/);
    const ev = await lastAudit(t, "invite.resend");
    assert.equal(ev.detail.before.status, "expired");
    assert.equal(ev.detail.after.status, "pending");
    const joined = await acceptAndRead(t, token, erin);
    assert.deepEqual(joined.teamIds, [team.id]);
  });

  it("a team admin invites Members into their team only; members invite only when the team allows it", async () => {
    expectOk(await as(t, lead.key).post("/invites", { email: "frank@example.com", teamIds: [team.id] }), 201);
    await nextMail();
    problem(await as(t, lead.key).post("/invites", { email: "gina@example.com" }), 403, /without a team/);
    problem(await as(t, lead.key).post("/invites", { email: "gina@example.com", teamIds: [defaultTeam.id] }), 403, /may not invite into team/);
    problem(await as(t, lead.key).post("/invites", { email: "gina@example.com", orgRole: "admin", teamIds: [team.id] }), 403, /org admin/);
    problem(await as(t, dev.key).post("/invites", { email: "gina@example.com", teamIds: [team.id] }), 403);
    expectOk(await as(t, lead.key).patch(`/teams/${team.id}`, { membersCanInvite: true }));
    expectOk(await as(t, dev.key).post("/invites", { email: "gina@example.com", teamIds: [team.id] }), 201);
    await nextMail();
    // the team admin sees and manages the invites of their team; a plain member sees none
    const leads = (expectOk(await as(t, lead.key).get("/invites")).invites as any[]).map((i) => i.email);
    assert.ok(leads.includes("frank@example.com") && leads.includes("gina@example.com"));
    assert.ok(!leads.includes("bob@example.com"));
    problem(await as(t, dev.key).get("/invites"), 403, /may list invites/);
    const bob = (expectOk(await as(t, admin.key).get("/invites?status=pending")).invites as any[]).find((i) => i.email === "bob@example.com");
    problem(await as(t, lead.key).delete(`/invites/${bob.id}`), 403);
  });

  it("the Viewer org role needs the enterprise plan; the seat limit is checked when inviting and when accepting, naming the limit", async () => {
    const std = await t.newOrg();
    await t.store.db.updateTable("orgs").set({ plan: "standard", full_models_seat_limit: 0 }).where("id", "=", std.id).execute();
    problem(await as(t, std.key).post("/invites", { email: "v@example.com", orgRole: "viewer" }), 403, /enterprise plan is required for the Viewer org role; this organization is on the standard plan/);
    // At invite time: no full seat is free.
    problem(await as(t, std.key).post("/invites", { email: "h@example.com" }), 409, /^seat limit reached: 0 of 0 full Models seats in use; free a seat or raise the limit first/);
    assert.deepEqual(await t.store.db.selectFrom("invites").select("id").where("org_id", "=", std.id).execute(), [], "nothing was invited");
    // With no Models seat the invite goes out.
    const seatless = expectOk(await as(t, std.key).post("/invites", { email: "n@example.com", modelsSeat: "none" }), 201);
    assert.deepEqual([seatless.modelsSeat, seatless.weaveRole], ["none", "full"]);
    await nextMail();
    // At accept time: invited while a seat was free, the last seat went to someone else since.
    await t.store.db.updateTable("orgs").set({ full_models_seat_limit: 1 }).where("id", "=", std.id).execute();
    const inv = expectOk(await as(t, std.key).post("/invites", { email: "h@example.com" }), 201);
    const token = tokenIn((await nextMail()).raw);
    await addMember(t, "first", "member", { ...std });
    await refusedWith(accept(t, token, await newUser(t, "h@example.com"), std.id), /^seat limit reached: 1 of 1 full Models seats in use; an admin of .* can free a seat or raise the limit/);
    assert.equal((await t.store.db.selectFrom("members").select("id").where("org_id", "=", std.id).execute()).length, 1, "the acceptance rolled back");
    assert.equal(expectOk(await as(t, std.key).get("/invites")).invites.find((i: any) => i.id === inv.id).status, "pending");
  });

  it("an invite carries a team role per team (custom roles included), the Models seat and Weave access", async () => {
    const research = expectOk(await as(t, admin.key).post("/teams", { name: "research" }), 201);
    const role = expectOk(await as(t, admin.key).post("/roles", { name: "Auditor", inheritedFrom: "viewer", permissions: [] }), 201);
    problem(await as(t, admin.key).post("/invites", { email: "x@example.com", teamRoles: [{ teamId: team.id, role: "chief" }] }), 400, /exact name of a custom role/);
    problem(await as(t, admin.key).post("/invites", { email: "x@example.com", teamRoles: [{ teamId: "nope", role: "member" }] }), 400, /no team with id nope/);
    problem(await as(t, admin.key).post("/invites", { email: "x@example.com", modelsSeat: "gold" }), 400, /"modelsSeat" must be one of full, viewer, none/);
    problem(await as(t, admin.key).post("/invites", { email: "x@example.com", teamRoles: [{ teamId: team.id }] }), 400, /teamRoles\[0\]/);
    // A team admin may not make someone an admin of a team they do not manage.
    problem(await as(t, lead.key).post("/invites", { email: "x@example.com", teamRoles: [{ teamId: research.id, role: "admin" }] }), 403);
    const inv = expectOk(await as(t, admin.key).post("/invites", {
      email: "kim@example.com", orgRole: "member", modelsSeat: "viewer", weaveRole: "none",
      teamRoles: [{ teamId: team.id, role: "admin" }, { teamId: research.id, role: "Auditor" }],
    }), 201);
    assert.deepEqual(inv.teamRoles, [{ teamId: team.id, role: "admin" }, { teamId: research.id, role: "Auditor" }]);
    assert.deepEqual([inv.modelsSeat, inv.weaveRole, inv.teamIds], ["viewer", "none", [team.id, research.id]]);
    const listed = (expectOk(await as(t, admin.key).get("/invites")).invites as any[]).find((i) => i.id === inv.id);
    assert.deepEqual(listed.teamRoles, inv.teamRoles);
    const token = tokenIn((await nextMail()).raw);
    const joined = await accept(t, token, await newUser(t, "kim@example.com"));
    assert.ok(joined.ok, JSON.stringify(joined));
    const m = await t.store.db.selectFrom("members").selectAll().where("id", "=", joined.memberId).executeTakeFirstOrThrow();
    assert.deepEqual([m.org_role, m.models_seat, m.weave_role], ["member", "viewer", "none"]);
    const teams = await t.store.db.selectFrom("team_members").select(["team_id", "role", "custom_role_id"]).where("member_id", "=", joined.memberId).orderBy("role").execute();
    assert.deepEqual(teams, [{ team_id: team.id, role: "admin", custom_role_id: null }, { team_id: research.id, role: "custom", custom_role_id: role.id }]);
    assert.ok(!teams.some((x) => x.team_id === defaultTeam.id), "not the default team");
  });

  it("without SMTP_URL the link is logged instead of sent, and handed to the admin once (to copy)", async () => {
    const t2 = await startTestApp();
    const logged: string[] = [];
    const orig = console.log;
    console.log = (m: string) => { logged.push(m); };
    try {
      const inv = expectOk(await as(t2, t2.org.key).post("/invites", { email: "ivy@example.com" }), 201);
      const { link, ...rest } = inv.delivery;
      assert.deepEqual(rest, { sent: false, via: "log" });
      assert.match(link, /\/invites\/accept\?token=/);
      assert.ok(logged.join("\n").includes(link), "the same link as the log's");
      const again = expectOk(await as(t2, t2.org.key).post(`/invites/${inv.id}/resend`));
      assert.notEqual(again.delivery.link, link, "a resend hands over the new link");
      assert.equal(expectOk(await as(t2, t2.org.key).get("/invites")).invites.some((i: any) => "link" in i || "link" in (i.delivery ?? {})), false, "the list never holds links");
    } finally {
      console.log = orig;
    }
    assert.match(logged.join("\n"), /ivy@example\.com[\s\S]*\/invites\/accept\?token=/);
    await t2.close();
  });

  it("the TTL comes from INVITE_TTL_HOURS", async () => {
    assert.equal(loadConfig({ INVITE_TTL_HOURS: "2" }).inviteTtlHours, 2);
    assert.equal(loadConfig({}).inviteTtlHours, 168);
    const t3 = await startTestApp({ inviteTtlHours: 2, smtpUrl: inbox.url });
    const inv = expectOk(await as(t3, t3.org.key).post("/invites", { email: "jo@example.com" }), 201);
    await nextMail();
    assert.equal(Date.parse(inv.expiresAt) - Date.parse(inv.createdAt), 2 * 3_600_000);
    await t3.close();
  });
});

describe("invites accepted by e-mail link (an org with no OIDC or LDAP, the door off for everyone else)", () => {
  let t: TestApp;
  let inbox: Inbox;
  const taken = new Set<number>();
  let ips = 0;
  before(async () => {
    inbox = await startInbox();
    t = await startTestApp({ smtpUrl: inbox.url, baseUrl: "https://rollcall.test", trustProxy: true });
  });
  after(async () => {
    await t?.close();
    await inbox?.close();
  });

  /** The invite page's "send me a sign-in link", as the page's form posts it; then the mailed link. */
  async function acceptByLink(inviteToken: string, to: string) {
    const info = await t.http.get(`/admin/api/invite?token=${encodeURIComponent(inviteToken)}`).set("Accept", "application/json");
    assert.equal(info.status, 200, info.text);
    assert.deepEqual([info.body.oidc, info.body.ldap], [null, null]);
    assert.equal(info.body.email.forInvite, true);
    const b = browser(t, `203.0.113.${++ips}`);
    const sent = await b.agent.post(info.body.email.startUrl).type("form").set("Accept", "text/html").send({ inviteToken, returnTo: "/admin/" });
    assert.equal(sent.status, 202, sent.text);
    assert.match(sent.text, /Check your inbox/);
    assert.match(sent.text, /console\.css/);
    const link = signInLinkIn((await mailTo(inbox, taken, to)).raw);
    return { b, res: await followLink(b.agent, link.path) };
  }

  it("the invitee proves the invite's address by a link and joins with its org role, team roles and seats (not the default team)", async () => {
    const admin = await addMember(t, "root", "admin");
    const ml = expectOk(await as(t, admin.key).post("/teams", { name: "ml" }), 201);
    const everyone = expectOk(await as(t, admin.key).post("/teams", { name: "everyone", domainMatching: true }), 201);
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: everyone.id, autoProvisioning: false }));
    const reviewer = expectOk(await as(t, admin.key).post("/roles", { name: "Reviewer", inheritedFrom: "member", permissions: [] }), 201);
    const ops = expectOk(await as(t, admin.key).post("/teams", { name: "ops" }), 201);
    assert.equal(expectOk(await as(t, admin.key).get("/org")).emailLinkSignIn, false);
    const inv = expectOk(await as(t, admin.key).post("/invites", {
      email: "Lee@Example.com", orgRole: "admin", modelsSeat: "viewer", weaveRole: "viewer",
      teamRoles: [{ teamId: ml.id, role: "admin" }, { teamId: ops.id, role: "Reviewer" }],
    }), 201);
    assert.deepEqual(inv.delivery, { sent: true, via: "smtp" });
    const inviteToken = tokenIn((await mailTo(inbox, taken, "lee@example.com")).raw);
    // Without the invite, the door stays closed.
    const closed = await browser(t, "203.0.113.200").agent.post(`/auth/${t.org.id}/email/start`).set("Accept", "application/json").send({ email: "lee@example.com" });
    problem(closed, 403, /does not offer sign-in by e-mail link/);

    const { b, res } = await acceptByLink(inviteToken, "lee@example.com");
    assert.equal(res.status, 303, res.text);
    const me = expectOk(await b.agent.get("/api/v1/me"));
    assert.deepEqual([me.member.orgRole, me.member.modelsSeat, me.member.weaveRole, me.member.emailVerified], ["admin", "viewer", "viewer", true]);
    assert.deepEqual(me.teams.map((x: any) => [x.name, x.role]).sort(), [["ml", "admin"], ["ops", "Reviewer"]]);
    const tm = await t.store.db.selectFrom("team_members").select(["team_id", "custom_role_id"]).where("member_id", "=", me.member.id).execute();
    assert.ok(!tm.some((x) => x.team_id === everyone.id), "not the default team");
    assert.equal(tm.find((x) => x.team_id === ops.id)?.custom_role_id, reviewer.id);
    const listed = (expectOk(await as(t, admin.key).get("/invites")).invites as any[]).find((i) => i.id === inv.id);
    assert.deepEqual([listed.status, listed.acceptedMemberId], ["accepted", me.member.id]);
    assert.equal((await lastAudit(t, "provision.joined_by_invite")).detail.door, "email");
    // The invite is used: its page no longer sends links.
    const again = await browser(t, "203.0.113.201").agent.post(`/auth/${t.org.id}/email/start`).set("Accept", "application/json").send({ inviteToken });
    problem(again, 409, /this invite is accepted/);
  });

  it("accepting at the seat limit is refused with the styled page naming the limit; the invite stays pending", async () => {
    const o = await t.newOrg();
    const admin = await addMember(t, "chief", "admin", o);
    expectOk(await as(t, admin.key).patch("/org", { fullModelsSeatLimit: 2, autoProvisioning: false }));
    const inv = expectOk(await as(t, admin.key).post("/invites", { email: "pat@example.com" }), 201);
    const inviteToken = tokenIn((await mailTo(inbox, taken, "pat@example.com")).raw);
    await addMember(t, "squatter", "member", o); // the last full seat goes
    problem(await as(t, admin.key).post("/invites", { email: "sam@example.com" }), 409, /^seat limit reached: 2 of 2 full Models seats in use/);
    const { res } = await acceptByLink(inviteToken, "pat@example.com");
    assert.equal(res.status, 409, "a refusal by a rule: 409 at every door");
    assert.match(String(res.headers["content-type"]), /text\/html/);
    assert.match(res.text, /Seat limit reached: 2 of 2 full Models seats in use; an admin of .* can free a seat or raise the limit/);
    assert.equal((expectOk(await as(t, admin.key).get("/invites")).invites as any[]).find((i) => i.id === inv.id).status, "pending");
    const refused = expectOk(await as(t, admin.key).get("/sign-ins/refused")).refusals;
    assert.deepEqual([refused[0].who, refused[0].door], ["pat@example.com", "email"]);
  });

  it("an invite by user name goes to that person's address; the link makes them that user, joining with the invite", async () => {
    const elsewhere = await t.newOrg();
    const known = await addMember(t, "Quinn", "member", elsewhere); // quinn@example.com, pushed by the other org's directory
    const o = await t.newOrg();
    const admin = await addMember(t, "head", "admin", o);
    expectOk(await as(t, admin.key).patch("/org", { autoProvisioning: false }));
    expectOk(await as(t, admin.key).post("/invites", { userName: "quinn", orgRole: "member" }), 201);
    const inviteToken = tokenIn((await mailTo(inbox, taken, "quinn@example.com")).raw);
    const { b, res } = await acceptByLink(inviteToken, "quinn@example.com");
    assert.equal(res.status, 303, res.text);
    const me = expectOk(await b.agent.get("/api/v1/me"));
    assert.deepEqual([me.member.userId, me.org.id], [known.userId, o.id]);
  });
});
