/**
 * E-mail link sign-in through the real door: real HTTP (supertest on createApp),
 * a real SMTP server on loopback (test/admin/smtp.ts), the real database.
 * start → mail → link page → form post → session; single use, expiry, rate
 * limits (429 + Retry-After), the same answer for known and unknown addresses,
 * the org's toggle, the page's nonce (no sign-in forced on another browser),
 * seat overflow, the styled refusal page and the admin's "Refused sign-ins".
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { sql } from "kysely";
import { addMember, as, expectOk, lastAudit, problem } from "../admin/principals.ts";
import { startInbox, textOf, type Inbox } from "../admin/smtp.ts";
import { pauseAt } from "../../src/org/race-points.ts";
import { startTestApp, type TestApp, type TestOrg } from "../support/app.ts";
import { browser, followLink, mailTo, signInLinkIn } from "./email-flow.ts";

let ips = 0;

/** Polls PostgreSQL until a backend is waiting on a lock (bounded: fails after 10 s). */
async function waitForLockWaiter(t: TestApp): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`.execute(t.store.db);
    if (Number(rows[0]?.n) > 0) return;
    if (Date.now() > until) throw new Error("the second sign-in never waited for the org lock");
    await new Promise((r) => setTimeout(r, 10));
  }
}
const nextIp = () => `198.51.100.${++ips}`;

describe("e-mail link sign-in (POST /auth/{org}/email/start → mailed link → session)", () => {
  let t: TestApp;
  let inbox: Inbox;
  const taken = new Set<number>();
  let org: TestOrg;
  const start = (o: TestOrg, ip: string, body: object) => browser(t, ip).agent.post(`/auth/${encodeURIComponent(o.name)}/email/start`).set("Accept", "application/json").send(body);

  before(async () => {
    inbox = await startInbox();
    t = await startTestApp({ smtpUrl: inbox.url, smtpFrom: "Rollcall <noreply@rollcall.test>", baseUrl: "https://rollcall.test", trustProxy: true });
    org = t.org;
    expectOk(await as(t, org.key).patch("/org", { emailLinkSignIn: true }));
  });
  after(async () => {
    await t?.close();
    await inbox?.close();
  });

  it("end to end: the link proves the address, the person joins (door email, e-mail verified) and has a session", async () => {
    const b = browser(t, nextIp());
    const res = await b.agent.post(`/auth/${encodeURIComponent(org.name)}/email/start`).set("Accept", "application/json").send({ email: "Ada@Acme.test" });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, "sent");
    const mail = await mailTo(inbox, taken, "ada@acme.test");
    assert.match(textOf(mail.raw), /works once, for 15 minutes/);
    const link = signInLinkIn(mail.raw);
    assert.ok(link.url.startsWith(`https://rollcall.test/auth/${org.id}/email/callback?token=`), link.url);
    // Only the token's hash is stored.
    const row = await t.store.db.selectFrom("email_links").selectAll().where("email_key", "=", "ada@acme.test").executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(row).includes(link.token));
    assert.equal(row.token_hash, crypto.createHash("sha256").update(link.token).digest("hex"));
    assert.equal(Math.round((Date.parse(row.expires_at) - Date.parse(row.created_at)) / 60_000), 15);

    const done = await followLink(b.agent, link.path);
    assert.equal(done.status, 303, done.text);
    assert.equal(done.headers.location, "/admin/");
    const me = expectOk(await b.agent.get("/api/v1/me"));
    assert.equal(me.member.email, "Ada@Acme.test");
    assert.equal(me.member.emailVerified, true);
    assert.equal(me.org.id, org.id);
    const ev = await lastAudit(t, "provision.joined");
    assert.deepEqual([ev.detail.door, ev.detail.emailVerified, ev.target_id], ["email", true, me.member.id]);
  });

  it("a link works once: the second use is refused (410) and signs no one in", async () => {
    const ip = nextIp();
    expectOk(await start(org, ip, { email: "once@acme.test" }), 202);
    const link = signInLinkIn((await mailTo(inbox, taken, "once@acme.test")).raw);
    const first = browser(t, ip);
    assert.equal((await followLink(first.agent, link.path)).status, 303);
    const second = browser(t, ip);
    const page = await second.agent.get(link.path).set("Accept", "text/html");
    assert.equal(page.status, 410);
    assert.match(page.text, /used already/);
    const again = await second.agent.post(`/auth/${org.id}/email/callback`).send({ token: link.token });
    problem(again, 410, /used already; each link works once/);
    assert.equal((await second.agent.get("/api/v1/me")).status, 401);
  });

  it("two uses of one link at once: the second, while the first is still signing in, is refused (410)", async () => {
    const ip = nextIp();
    expectOk(await start(org, ip, { email: "twice@acme.test" }), 202);
    const link = signInLinkIn((await mailTo(inbox, taken, "twice@acme.test")).raw);
    const p = pauseAt("email-link.redeemed");
    const first = browser(t, ip).agent.post(`/auth/${org.id}/email/callback`).send({ token: link.token }).then((r) => r);
    await p.reached;
    const second = await browser(t, ip).agent.post(`/auth/${org.id}/email/callback`).send({ token: link.token });
    p.release();
    problem(second, 410, /used already/);
    assert.equal((await first).status, 200);
  });

  it("an expired link is refused (410) and creates nothing", async () => {
    const ip = nextIp();
    expectOk(await start(org, ip, { email: "late@acme.test" }), 202);
    const link = signInLinkIn((await mailTo(inbox, taken, "late@acme.test")).raw);
    // Fifteen minutes pass.
    await t.store.db.updateTable("email_links").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("email_key", "=", "late@acme.test").execute();
    const res = await browser(t, ip).agent.post(`/auth/${org.id}/email/callback`).send({ token: link.token });
    problem(res, 410, /expired/);
    assert.equal(await t.store.db.selectFrom("users").select("id").where("email_key", "=", "late@acme.test").executeTakeFirst(), undefined);
  });

  it("rate limits per address and per client: 429 with Retry-After", async () => {
    for (let i = 0; i < 5; i++) expectOk(await start(org, nextIp(), { email: "busy@acme.test" }), 202);
    const over = await start(org, nextIp(), { email: "busy@acme.test" });
    problem(over, 429, /too many sign-in links/);
    assert.ok(Number(over.headers["retry-after"]) >= 1, String(over.headers["retry-after"]));
    // One client asking for many addresses.
    const client = nextIp();
    const answers: number[] = [];
    for (let i = 0; i < 21; i++) answers.push((await start(org, client, { email: `spray${i}@acme.test` })).status);
    assert.deepEqual(answers.slice(0, 20), Array(20).fill(202));
    assert.equal(answers[20], 429);
  });

  it("the start answer is the same for a known and an unknown address", async () => {
    await addMember(t, "known"); // SCIM member known@example.com
    const known = await start(org, nextIp(), { email: "known@example.com" });
    const unknown = await start(org, nextIp(), { email: "nobody@example.com" });
    assert.equal(known.status, 202);
    assert.equal(unknown.status, known.status);
    assert.deepEqual(Object.keys(unknown.body), Object.keys(known.body));
    assert.equal(unknown.body.detail.replace("nobody@example.com", "X"), known.body.detail.replace("known@example.com", "X"));
    // The known member (pushed by the org's directory) proves the address and is that member.
    const link = signInLinkIn((await mailTo(inbox, taken, "known@example.com")).raw);
    const b = browser(t, nextIp());
    assert.equal((await followLink(b.agent, link.path)).status, 303);
    assert.equal(expectOk(await b.agent.get("/api/v1/me")).member.userName, "known");
    await mailTo(inbox, taken, "nobody@example.com");
  });

  it("the org's toggle off: start is refused (403) and a link issued before no longer signs in", async () => {
    const o = await t.newOrg();
    problem(await start(o, nextIp(), { email: "x@acme.test" }), 403, /does not offer sign-in by e-mail link; an admin of .* can turn it on/);
    const methods = () => t.http.get(`/admin/api/sign-in-methods?org=${encodeURIComponent(o.name)}`).set("Accept", "application/json");
    assert.equal(expectOk(await methods()).email, null, "the console's sign-in page does not offer it");
    expectOk(await as(t, o.key).patch("/org", { emailLinkSignIn: true }));
    assert.deepEqual(expectOk(await methods()).email, { startUrl: `/auth/${o.id}/email/start` }, "now it does");
    const ip = nextIp();
    expectOk(await start(o, ip, { email: "early@acme.test" }), 202);
    const link = signInLinkIn((await mailTo(inbox, taken, "early@acme.test")).raw);
    expectOk(await as(t, o.key).patch("/org", { emailLinkSignIn: false }));
    const b = browser(t, ip);
    const res = await followLink(b.agent, link.path);
    assert.equal(res.status, 403);
    assert.match(String(res.headers["content-type"]), /text\/html/);
    assert.match(res.text, /does not offer sign-in by e-mail link/);
    assert.equal((await lastAudit(t, "signin.refused", o.id)).detail.door, "email");
    assert.equal(await t.store.db.selectFrom("users").select("id").where("email_key", "=", "early@acme.test").executeTakeFirst(), undefined);
  });

  it("a form post without the nonce of the link's page in that browser is refused (no sign-in forced on another browser)", async () => {
    const ip = nextIp();
    expectOk(await start(org, ip, { email: "csrf@acme.test" }), 202);
    const link = signInLinkIn((await mailTo(inbox, taken, "csrf@acme.test")).raw);
    const victim = browser(t, ip);
    const res = await victim.agent.post(`/auth/${org.id}/email/callback`).type("form").set("Accept", "text/html").send({ token: link.token });
    assert.equal(res.status, 400);
    assert.match(res.text, /not started from the link&#39;s page/);
    assert.equal((await victim.agent.get("/api/v1/me")).status, 401);
  });

  it("bad input is a 400, never a 500", async () => {
    problem(await start(org, nextIp(), { email: "not-an-address" }), 400, /must be an e-mail address/);
    problem(await start(org, nextIp(), { email: 42 }), 400, /must be a string/);
    problem(await browser(t, nextIp()).agent.post(`/auth/${org.id}/email/callback`).send({}), 400, /"token" is required/);
    const page = await browser(t, nextIp()).agent.get(`/auth/${org.id}/email/callback?token=nope`).set("Accept", "text/html");
    assert.equal(page.status, 410);
  });
});

describe("e-mail link sign-in when the mail server is down", () => {
  it("answers 502 (never 'sent' for a link that was not sent)", async () => {
    const inbox = await startInbox();
    const url = inbox.url;
    await inbox.close(); // nothing listens there any more
    const t = await startTestApp({ smtpUrl: url, trustProxy: true });
    const errors: string[] = [];
    try {
      expectOk(await as(t, t.org.key).patch("/org", { emailLinkSignIn: true }));
      const res = await browser(t, nextIp()).agent.post(`/auth/${t.org.id}/email/start`).set("Accept", "application/json").send({ email: "x@acme.test" });
      problem(res, 502, /could not be sent/);
    } finally {
      await t.close().catch((err: unknown) => errors.push(String(err)));
    }
    // The delivery failure is logged for the operator (and only that).
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /e-mail sign-in link not delivered/);
  });
});

describe("seat limits at sign-in: the styled refusal page, seat overflow, Refused sign-ins", () => {
  let t: TestApp;
  let inbox: Inbox;
  const taken = new Set<number>();
  before(async () => {
    inbox = await startInbox();
    t = await startTestApp({ smtpUrl: inbox.url, baseUrl: "https://rollcall.test", trustProxy: true });
  });
  after(async () => {
    await t?.close();
    await inbox?.close();
  });

  async function signInByLink(o: TestOrg, email: string) {
    const b = browser(t, nextIp());
    expectOk(await b.agent.post(`/auth/${encodeURIComponent(o.name)}/email/start`).set("Accept", "application/json").send({ email }), 202);
    return { b, res: await followLink(b.agent, signInLinkIn((await mailTo(inbox, taken, email)).raw).path) };
  }

  it("full seats used up: refused with a styled page naming the limit and what an admin can do; with seatOverflow no-seat the person joins with no Models seat", async () => {
    const o = await t.newOrg();
    const admin = await addMember(t, "boss", "admin", o);
    const pleb = await addMember(t, "pleb", "member", o);
    expectOk(await as(t, admin.key).patch("/org", { emailLinkSignIn: true, fullModelsSeatLimit: 2 }));

    const { res } = await signInByLink(o, "late@acme.test");
    assert.equal(res.status, 409, "a refusal by a rule: 409 at every door");
    assert.match(String(res.headers["content-type"]), /text\/html/);
    assert.match(res.text, /<link rel="stylesheet" href="\/admin\/console.css">/);
    assert.match(res.text, /class="message error"/);
    assert.match(res.text, /Seat limit reached: 2 of 2 full Models seats in use/);
    assert.match(res.text, /can free a seat, raise the limit/);
    assert.match(res.text, /let new people join without a Models seat/);
    assert.match(res.text, /Refused sign-ins/);

    // The admin sees it, readable.
    const list = expectOk(await as(t, admin.key).get("/sign-ins/refused"));
    assert.equal(list.refusals.length, 1);
    const r = list.refusals[0];
    assert.deepEqual([r.who, r.door], ["late@acme.test", "email"]);
    assert.match(r.reason, /^seat limit reached: 2 of 2 full Models seats in use/);
    assert.ok(Date.parse(r.at) > Date.now() - 60_000);
    problem(await as(t, pleb.key).get("/sign-ins/refused"), 403);

    expectOk(await as(t, admin.key).patch("/org", { seatOverflow: "no-seat" }));
    assert.equal(expectOk(await as(t, admin.key).get("/org")).seatOverflow, "no-seat");
    const again = await signInByLink(o, "late@acme.test");
    assert.equal(again.res.status, 303, again.res.text);
    const me = expectOk(await again.b.agent.get("/api/v1/me"));
    assert.deepEqual([me.member.modelsSeat, me.member.orgRole, me.member.active], ["none", "member", true]);
    assert.equal((await lastAudit(t, "provision.joined", o.id)).detail.modelsSeat, "none");
    // A free full seat is still given when there is one.
    expectOk(await as(t, admin.key).patch("/org", { fullModelsSeatLimit: 10 }));
    const roomy = await signInByLink(o, "early@acme.test");
    assert.equal(expectOk(await roomy.b.agent.get("/api/v1/me")).member.modelsSeat, "full");
  });

  it("two newcomers for the last full seat at once (seatOverflow no-seat): the first takes it, the second waits at the org lock and joins with no Models seat", async () => {
    const o = await t.newOrg();
    const admin = await addMember(t, "lead", "admin", o);
    expectOk(await as(t, admin.key).patch("/org", { emailLinkSignIn: true, fullModelsSeatLimit: 2, seatOverflow: "no-seat" }));
    const links: string[] = [];
    for (const email of ["one@acme.test", "two@acme.test"]) {
      expectOk(await browser(t, nextIp()).agent.post(`/auth/${o.id}/email/start`).set("Accept", "application/json").send({ email }), 202);
      links.push(signInLinkIn((await mailTo(inbox, taken, email)).raw).token);
    }
    const p = pauseAt("arrival.newcomer-seat.counted");
    const first = browser(t, nextIp()).agent.post(`/auth/${o.id}/email/callback`).send({ token: links[0] }).then((r) => r);
    await p.reached; // the first has counted one free seat and holds the org lock
    const second = browser(t, nextIp()).agent.post(`/auth/${o.id}/email/callback`).send({ token: links[1] }).then((r) => r);
    // PostgreSQL: the second must be waiting for the org row lock before the first goes on (SQLite runs one transaction at a time anyway).
    try {
      if (t.store.dialect === "postgres") await waitForLockWaiter(t);
    } finally {
      p.release();
    }
    const [a, b] = [await first, await second];
    assert.deepEqual([a.status, b.status], [200, 200], `${a.text} ${b.text}`);
    assert.deepEqual([a.body.member.modelsSeat, b.body.member.modelsSeat], ["full", "none"]);
  });

  it("seatOverflow accepts only refuse or no-seat", async () => {
    problem(await as(t, t.org.key).patch("/org", { seatOverflow: "maybe" }), 400, /seatOverflow/);
  });
});
