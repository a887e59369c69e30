import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { sql } from "kysely";
import { loadConfig } from "../../src/config.ts";
import { DnsLookupError, txtLookup } from "../../src/dns/txt.ts";
import { verifiedDomainOwner } from "../../src/org/orgs/domains.ts";
import { pauseAt } from "../../src/org/race-points.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { startTxtServer, type TxtServer } from "./dns.ts";
import { addMember, as, expectOk, lastAudit, problem, type TestMember } from "./principals.ts";

describe("admin API: claimed domains", () => {
  let t: TestApp;
  let dns: TxtServer;
  let admin: TestMember;
  let member: TestMember;
  before(async () => {
    dns = await startTxtServer();
    t = await startTestApp({ dnsResolver: dns.address });
    admin = await addMember(t, "admin", "admin");
    member = await addMember(t, "member");
  });
  after(async () => {
    await t?.close();
    await dns?.close();
  });

  it("claims a domain and returns the exact TXT record to publish", async () => {
    const d = expectOk(await as(t, admin.key).post("/domains", { domain: "  Acme.EXAMPLE. " }), 201);
    assert.equal(d.domain, "acme.example");
    assert.equal(d.status, "pending");
    assert.equal(d.txtRecord.name, "acme.example");
    assert.equal(d.txtRecord.type, "TXT");
    assert.match(d.txtRecord.value, /^rollcall-verification=[A-Za-z0-9_-]{20,}$/);
    const days = (Date.parse(d.expiresAt) - Date.parse(d.createdAt)) / 86_400_000;
    assert.equal(days, 7, "a pending claim expires after DOMAIN_CLAIM_TTL_DAYS (default 7)");
    assert.equal((await lastAudit(t, "domain.claim")).target_id, d.id);
    const { domains } = expectOk(await as(t, member.key).get("/domains"));
    assert.deepEqual(domains.map((x: any) => x.domain), ["acme.example"]);
    assert.equal(await verifiedDomainOwner(t.store.db, "acme.example"), null); // not verified: routes nobody
  });

  it("a pending claim blocks no other org; this org cannot claim twice; 409s never name the other org", async () => {
    problem(await as(t, admin.key).post("/domains", { domain: "ACME.example" }), 409, /already claimed by this organization/);
    const other = await t.newOrg("Secret Other Org");
    const theirs = expectOk(await as(t, other.key).post("/domains", { domain: "acme.example" }), 201);
    assert.equal(theirs.status, "pending");
    const ours = (expectOk(await as(t, admin.key).get("/domains")).domains as any[]).find((x) => x.domain === "acme.example");
    assert.notEqual(theirs.txtRecord.value, ours.txtRecord.value, "each claim has its own token");
    const res = await as(t, other.key).post("/domains", { domain: "acme.example" });
    problem(res, 409, /already claimed by this organization/);
    assert.ok(!res.text.includes(t.org.name) && !res.text.includes(t.org.id));
    // the other org gives its claim up again (the verification test below wants acme.example to itself)
    assert.equal((await as(t, other.key).delete(`/domains/${theirs.id}`)).status, 204);
  });

  it("refuses what is not a domain, public mail domains, and non-admins", async () => {
    for (const bad of ["localhost", "not a domain", "-x.example", "1.2.3.4", "a..example", ""]) problem(await as(t, admin.key).post("/domains", { domain: bad }), 400);
    problem(await as(t, admin.key).post("/domains", { domain: "gmail.com" }), 400, /public e-mail domain/);
    problem(await as(t, member.key).post("/domains", { domain: "member.example" }), 403, /org admins/);
  });

  it("verifies through DNS: a missing or wrong record is refused with what to publish; the right one verifies", async () => {
    const d = (expectOk(await as(t, admin.key).get("/domains")).domains as any[])[0];
    problem(await as(t, admin.key).post(`/domains/${d.id}/verify`), 409, /no TXT record "rollcall-verification=.*no TXT records found/);
    dns.records.set("acme.example", ["v=spf1 -all", "rollcall-verification=someone-elses"]);
    problem(await as(t, admin.key).post(`/domains/${d.id}/verify`), 409, /not this claim's token/);
    problem(await as(t, member.key).post(`/domains/${d.id}/verify`), 403);
    dns.records.set("acme.example", ["v=spf1 -all", d.txtRecord.value]);
    const v = expectOk(await as(t, admin.key).post(`/domains/${d.id}/verify`));
    assert.equal(v.status, "verified");
    assert.ok(v.verifiedAt);
    assert.equal(v.expiresAt, null, "a verified claim does not expire");
    const ev = await lastAudit(t, "domain.verify");
    assert.deepEqual([ev.detail.before, ev.detail.after], [{ status: "pending" }, { status: "verified", by: "dns" }]);
    // verifying again is harmless
    assert.equal(expectOk(await as(t, admin.key).post(`/domains/${d.id}/verify`)).verifiedAt, v.verifiedAt);
    assert.equal(await verifiedDomainOwner(t.store.db, "ACME.example"), t.org.id);
    assert.equal(await verifiedDomainOwner(t.store.db, "other.example"), null);
  });

  it("joins a TXT record split into several character-strings", async () => {
    const d = expectOk(await as(t, admin.key).post("/domains", { domain: "split.example" }), 201);
    const v = d.txtRecord.value as string;
    dns.records.set("split.example", [[v.slice(0, 10), v.slice(10)] as unknown as string]);
    assert.equal(expectOk(await as(t, admin.key).post(`/domains/${d.id}/verify`)).status, "verified");
  });

  it("a lookup that fails (no DNS server answering) is an error, not 'no record'", async () => {
    await assert.rejects(txtLookup("127.0.0.1:9", 300)("acme.example"), DnsLookupError);
  });

  it("releases a domain; another org may then claim it", async () => {
    const d = (expectOk(await as(t, admin.key).get("/domains")).domains as any[]).find((x) => x.domain === "acme.example");
    problem(await as(t, member.key).delete(`/domains/${d.id}`), 403);
    assert.equal((await as(t, admin.key).delete(`/domains/${d.id}`)).status, 204);
    problem(await as(t, admin.key).delete(`/domains/${d.id}`), 404, /not claimed by the organization/);
    assert.equal(await verifiedDomainOwner(t.store.db, "acme.example"), null);
    const other = await t.newOrg();
    expectOk(await as(t, other.key).post("/domains", { domain: "acme.example" }), 201);
    problem(await as(t, admin.key).get(`/domains/${d.id}`), 404);
  });

  it("the CLI marks a claimed domain verified without public DNS", async function () {
    this.timeout(120_000); // each CLI run starts tsx
    const d = expectOk(await as(t, admin.key).post("/domains", { domain: "intranet.example" }), 201);
    const run = (...args: string[]) => promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { env: { ...process.env, DATABASE_URL: t.store.url } });
    const out = await run("domain", "verify", "Intranet.Example");
    assert.match(out.stdout, /verified intranet\.example/);
    assert.equal(expectOk(await as(t, admin.key).get(`/domains/${d.id}`)).status, "verified");
    assert.equal(await verifiedDomainOwner(t.store.db, "intranet.example"), t.org.id);
    const ev = await lastAudit(t, "domain.verify");
    assert.deepEqual([ev.door, ev.actor], ["cli", "operator"]);
    await assert.rejects(run("domain", "verify", "unclaimed.example"), (err: any) => err.code === 1 && /no organization has claimed unclaimed\.example/.test(err.stderr));
    await assert.rejects(run("domain", "verify"), (err: any) => err.code === 2 && /missing domain/.test(err.stderr));
  });
});

const cli = (url: string) => (...args: string[]) =>
  promisify(execFile)(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], { env: { ...process.env, DATABASE_URL: url } });

/** Claims that cannot be squatted: they expire, they block no one, the first to verify wins, the CLI releases them. */
describe("admin API: domain claims between organizations", () => {
  let t: TestApp;
  let dns: TxtServer;
  let a: TestMember;
  let b: TestMember;
  let orgB: Awaited<ReturnType<TestApp["newOrg"]>>;
  before(async () => {
    dns = await startTxtServer();
    t = await startTestApp({ dnsResolver: dns.address, domainClaimTtlDays: 3 });
    orgB = await t.newOrg();
    a = await addMember(t, "a-admin", "admin");
    b = await addMember(t, "b-admin", "admin", orgB);
  });
  after(async () => {
    await t?.close();
    await dns?.close();
  });

  /** Both orgs claim `domain` and publish their records; returns both claims. */
  async function bothClaim(domain: string) {
    const ca = expectOk(await as(t, a.key).post("/domains", { domain }), 201);
    const cb = expectOk(await as(t, b.key).post("/domains", { domain }), 201);
    dns.records.set(domain, [ca.txtRecord.value, cb.txtRecord.value]);
    return { ca, cb };
  }

  it("DOMAIN_CLAIM_TTL_DAYS sets the lifetime of a pending claim (default 7, at least 1)", async () => {
    assert.equal(loadConfig({}).domainClaimTtlDays, 7);
    assert.equal(loadConfig({ DOMAIN_CLAIM_TTL_DAYS: "30" }).domainClaimTtlDays, 30);
    assert.throws(() => loadConfig({ DOMAIN_CLAIM_TTL_DAYS: "0" }), /DOMAIN_CLAIM_TTL_DAYS must be at least 1/);
    assert.throws(() => loadConfig({ DOMAIN_CLAIM_TTL_DAYS: "soon" }), /DOMAIN_CLAIM_TTL_DAYS/);
    const d = expectOk(await as(t, a.key).post("/domains", { domain: "ttl.example" }), 201);
    assert.equal((Date.parse(d.expiresAt) - Date.parse(d.createdAt)) / 86_400_000, 3);
  });

  it("an expired claim verifies nothing; claiming again renews it with a new token; it never blocked the other org", async () => {
    const d = expectOk(await as(t, a.key).post("/domains", { domain: "stale.example" }), 201);
    dns.records.set("stale.example", [d.txtRecord.value]);
    await t.store.db.updateTable("domains").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("id", "=", d.id).execute();
    assert.equal(expectOk(await as(t, a.key).get(`/domains/${d.id}`)).status, "expired");
    problem(await as(t, a.key).post(`/domains/${d.id}/verify`), 409, /expired .*claim the domain again/);
    assert.equal(await verifiedDomainOwner(t.store.db, "stale.example"), null);
    // the other org claims and verifies meanwhile: the expired claim is no obstacle
    const theirs = expectOk(await as(t, b.key).post("/domains", { domain: "stale.example" }), 201);
    dns.records.set("stale.example", [d.txtRecord.value, theirs.txtRecord.value]);
    assert.equal(expectOk(await as(t, b.key).post(`/domains/${theirs.id}/verify`)).status, "verified");
    assert.equal(await verifiedDomainOwner(t.store.db, "stale.example"), orgB.id);
    problem(await as(t, a.key).post("/domains", { domain: "stale.example" }), 409, /already claimed and verified by another organization/);

    const again = expectOk(await as(t, a.key).post("/domains", { domain: "renew.example" }), 201);
    await t.store.db.updateTable("domains").set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where("id", "=", again.id).execute();
    const renewed = expectOk(await as(t, a.key).post("/domains", { domain: "renew.example" }), 201);
    assert.equal(renewed.id, again.id);
    assert.equal(renewed.status, "pending");
    assert.notEqual(renewed.txtRecord.value, again.txtRecord.value, "a renewed claim needs a new record");
    assert.ok(Date.parse(renewed.expiresAt) > Date.now() + 2 * 86_400_000);
  });

  it("the first org to verify wins; the other's pending claim ends, and it is told so", async () => {
    const { ca, cb } = await bothClaim("contest.example");
    assert.equal(expectOk(await as(t, b.key).post(`/domains/${cb.id}/verify`)).status, "verified");
    const ended = expectOk(await as(t, a.key).get(`/domains/${ca.id}`));
    assert.equal(ended.status, "expired", "the loser's claim has ended");
    problem(await as(t, a.key).post(`/domains/${ca.id}/verify`), 409, /verified by another organization first; this organization's claim has ended/);
    const ev = await lastAudit(t, "domain.claim.end", t.org.id);
    assert.equal(ev.target_id, ca.id);
    assert.match(ev.detail.reason, /another organization verified/);
    assert.equal(await verifiedDomainOwner(t.store.db, "contest.example"), orgB.id);
  });

  it("race: two orgs verify the same domain at once; exactly one wins, the same one on either database", async () => {
    const { ca, cb } = await bothClaim("race.example");
    const pause = pauseAt("domain.verify.marked");
    // A stops inside its transaction, its claim marked verified but not committed.
    const first = as(t, a.key).post(`/domains/${ca.id}/verify`).then((r) => r);
    await pause.reached;
    const second = as(t, b.key).post(`/domains/${cb.id}/verify`).then((r) => r);
    if (t.store.dialect === "postgres") {
      // B is queued behind A's row locks (SQLite: behind A's transaction on the one connection).
      for (let i = 0; i < 500; i++) {
        const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(t.store.db);
        if (rows[0]!.n > 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    pause.release();
    const [ra, rb] = await Promise.all([first, second]);
    assert.equal(ra.status, 200, ra.text);
    assert.equal(ra.body.status, "verified");
    problem(rb, 409, /verified by another organization first/);
    const rows = await t.store.db.selectFrom("domains").selectAll().where("domain", "=", "race.example").execute();
    assert.deepEqual(rows.filter((r) => r.verified_at).map((r) => r.org_id), [t.org.id], "one verified claim");
    assert.equal(await verifiedDomainOwner(t.store.db, "race.example"), t.org.id);
    assert.equal((await lastAudit(t, "domain.claim.end", orgB.id)).target_id, cb.id);
  });

  it("the CLI verifies one of several pending claims only with --org, and releases claims", async function () {
    this.timeout(180_000); // each CLI run starts tsx
    const run = cli(t.store.url);
    await bothClaim("shared.example");
    await assert.rejects(run("domain", "verify", "shared.example"), (err: any) => err.code === 1 && /2 organizations have a pending claim.*--org/.test(err.stderr));
    // with two pending claims and no --org, release ends both
    const out = await run("domain", "release", "Shared.Example");
    assert.match(out.stdout, new RegExp(`released the pending claim of shared\\.example by "${t.org.name}"`));
    assert.match(out.stdout, new RegExp(`released the pending claim of shared\\.example by "${orgB.name}"`));
    assert.equal((await t.store.db.selectFrom("domains").select("id").where("domain", "=", "shared.example").execute()).length, 0);

    await bothClaim("squat.example");
    assert.match((await run("domain", "verify", "squat.example", "--org", orgB.name)).stdout, /verified squat\.example/);
    assert.equal(await verifiedDomainOwner(t.store.db, "squat.example"), orgB.id);
    // the operator takes the domain back from the org that verified it: released, it routes no one, anyone may claim it
    const rel = await run("domain", "release", "squat.example");
    assert.match(rel.stdout, new RegExp(`released the verified claim of squat\\.example by "${orgB.name}"`));
    assert.equal(await verifiedDomainOwner(t.store.db, "squat.example"), null);
    const ev = await lastAudit(t, "domain.release", orgB.id);
    assert.deepEqual([ev.door, ev.actor, ev.detail.before.status], ["cli", "operator", "verified"]);
    const mine = (expectOk(await as(t, a.key).get("/domains")).domains as any[]).find((x) => x.domain === "squat.example");
    assert.equal(mine.status, "expired", "A's claim ended when B verified; releasing B does not revive it");
    expectOk(await as(t, a.key).post("/domains", { domain: "squat.example" }), 201);
    await run("domain", "release", "squat.example", "--org", t.org.name);
    assert.equal((await as(t, a.key).get(`/domains/${mine.id}`)).status, 404);
    await assert.rejects(run("domain", "release", "nobody.example"), (err: any) => err.code === 1 && /no organization has claimed nobody\.example/.test(err.stderr));
  });
});
