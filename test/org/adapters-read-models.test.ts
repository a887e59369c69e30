/**
 * "Read models in src/org so adapters write no SQL of their own" (issue 9,
 * item 9), checked on the source: the admin API, the sign-in doors, the
 * console and the CLI query nothing themselves and read no `org_role`; they ask
 * src/org. (SCIM's filter → SQL compiler is the one documented translation in
 * src/scim: docs/architecture.md.)
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

function sources(p: string): string[] {
  if (!fs.statSync(p).isDirectory()) return [p];
  return fs.readdirSync(p).flatMap((name) => sources(path.join(p, name))).filter((f) => f.endsWith(".ts"));
}

const ADAPTERS = ["admin", "sso", "console", "cli.ts"].flatMap((p) => sources(path.join(SRC, p)));
const offenders = (pattern: RegExp, files = ADAPTERS) =>
  files.flatMap((f) => fs.readFileSync(f, "utf8").split("\n").map((line, i) => [line, i] as const)
    .filter(([line]) => pattern.test(line)).map(([line, i]) => `${path.relative(SRC, f)}:${i + 1}: ${line.trim()}`));

describe("adapters read through src/org (source check)", () => {
  it("the admin API, the sign-in doors, the console and the CLI build no query", () => {
    assert.ok(ADAPTERS.length > 20, "the adapters' sources were found");
    assert.deepEqual(offenders(/selectFrom|insertInto|updateTable|deleteFrom|replaceInto|sql`/), []);
  });
  it("no adapter reads the org_role column itself (SCIM included): it reads a view field", () => {
    assert.deepEqual(offenders(/\borg_role\b/, [...ADAPTERS, ...sources(path.join(SRC, "scim"))]), []);
  });
  it("the SCIM door queries only in its filter compiler and its list runner", () => {
    const scim = sources(path.join(SRC, "scim")).filter((f) => /selectFrom|insertInto|updateTable|deleteFrom|sql`/.test(fs.readFileSync(f, "utf8")));
    assert.deepEqual(scim.map((f) => path.relative(SRC, f)).sort(), ["scim/filter/compile.ts", "scim/list-resources.ts"]);
  });
});
