/**
 * Every refusal of the admin API says in plain words what to do (issue 12): a
 * representative walk of bad inputs through the real admin API — unknown fields,
 * wrong types, missing values, things that do not exist, rules that refuse, a body
 * that is not JSON — and no `detail` holds a
 * route, a UUID or a camelCase or snake_case field name. API clients get the fields
 * in `invalid-params` ({name, reason}, RFC 9457).
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { startTestApp, type TestApp } from "../support/app.ts";
import { assertPlain } from "../support/plain-words.ts";
import { addMember, API, as, expectOk, type TestMember } from "./principals.ts";

describe("admin API: refusals in plain words", function () {
  this.timeout(30_000);
  let t: TestApp;
  let admin: TestMember;
  const ghost = crypto.randomUUID();
  before(async () => {
    t = await startTestApp();
    admin = await addMember(t, "ada", "admin");
  });
  after(async () => { await t?.close(); });

  type Case = [string, "get" | "post" | "put" | "patch" | "delete", string, unknown?, RegExp?];
  const cases = (teamId: string, memberId: string, saId: string): Case[] => [
    ["unknown field", "patch", "/org", { autoProvision: false }, /does not take “auto provision”; leave it out/],
    ["wrong type", "patch", "/org", { autoProvisioning: "yes" }, /^The auto-provisioning must be true or false\.$/],
    ["a choice", "patch", "/org", { plan: 1 }, /^Choose the plan: standard or enterprise\.$/],
    ["a default team that does not exist", "patch", "/org", { defaultTeamId: ghost }],
    ["seat overflow", "patch", "/org", { seatOverflow: "wait" }],
    ["missing name", "post", "/teams", {}, /^Give the name\.$/],
    ["blank name", "post", "/teams", { name: "  " }, /must not be empty/],
    ["a team that does not exist", "delete", `/teams/${ghost}`, undefined, /team does not exist/],
    ["a member that does not exist", "get", `/members/${ghost}`],
    ["a member that does not exist (change)", "patch", `/members/${ghost}`, { orgRole: "member" }],
    ["a team role that is not one", "put", `/teams/${teamId}/members/${memberId}`, { role: 7 }],
    ["an org role that is not one", "post", "/invites", { email: "x@example.com", orgRole: "boss" }, /^Choose the org role: admin, member or viewer\.$/],
    ["invite to a team that does not exist", "post", "/invites", { email: "x@example.com", teamIds: [ghost] }],
    ["invite with a team role for a team that does not exist", "post", "/invites", { email: "x@example.com", teamRoles: [{ teamId: ghost, role: "member" }] }],
    ["invite to nobody", "post", "/invites", {}],
    ["a list item of the wrong type", "post", "/invites", { email: "x@example.com", teamIds: ["t", 7] }, /2nd of the teams/],
    ["a page size out of range", "get", "/members?limit=abc", undefined, /^The page size must be a whole number from 1 to 500\.$/],
    ["an unknown query parameter", "get", "/members?rol=admin"],
    ["a sort that is not one", "get", "/members?sort=bogus"],
    ["a service account in a team that does not exist", "post", "/service-accounts", { name: "ci", teamId: ghost }],
    ["a key that expired before it was made", "post", `/service-accounts/${saId}/keys`, { expiresAt: "2000-01-01T00:00:00Z" }],
    ["an OAuth client for an account that does not exist", "post", "/oauth-clients", { serviceAccountId: ghost, name: "okta" }],
    ["an OAuth client that does not exist", "delete", `/oauth-clients/${ghost}`],
    ["a federation without its issuer", "post", "/scim-federations", {}],
    ["a federation that does not exist", "delete", `/scim-federations/${ghost}`],
    ["a key that does not exist", "delete", `/keys/${ghost}`],
    ["an invite that does not exist", "delete", `/invites/${ghost}`],
    ["a domain that does not exist", "delete", `/domains/${ghost}`],
    ["an OIDC connection that is not there", "get", "/sso/oidc"],
    ["an OIDC connection without its secret", "put", "/sso/oidc", { issuer: "https://idp.example", clientId: "c" }],
    ["a bulk change that says nothing", "post", "/members/bulk", { ids: [memberId] }],
    ["a role mapping without a group", "post", "/role-mappings", {}],
    ["a SCIM connection with no rate", "post", "/scim-connections", { name: "okta", rateLimitPerMinute: 0 }],
    ["a custom role built on a role that is not one", "post", "/roles", { name: "Auditor", inheritedFrom: "boss" }],
    ["the last admin demoted", "patch", `/members/${admin.id}`, { orgRole: "member" }],
  ];

  it("walks bad inputs through the admin API: each detail is plain words, the fields are in invalid-params", async () => {
    const team = expectOk(await as(t, admin.key).post("/teams", { name: "Research", domainMatching: true }), 201);
    expectOk(await as(t, admin.key).patch("/org", { defaultTeamId: team.id }));
    const sa = expectOk(await as(t, admin.key).post("/service-accounts", { name: "okta" }), 201);
    const grace = await addMember(t, "grace");
    const failures: string[] = [];
    for (const [what, method, path, body, expected] of cases(team.id, grace.id, sa.id)) {
      const call = as(t, admin.key) as unknown as Record<string, (p: string, b?: object) => Promise<{ status: number; text: string }>>;
      const res = await call[method]!(path, (body ?? {}) as object);
      try {
        assert.ok(res.status >= 400 && res.status < 500, `${what}: ${res.status} ${res.text}`);
        const p = JSON.parse(res.text);
        assert.equal(typeof p.detail, "string", `${what}: ${res.text}`);
        assertPlain(p.detail, what);
        if (expected) assert.match(p.detail, expected, what);
      } catch (err) { failures.push((err as Error).message.split("\n")[0]!); }
    }
    assert.deepEqual(failures, []);
  });

  it("keeps the machine-readable part for API clients in invalid-params", async () => {
    const r = await as(t, admin.key).patch("/org", { nope: 2, autoProvisioning: null });
    const p = JSON.parse(r.text);
    assert.deepEqual(p["invalid-params"].map((x: { name: string }) => x.name).sort(), ["autoProvisioning", "nope"]);
    assert.match(p["invalid-params"].find((x: { name: string }) => x.name === "nope").reason, /^unknown field; allowed: .*autoProvisioning/);
    const q = JSON.parse((await as(t, admin.key).get("/members?limit=501")).text);
    assert.deepEqual(q["invalid-params"], [{ name: "limit", reason: "must be an integer from 1 to 500" }]);
  });

  it("a body that is not JSON is said plainly too", async () => {
    const res = await t.http.post(`${API}/teams`).set({ Authorization: `Bearer ${admin.key}` }).type("text/plain").send("name=x");
    assert.equal(res.status, 415);
    assertPlain(JSON.parse(res.text).detail, "not JSON");
  });
});
