/** `rollcall oauth-client create` as a real process on the suite's database; its client gets a token from the real app. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestApp } from "../support/app.ts";
import { basic, startOAuthApp, tokenRequest } from "./support.ts";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function cli(url: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "src", "cli.ts"), ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("rollcall oauth-client create", () => {
  let t: TestApp;
  before(async () => { t = await startOAuthApp(); });
  after(async () => t?.close());

  it("prints a client_id and a secret that get a token at the token endpoint", async () => {
    const r = await cli(t.store.url, "oauth-client", "create", "--org", t.org.name, "--name", "okta", "--lifetime-minutes", "30");
    assert.equal(r.code, 0, r.stderr);
    const clientId = /client_id: (\S+)/.exec(r.stdout)![1]!;
    const secret = r.stdout.trimEnd().split("\n").at(-1)!;
    assert.match(secret, /^rcs_/);
    const tok = await tokenRequest(t, { grant_type: "client_credentials" }, basic(clientId, secret));
    assert.equal(tok.status, 200, tok.text);
    assert.equal(tok.body.expires_in, 1800);
    const bad = await cli(t.store.url, "oauth-client", "create", "--org", t.org.name, "--lifetime-minutes", "soon");
    assert.equal(bad.code, 2);
  });
});
