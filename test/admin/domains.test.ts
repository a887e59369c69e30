import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { DnsLookupError, txtLookup } from "../../src/dns/txt.ts";
import { verifiedDomainOwner } from "../../src/org/domains.ts";
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
    assert.equal((await lastAudit(t, "domain.claim")).target_id, d.id);
    const { domains } = expectOk(await as(t, member.key).get("/domains"));
    assert.deepEqual(domains.map((x: any) => x.domain), ["acme.example"]);
    assert.equal(await verifiedDomainOwner(t.store.db, "acme.example"), null); // not verified: routes nobody
  });

  it("a domain is unique across orgs: 409 without naming the other org", async () => {
    problem(await as(t, admin.key).post("/domains", { domain: "ACME.example" }), 409, /already claimed by this organization/);
    const other = await t.newOrg("Secret Other Org");
    const res = await as(t, other.key).post("/domains", { domain: "acme.example" });
    problem(res, 409, /already claimed by another organization/);
    assert.ok(!res.text.includes("Secret Other Org") && !res.text.includes(t.org.name) && !res.text.includes(t.org.id));
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
    problem(await as(t, admin.key).delete(`/domains/${d.id}`), 404, /no claimed domain/);
    assert.equal(await verifiedDomainOwner(t.store.db, "acme.example"), null);
    const other = await t.newOrg();
    expectOk(await as(t, other.key).post("/domains", { domain: "acme.example" }), 201);
    problem(await as(t, admin.key).get(`/domains/${d.id}`), 404);
  });

  it("the CLI marks a claimed domain verified without public DNS", async function () {
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
