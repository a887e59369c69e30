/**
 * "Exactly one caller of member creation" (docs/architecture.md, "The arrival decision"),
 * checked on the source: members are created, users created and login
 * identities linked only inside src/org/arrival/ (the invite step,
 * invites.ts `joinByInvite`, joins through the same join.ts).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src");

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

const callers = (pattern: RegExp) => sources(SRC).filter((f) => pattern.test(fs.readFileSync(f, "utf8"))).map((f) => path.relative(SRC, f)).sort();

describe("one entry point for arrivals (source check)", () => {
  it("member creation is called only from the arrival room's join step", () => {
    assert.deepEqual(callers(/\binsertMember\(/).filter((f) => f !== "org/members/members.ts"), ["org/arrival/join.ts"]);
  });
  it("users are created and login identities linked only in the arrival room", () => {
    assert.deepEqual(callers(/\binsertUser\(/), ["org/arrival/link.ts", "org/arrival/scim.ts"]);
    assert.deepEqual(callers(/insertInto\("identities"\)/), ["org/arrival/link.ts"]);
    assert.deepEqual(callers(/insertInto\("users"\)/), ["org/arrival/link.ts"]);
  });
  it("the doors call arrive(): SCIM create, OIDC, LDAP, invite acceptance (the e-mail door joins them)", () => {
    const doors = callers(/= await arrive\(/);
    for (const f of ["admin/me-routes.ts", "scim/users/operations.ts", "sso/ldap/routes.ts", "sso/oidc/routes.ts"]) assert.ok(doors.includes(f), `${f} calls arrive()`);
  });
});
