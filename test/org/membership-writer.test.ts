/**
 * "One function puts a member in a team and owns the revision bumps" (issue 9,
 * item 9), checked on the source: only src/org/teams/membership.ts writes
 * `team_members`, through kysely or raw SQL; everyone else calls it.
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

describe("one writer of team membership (source check)", () => {
  it("only teams/membership.ts inserts, updates or deletes team_members rows", () => {
    assert.deepEqual(callers(/(insertInto|updateTable|deleteFrom|replaceInto)\(\s*["'`]team_members\b/), ["org/teams/membership.ts"]);
    assert.deepEqual(callers(/\b(insert\s+into|update|delete\s+from)\s+["`]?team_members\b/i), []);
  });
  it("every membership writer calls it: arrival, group sync, joinable teams, invites, team admin, team roles, custom roles, SCIM groups", () => {
    const users = callers(/from "(\.\.?\/)+(teams\/)?membership\.ts"/);
    for (const f of [
      "org/arrival/arrive.ts", "org/arrival/group-sync.ts", "org/teams/joinable-teams.ts", "org/invites/grants.ts", "org/teams/team-admin.ts",
      "org/members/member-roles.ts", "org/roles/custom-roles.ts", "org/teams/teams.ts", "org/members/members.ts",
    ]) assert.ok(users.includes(f), `${f} writes membership through teams/membership.ts`);
  });
});
