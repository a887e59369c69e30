import assert from "node:assert/strict";
import crypto from "node:crypto";
import { acceptInvite, createInvite } from "../../src/org/invites.ts";
import { loadConfig } from "../../src/config.ts";
import { DomainError } from "../../src/org/errors.ts";
import { auth, startTestApp, type TestApp } from "../support/app.ts";
import { addMember, as, expectOk, lastAudit, problem, type TestMember } from "./principals.ts";
import { startInbox, textOf, tokenIn, type Inbox } from "./smtp.ts";

/** A global user who signs in (issue 4's flow creates these; here they are made directly). */
async function newUser(t: TestApp, email: string | null): Promise<string> {
  const id = crypto.randomUUID();
  const at = new Date().toISOString();
  await t.store.db.insertInto("users").values({ id, email, email_key: email?.toLowerCase() ?? null, email_verified: 1, display_name: null, created_at: at, updated_at: at }).execute();
  return id;
}

async function refusedWith(p: Promise<unknown>, kind: DomainError["kind"], msg: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof DomainError && err.kind === kind && msg.test(err.message));
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
    defaultTeam = expectOk(await as(t, admin.key).post("/teams", { name: "everyone" }), 201);
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
    const joined = await acceptInvite(t.store.db, token, userId);
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

    await refusedWith(acceptInvite(t.store.db, token, userId), "rule", /already accepted/);
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
    await refusedWith(acceptInvite(t.store.db, tokenIn(mail.raw), stranger), "forbidden", /another user/);
    const joined = await acceptInvite(t.store.db, tokenIn(mail.raw), grace.userId);
    assert.equal(joined.orgRole, "member");
    const m = await t.store.db.selectFrom("members").select("user_name").where("id", "=", joined.memberId).executeTakeFirstOrThrow();
    assert.equal(m.user_name, "Grace");
  });

  it("accepting with another e-mail address, an unknown token, after revocation or after expiry is refused", async () => {
    const inv = expectOk(await as(t, admin.key).post("/invites", { email: "carol@example.com" }), 201);
    const token = tokenIn((await nextMail()).raw);
    const mallory = await newUser(t, "mallory@example.com");
    await refusedWith(acceptInvite(t.store.db, token, mallory), "forbidden", /sent to carol@example.com/);
    await refusedWith(acceptInvite(t.store.db, "not-a-token", mallory), "not_found", /not valid/);
    const revoked = expectOk(await as(t, admin.key).delete(`/invites/${inv.id}`));
    assert.equal(revoked.status, "revoked");
    problem(await as(t, admin.key).delete(`/invites/${inv.id}`), 409, /already revoked/);
    problem(await as(t, admin.key).post(`/invites/${inv.id}/resend`), 409, /revoked/);
    const carol = await newUser(t, "carol@example.com");
    await refusedWith(acceptInvite(t.store.db, token, carol), "rule", /revoked/);
    assert.equal((await lastAudit(t, "invite.revoke")).target_id, inv.id);

    const { invite, token: t2 } = await createInvite(t.store.db, t.org.id, { email: "dave@example.com" }, { ttlHours: 0 }, { door: "admin", id: "test" });
    const dave = await newUser(t, "dave@example.com");
    await refusedWith(acceptInvite(t.store.db, t2, dave), "rule", /expired at .*resend/);
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
    await refusedWith(acceptInvite(t.store.db, old, erin), "not_found", /not valid/);
    const ev = await lastAudit(t, "invite.resend");
    assert.equal(ev.detail.before.status, "expired");
    assert.equal(ev.detail.after.status, "pending");
    const joined = await acceptInvite(t.store.db, token, erin);
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

  it("the Viewer org role needs the enterprise plan; the seat limit is respected on acceptance", async () => {
    const std = await t.newOrg();
    await t.store.db.updateTable("orgs").set({ plan: "standard", full_models_seat_limit: 0 }).where("id", "=", std.id).execute();
    problem(await as(t, std.key).post("/invites", { email: "v@example.com", orgRole: "viewer" }), 403, /enterprise plan is required for the Viewer org role; this organization is on the standard plan/);
    const inv = expectOk(await as(t, std.key).post("/invites", { email: "h@example.com" }), 201);
    const token = tokenIn((await nextMail()).raw);
    await refusedWith(acceptInvite(t.store.db, token, await newUser(t, "h@example.com")), "rule", /^seat limit reached: 0 of 0 full Models seats in use$/);
    assert.deepEqual(await t.store.db.selectFrom("members").select("id").where("org_id", "=", std.id).execute(), [], "the acceptance rolled back");
    assert.equal(expectOk(await as(t, std.key).get("/invites")).invites.find((i: any) => i.id === inv.id).status, "pending");
  });

  it("without SMTP_URL the link is logged instead of sent", async () => {
    const t2 = await startTestApp();
    const logged: string[] = [];
    const orig = console.log;
    console.log = (m: string) => { logged.push(m); };
    try {
      const inv = expectOk(await as(t2, t2.org.key).post("/invites", { email: "ivy@example.com" }), 201);
      assert.deepEqual(inv.delivery, { sent: false, via: "log" });
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
