/**
 * The operator CLI as real processes (`tsx src/cli.ts`, and the installed bin), against the
 * database the suite runs on: a fresh SQLite file, or a fresh PostgreSQL schema selected
 * through the connection string (`?options=-c search_path=…`) when DATABASE_URL is postgres://.
 * Keys it prints are checked against the real SCIM app, in-process, on the same database.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import supertest from "supertest";
import { openDatabase, type Store } from "../db/connect.ts";
import { LATEST_MIGRATION } from "../db/migrate.ts";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import { createOrg } from "../src/org/orgs/orgs.ts";
import { emptyDatabaseUrl } from "./support/store.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const TSX = path.join(ROOT, "node_modules", ".bin", "tsx");
const CLI = path.join(ROOT, "src", "cli.ts");
const BIN = path.join(ROOT, "bin", "rollcall.mjs");
const PG = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "");
const KEY_LINE = /^rc_[A-Za-z0-9_-]{43}$/;

interface Result { code: number | null; stdout: string; stderr: string }

function run(file: string, args: string[], env: Record<string, string | undefined>, cwd = ROOT): Promise<Result> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.DATABASE_URL;
  for (const [k, v] of Object.entries(env)) if (v !== undefined) childEnv[k] = v;
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: childEnv, timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const lastLine = (text: string) => text.trimEnd().split("\n").at(-1) ?? "";

describe(`rollcall CLI (${PG ? "PostgreSQL" : "SQLite"})`, () => {
  let url = "";
  let store: Store;
  let http: ReturnType<typeof supertest>;
  let cleanup = async () => {};
  const cli = (...args: string[]) => run(TSX, [CLI, ...args], { DATABASE_URL: url });
  const scimStatus = async (key: string) => (await http.get("/scim/v2/Users").set("Authorization", `Bearer ${key}`)).status;

  before(async () => {
    ({ url, cleanup } = await emptyDatabaseUrl("cli"));
    // Not migrated here: the first test proves `migrate` does it.
    store = openDatabase(url, { pgPoolSize: 2 });
    http = supertest(createApp(store, loadConfig({}), { log: () => {} }));
  });
  after(async () => {
    await store?.close();
    await cleanup();
  });

  let acmeKey = "";
  let secondKey = "";
  let secondKeyId = "";

  it("migrate applies the migrations to an empty database", async () => {
    const first = await cli("migrate");
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`^applied: .*${LATEST_MIGRATION}$`, "m"));
    assert.deepEqual(await store.db.selectFrom("orgs").select("id").execute(), []);
  });

  it("org create prints the org's first API key as the last line, and the key works for SCIM", async () => {
    const r = await cli("org", "create", "acme");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /created organization "acme"/);
    acmeKey = lastLine(r.stdout);
    assert.match(acmeKey, KEY_LINE);
    assert.equal(await scimStatus(acmeKey), 200);
    const [row] = await store.db.selectFrom("api_keys").select(["hash", "prefix"]).execute();
    assert.notEqual(row!.hash, acmeKey, "stored hashed");
    assert.ok(acmeKey.startsWith(row!.prefix));
  });

  it("org create with a name differing only in case fails clearly, non-zero, creating nothing", async () => {
    const r = await cli("org", "create", "ACME");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: an organization named "ACME" already exists/);
    assert.doesNotMatch(r.stdout, /rc_/);
    assert.equal((await store.db.selectFrom("orgs").select("id").execute()).length, 1);
  });

  it("key create --org prints a new working key as the last line", async () => {
    const r = await cli("key", "create", "--org", "ACME", "--label", "okta");
    assert.equal(r.code, 0, r.stderr);
    secondKey = lastLine(r.stdout);
    assert.match(secondKey, KEY_LINE);
    assert.notEqual(secondKey, acmeKey);
    secondKeyId = r.stdout.match(/API key id ([0-9a-f-]{36})/)![1]!;
    assert.equal(await scimStatus(secondKey), 200);
  });

  it("key list --org shows ids and prefixes, never a secret", async () => {
    const r = await cli("key", "list", "--org", "acme");
    assert.equal(r.code, 0, r.stderr);
    const ids = (await store.db.selectFrom("api_keys").select(["id", "prefix"]).orderBy("created_at").execute());
    assert.equal(ids.length, 2);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 2);
    for (const [i, k] of ids.entries()) {
      assert.ok(lines[i]!.startsWith(`${k.id}  ${k.prefix}…`), lines[i]);
    }
    assert.match(r.stdout, /\(okta\)/);
    assert.ok(!r.stdout.includes(acmeKey) && !r.stdout.includes(secondKey), "no secret in the listing");
    assert.ok(!r.stdout.includes(acmeKey.slice(0, 20)), "not even most of one");
  });

  it("key revoke revokes: that key gets 401, the other still works", async () => {
    const r = await cli("key", "revoke", secondKeyId);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), `revoked ${secondKeyId}`);
    assert.equal(await scimStatus(secondKey), 401);
    assert.equal(await scimStatus(acmeKey), 200);
    const row = await store.db.selectFrom("api_keys").select("revoked_at").where("id", "=", secondKeyId).executeTakeFirstOrThrow();
    assert.ok(row.revoked_at);
  });

  it("an unknown org or key id is a clear error with exit status 1; migrate again is a no-op", async () => {
    const [org, key, again] = await Promise.all([
      cli("key", "create", "--org", "nope"),
      cli("key", "revoke", "00000000-0000-0000-0000-000000000000"),
      cli("migrate"),
    ]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), "database is up to date");
    assert.equal(org.code, 1);
    assert.equal(org.stderr.trim(), 'error: no organization named "nope"');
    assert.equal(org.stdout, "");
    assert.equal(key.code, 1);
    assert.equal(key.stderr.trim(), "error: This API key does not exist (it may have been deleted).");
  });

  const EXT = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User";
  const scimUser = async (userName: string, ext: Record<string, unknown> = {}) => {
    const res = await http.post("/scim/v2/Users").set("Authorization", `Bearer ${acmeKey}`).set("Content-Type", "application/scim+json")
      .send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ...(Object.keys(ext).length ? [EXT] : [])], userName, ...(Object.keys(ext).length ? { [EXT]: ext } : {}) });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  };
  const scimGet = async (id: string) => (await http.get(`/scim/v2/Users/${id}`).set("Authorization", `Bearer ${acmeKey}`)).body;
  let bossId = "";
  let adaId = "";

  it("member set-role changes the org role (a SCIM GET shows it); member list shows the members", async () => {
    bossId = await scimUser("boss", { organizationRole: "admin" });
    adaId = await scimUser("ada");
    const up = await cli("member", "set-role", "--org", "acme", "ADA", "admin");
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout.trim(), "ada is now admin");
    assert.equal((await scimGet(adaId))[EXT].organizationRole, "admin");
    const down = await cli("member", "set-role", "--org", "acme", "ada", "member");
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await scimGet(adaId))[EXT].organizationRole, "member");
    const ev = await store.db.selectFrom("audit_events").selectAll().where("target_id", "=", adaId).orderBy("id", "desc").executeTakeFirstOrThrow();
    assert.deepEqual([ev.action, ev.door, ev.actor], ["member.update", "cli", "operator"]);
    const list = await cli("member", "list", "--org", "acme");
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(list.stdout.trimEnd().split("\n"), [
      "ada  member  models full  weave full  active",
      "boss  admin  models full  weave full  active",
    ]);
  });

  it("demoting, deactivating or removing the last active admin is refused with exit 1, changing nothing", async () => {
    const rows = () => store.db.selectFrom("members").selectAll().orderBy("user_name_key").execute();
    const before = await rows();
    for (const [args, what] of [
      [["set-role", "--org", "acme", "boss", "member"], "change the org role of boss to member"],
      [["deactivate", "--org", "acme", "boss"], "deactivate boss"],
      [["remove", "--org", "acme", "boss"], "delete boss"],
    ] as const) {
      const r = await cli("member", ...args);
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, "");
      assert.equal(r.stderr.trim(), `error: cannot ${what}: they are the last active admin of the organization, and at least one active admin must remain; make another member an admin first`);
    }
    assert.deepEqual(await rows(), before);
    const boss = await scimGet(bossId);
    assert.deepEqual([boss.active, boss[EXT].organizationRole], [true, "admin"]);
  });

  it("member deactivate and remove work on a member who is not the last admin; unknown names and roles are refused", async () => {
    const off = await cli("member", "deactivate", "--org", "acme", "ada");
    assert.equal(off.code, 0, off.stderr);
    assert.equal((await scimGet(adaId)).active, false);
    const gone = await cli("member", "remove", "--org", "acme", "ada");
    assert.equal(gone.code, 0, gone.stderr);
    assert.equal(gone.stdout.trim(), "removed ada");
    assert.equal((await http.get(`/scim/v2/Users/${adaId}`).set("Authorization", `Bearer ${acmeKey}`)).status, 404);
    const [nobody, badRole, noName] = await Promise.all([
      cli("member", "remove", "--org", "acme", "ada"),
      cli("member", "set-role", "--org", "acme", "boss", "owner"),
      cli("member", "deactivate", "--org", "acme"),
    ]);
    assert.equal(nobody.code, 1);
    assert.equal(nobody.stderr.trim(), 'error: no member named "ada" in organization "acme"');
    assert.equal(badRole.code, 2);
    assert.match(badRole.stderr, /^the role must be one of admin, member, viewer\nusage: rollcall/);
    assert.equal(noName.code, 2);
    assert.match(noName.stderr, /^missing <userName>\nusage: rollcall/);
  });

  it("mapping add --dry-run true prints what a rule would change for whom and saves nothing; mapping add saves it, the same; mapping list shows it", async () => {
    const mapKey = (await createOrg(store.db, "mapco")).key.key; // an org of its own: the member tests below list acme's members
    const u = await http.post("/scim/v2/Users").set("Authorization", `Bearer ${mapKey}`).send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "mapped" });
    assert.equal(u.status, 201, JSON.stringify(u.body));
    const g = await http.post("/scim/v2/Groups").set("Authorization", `Bearer ${mapKey}`).send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "devs", members: [{ value: u.body.id }] });
    assert.equal(g.status, 201, JSON.stringify(g.body));
    const args = ["mapping", "add", "--org", "mapco", "--priority", "5", "--match", "scim-group:devs", "--weave-role", "viewer"];
    const dry = await cli(...args, "--dry-run", "true");
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^dry run: nothing saved\nmapped {2}weaveRole: full → viewer {2}\(rule /);
    assert.equal((await store.db.selectFrom("role_mappings").select("id").execute()).length, 0);
    const saved = await cli(...args);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout.split("\n")[1]!.replace(/\(rule .*\)/, ""), dry.stdout.split("\n")[1]!.replace(/\(rule .*\)/, ""));
    const list = await cli("mapping", "list", "--org", "mapco");
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /^5 {2}scim-group:devs {2}→ weave viewer/);
    const tie = await cli(...args);
    assert.equal(tie.code, 1);
    assert.match(tie.stderr, /priority 5 is already held/);
  });
});

describe("rollcall CLI command line (the installed bin)", () => {
  let dir = "";
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), "rollcall-bin-")); });
  after(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  it("--help exits 0 and prints the usage", async () => {
    const r = await run(process.execPath, [BIN, "--help"], {}, dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^usage: rollcall <command>/);
    for (const cmd of ["org create", "key create", "key list", "key revoke", "member list", "member set-role", "member deactivate", "member remove", "migrate"]) assert.ok(r.stdout.includes(cmd), cmd);
  });

  it("an unknown command or a missing argument prints the usage, exits 2, and opens no database", async () => {
    // DATABASE_URL unset and cwd empty: had either touched the database, ./data/rollcall.db would now exist.
    const [unknown, missing] = await Promise.all([
      run(process.execPath, [BIN, "frobnicate"], {}, dir),
      run(process.execPath, [BIN, "key", "list"], {}, dir),
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^unknown command: frobnicate\nusage: rollcall <command>/);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^missing --org <name>\nusage: rollcall/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

});
