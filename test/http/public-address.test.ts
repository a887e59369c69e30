/**
 * No link from an unchecked Host: SCIM `Location` / `meta.location` and invite e-mail links
 * use ROLLCALL_BASE_URL, or a Host from ROLLCALL_ALLOWED_HOSTS (loopback when neither is set
 * outside production); any other Host is a 400. `npm start` runs in production mode, which
 * refuses to start without a public address and never prints a stack to a client.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config.ts";
import { auth, ERROR_URN, SCIM, startTestApp, user, type TestApp } from "../support/app.ts";
import { startInbox, textOf, type Inbox } from "../admin/smtp.ts";
import { emptyDatabaseUrl } from "../support/store.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const EVIL = "evil.example";

describe("the public address: no link from an unchecked Host", function () {
  this.timeout(30_000);
  let inbox: Inbox;
  before(async () => { inbox = await startInbox(); });
  after(async () => { await inbox?.close(); });

  const invite = (t: TestApp, host: string, email: string) =>
    t.http.post("/api/v1/invites").set(auth(t.org.key)).set("Host", host).send({ email });
  const createUser = (t: TestApp, host: string, userName: string) =>
    t.http.post("/scim/v2/Users").set(auth(t.org.key)).set("Host", host).type(SCIM).send(user(userName));
  const memberNamed = async (t: TestApp, userName: string) =>
    (await t.store.db.selectFrom("members").select("id").where("org_id", "=", t.org.id).where("user_name", "=", userName).execute()).length;

  describe("nothing configured (tests, development): loopback hosts only", () => {
    let t: TestApp;
    before(async () => { t = await startTestApp({ smtpUrl: inbox.url }); });
    after(async () => { await t?.close(); });

    it(`Host: ${EVIL} on POST /api/v1/invites is a 400 problem; no invite, no mail`, async () => {
      const sent = inbox.messages.length;
      const res = await invite(t, EVIL, "victim@example.com");
      assert.equal(res.status, 400, res.text);
      assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
      assert.match(res.body.detail, /does not answer to the host "evil\.example".*ROLLCALL_BASE_URL or ROLLCALL_ALLOWED_HOSTS/);
      const invites = await t.store.db.selectFrom("invites").select("id").where("org_id", "=", t.org.id).execute();
      assert.equal(invites.length, 0);
      assert.equal(inbox.messages.length, sent, "no mail went out (an invite's mail is sent before its answer)");
    });

    it(`Host: ${EVIL} on POST /scim/v2/Users is a 400 SCIM error; nothing created`, async () => {
      const res = await createUser(t, EVIL, "evil-host-user");
      assert.equal(res.status, 400, res.text);
      assert.deepEqual(res.body.schemas, [ERROR_URN]);
      assert.equal(res.headers.location, undefined);
      assert.equal(await memberNamed(t, "evil-host-user"), 0);
    });

    it("a Host with a port, and the loopback names, work; probes answer any Host", async () => {
      for (const host of ["127.0.0.1:8080", "localhost", "[::1]:9"]) {
        const res = await createUser(t, host, `loop-${host.replace(/\W/g, "")}`);
        assert.equal(res.status, 201, `${host}: ${res.text}`);
        assert.equal(res.headers.location, `http://${host}/scim/v2/Users/${res.body.id}`);
        assert.equal(res.body.meta.location, res.headers.location);
      }
      assert.equal((await t.http.get("/healthz").set("Host", EVIL)).status, 200);
      assert.equal((await t.http.get("/readyz").set("Host", EVIL)).status, 200);
      assert.equal((await t.http.get("/admin/login").set("Host", EVIL)).status, 400, "the console too");
    });
  });

  describe("ROLLCALL_BASE_URL: every link uses it, whatever the Host", () => {
    let t: TestApp;
    before(async () => { t = await startTestApp({ ...loadConfig({ ROLLCALL_BASE_URL: "https://rollcall.example.com/" }), smtpUrl: inbox.url }); });
    after(async () => { await t?.close(); });

    it(`Host: ${EVIL}: Location, meta.location and the invite mail's link are the configured base`, async () => {
      const created = await createUser(t, EVIL, "based-user");
      assert.equal(created.status, 201, created.text);
      assert.equal(created.headers.location, `https://rollcall.example.com/scim/v2/Users/${created.body.id}`);
      assert.equal(created.body.meta.location, created.headers.location);
      const n = inbox.messages.length;
      const res = await invite(t, EVIL, "based@example.com");
      assert.equal(res.status, 201, res.text);
      const mail = textOf((await inbox.nth(n + 1)).raw);
      assert.match(mail, /https:\/\/rollcall\.example\.com\/invites\/accept\?token=/);
      assert.doesNotMatch(mail, /evil\.example/);
    });
  });

  describe("ROLLCALL_ALLOWED_HOSTS: listed hosts only, links use the checked Host", () => {
    let t: TestApp;
    before(async () => { t = await startTestApp({ ...loadConfig({ ROLLCALL_ALLOWED_HOSTS: "Rollcall.Example, internal.example:8443" }), smtpUrl: inbox.url }); });
    after(async () => { await t?.close(); });

    it("a listed host is served and named in links; any other (loopback included) is a 400", async () => {
      const ok = await createUser(t, "rollcall.example", "listed-user");
      assert.equal(ok.status, 201, ok.text);
      assert.equal(ok.headers.location, `http://rollcall.example/scim/v2/Users/${ok.body.id}`);
      const n = inbox.messages.length;
      const inv = await invite(t, "internal.example:8443", "listed@example.com");
      assert.equal(inv.status, 201, inv.text);
      assert.match(textOf((await inbox.nth(n + 1)).raw), /http:\/\/internal\.example:8443\/invites\/accept\?token=/);
      assert.equal((await createUser(t, "internal.example:9999", "wrong-port")).status, 400, "the port is part of a host:port entry");
      assert.equal((await createUser(t, EVIL, "evil-user")).status, 400);
      assert.equal((await createUser(t, "127.0.0.1", "loop-user")).status, 400);
      assert.equal((await invite(t, EVIL, "evil@example.com")).status, 400);
    });
  });

  it("ROLLCALL_BASE_URL must be an http(s) URL", () => {
    assert.throws(() => loadConfig({ ROLLCALL_BASE_URL: "rollcall.example.com" }), /ROLLCALL_BASE_URL must be an http\(s\) URL/);
    assert.throws(() => loadConfig({ ROLLCALL_BASE_URL: "https://x.example/?a=1" }), /ROLLCALL_BASE_URL/);
    assert.equal(loadConfig({ ROLLCALL_BASE_URL: "https://x.example/rollcall//" }).baseUrl, "https://x.example/rollcall");
  });
});

/** `npm start` (the package.json script, through npm) in its own process group, in a scratch folder's database. */
function npmStart(env: Record<string, string>) {
  const base = { ...process.env };
  for (const k of ["DATABASE_URL", "ROLLCALL_BOOTSTRAP_KEY", "ROLLCALL_ORG_NAME", "PORT", "HOST", "NODE_ENV", "ROLLCALL_BASE_URL", "ROLLCALL_ALLOWED_HOSTS"]) delete base[k];
  const child = spawn("npm", ["start", "--silent"], { cwd: ROOT, env: { ...base, PORT: "0", HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => { out += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const waitFor = async (re: RegExp, ms = 20_000): Promise<RegExpMatchArray> => {
    const until = Date.now() + ms;
    for (;;) {
      const m = out.match(re);
      if (m) return m;
      if (child.exitCode !== null || Date.now() > until) throw new Error(`no ${re} in the output:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    exited, waitFor, output: () => out,
    stop: async () => { if (child.exitCode === null) { process.kill(-child.pid!, "SIGTERM"); await exited; } },
  };
}

function get(port: number, p: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    http.get({ host: "127.0.0.1", port, path: p, headers }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => { body += c.toString(); });
      res.on("end", () => resolve({ status: res.statusCode!, body, headers: res.headers }));
    }).on("error", reject);
  });
}

describe("npm start: production mode", function () {
  this.timeout(60_000);
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => { for (const c of cleanups) await c(); });
  const databaseUrl = async (): Promise<string> => {
    const db = await emptyDatabaseUrl("npmstart");
    cleanups.push(db.cleanup);
    return db.url;
  };

  it("refuses to start without ROLLCALL_BASE_URL or ROLLCALL_ALLOWED_HOSTS, saying which to set", async () => {
    const s = npmStart({ DATABASE_URL: await databaseUrl() });
    const code = await s.exited;
    assert.notEqual(code, 0);
    assert.match(s.output(), /rollcall failed to start: in production \(NODE_ENV=production\) set ROLLCALL_BASE_URL .* or ROLLCALL_ALLOWED_HOSTS/);
  });

  it("starts with ROLLCALL_BASE_URL; errors carry no stack, path or SQL, and security headers are set", async () => {
    const s = npmStart({ DATABASE_URL: await databaseUrl(), ROLLCALL_BASE_URL: "https://rollcall.example.com" });
    try {
      const port = Number((await s.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/))[1]);
      for (const [p, status] of [["/auth/%C0%AF/oidc/login", 400], ["/scim/v2/Users/%E0%A4%A", 400], ["/admin/api/sign-in-methods?org=%00", 400], ["/nothing", 404]] as const) {
        const res = await get(port, p, { Host: EVIL });
        assert.equal(res.status, status, `${p}: ${res.body}`);
        assert.doesNotMatch(res.body, /\bat [^\s]+ \(|\.ts:\d+|node_modules|\/usr\/|\/home\/|\/work\//, `${p}: ${res.body}`);
        assert.ok(res.body.includes(String(res.headers["x-request-id"])), `${p}: the body names the request id`);
        assert.equal(res.headers["x-content-type-options"], "nosniff", p);
      }
    } finally {
      await s.stop();
    }
  });
});
