/**
 * The authorization matrix: every principal kind × every action × every door
 * that offers it (admin API with a key, admin API with a console session and
 * its CSRF token, SCIM with a key), asserting allowed (the success status) or
 * refused (403 with the policy's reason). The CLI door (the operator) is in
 * cli-door.test.ts. Runs on SQLite, and on PostgreSQL with DATABASE_URL.
 */
import assert from "node:assert/strict";
import type supertest from "supertest";
import { startTestApp, user, type TestApp } from "../support/app.ts";
import { createKey } from "../../src/org/security/keys.ts";
import { expectOk } from "../admin/principals.ts";
import { freshMember, makeCast, NAMES, unique, type Cast, type Caller, type Name } from "./cast.ts";

const ORG_WIDE: Name[] = ["orgAdmin", "orgSA", "operator"];
const MEMBERS: Name[] = ["orgAdmin", "member", "viewer", "teamAdmin", "customMgr"];
const EVERYONE_BUT_TEAM_SA: Name[] = [...MEMBERS, "orgSA", "operator"];

interface Row {
  action: string;
  /** who may; everyone else gets 403 */
  allowed: Name[];
  /** the status when allowed */
  ok: number;
  /** SCIM rows: keys only */
  scim?: boolean;
  /** a principal's request (prepares what it needs first) */
  send(c: Caller, cast: Cast): Promise<supertest.Response>;
}

let t: TestApp;

const ROWS: Row[] = [
  { action: "org:read-settings", allowed: EVERYONE_BUT_TEAM_SA, ok: 200, send: (c) => c.call("get", "/org") },
  { action: "org:change-settings", allowed: ORG_WIDE, ok: 200, send: (c) => c.call("patch", "/org", { teamJoiningAtSignup: true }) },
  // The operator passes the policy; the plan rule then refuses leaving enterprise while its features are in use (409).
  { action: "org:change-plan", allowed: ["operator"], ok: 409, send: (c) => c.call("patch", "/org", { plan: "standard" }) },
  { action: "seats:read", allowed: ORG_WIDE, ok: 200, send: (c) => c.call("get", "/seats") },
  { action: "members:read", allowed: EVERYONE_BUT_TEAM_SA, ok: 200, send: (c) => c.call("get", "/members") },
  { action: "member:change-access", allowed: ORG_WIDE, ok: 200, send: async (c) => c.call("patch", `/members/${await freshMember(t)}`, { weaveRole: "viewer" }) },
  { action: "member:remove", allowed: ORG_WIDE, ok: 204, send: async (c) => c.call("delete", `/members/${await freshMember(t)}`) },
  { action: "member:set-billing-admin", allowed: ORG_WIDE, ok: 200, send: async (c) => c.call("put", `/members/${await freshMember(t)}/billing-admin`, {}) },
  { action: "team:read (another team)", allowed: EVERYONE_BUT_TEAM_SA, ok: 200, send: (c, k) => c.call("get", `/teams/${k.beta}`) },
  { action: "team:read (its team)", allowed: [...EVERYONE_BUT_TEAM_SA, "teamSA"], ok: 200, send: (c, k) => c.call("get", `/teams/${k.alpha}/members`) },
  { action: "team:create", allowed: ORG_WIDE, ok: 201, send: (c) => c.call("post", "/teams", { name: unique("team") }) },
  { action: "team:delete", allowed: ORG_WIDE, ok: 204, send: async (c, k) => c.call("delete", `/teams/${expectOk(await k.admin.post("/teams", { name: unique("doomed") }), 201).id}`) },
  {
    action: "team:manage-members (alpha: add as member)", allowed: [...ORG_WIDE, "teamAdmin", "customMgr", "teamSA"], ok: 201,
    send: async (c, k) => c.call("put", `/teams/${k.alpha}/members/${await freshMember(t)}`, { role: "member" }),
  },
  {
    action: "team:manage-members (alpha: make a team admin)", allowed: [...ORG_WIDE, "teamAdmin", "teamSA"], ok: 201,
    send: async (c, k) => c.call("put", `/teams/${k.alpha}/members/${await freshMember(t)}`, { role: "admin" }),
  },
  {
    action: "team:manage-members (beta)", allowed: ORG_WIDE, ok: 201,
    send: async (c, k) => c.call("put", `/teams/${k.beta}/members/${await freshMember(t)}`, { role: "member" }),
  },
  { action: "team:manage-settings (alpha)", allowed: [...ORG_WIDE, "teamAdmin", "teamSA"], ok: 200, send: (c, k) => c.call("patch", `/teams/${k.alpha}`, { domainMatching: false }) },
  { action: "team:manage-settings (beta)", allowed: ORG_WIDE, ok: 200, send: (c, k) => c.call("patch", `/teams/${k.beta}`, { domainMatching: false }) },
  {
    action: "team:manage-service-accounts (alpha)", allowed: [...ORG_WIDE, "teamAdmin", "teamSA"], ok: 201,
    send: (c, k) => c.call("post", "/service-accounts", { name: unique("sa"), teamId: k.alpha }),
  },
  { action: "service-accounts:manage (org-scoped)", allowed: ORG_WIDE, ok: 201, send: (c) => c.call("post", "/service-accounts", { name: unique("org-sa") }) },
  { action: "service-accounts:list", allowed: [...ORG_WIDE, "teamAdmin", "teamSA"], ok: 200, send: (c) => c.call("get", "/service-accounts") },
  {
    action: "invite:create (member, into alpha)", allowed: [...ORG_WIDE, "teamAdmin", "customMgr", "teamSA"], ok: 201,
    send: (c, k) => c.call("post", "/invites", { email: `${unique("inv")}@example.com`, teamIds: [k.alpha] }),
  },
  {
    action: "invite:create (org admin)", allowed: ORG_WIDE, ok: 201,
    send: (c, k) => c.call("post", "/invites", { email: `${unique("adm")}@example.com`, orgRole: "admin", teamIds: [k.alpha] }),
  },
  { action: "invites:list", allowed: [...ORG_WIDE, "teamAdmin", "customMgr", "teamSA"], ok: 200, send: (c) => c.call("get", "/invites") },
  {
    action: "invite:manage (resend a member invite into alpha)", allowed: [...ORG_WIDE, "teamAdmin", "customMgr", "teamSA"], ok: 200,
    send: async (c, k) => c.call("post", `/invites/${expectOk(await k.admin.post("/invites", { email: `${unique("rs")}@example.com`, teamIds: [k.alpha] }), 201).id}/resend`),
  },
  {
    action: "invite:manage (resend an org-admin invite)", allowed: ORG_WIDE, ok: 200,
    send: async (c, k) => c.call("post", `/invites/${expectOk(await k.admin.post("/invites", { email: `${unique("ra")}@example.com`, orgRole: "admin", teamIds: [k.alpha] }), 201).id}/resend`),
  },
  { action: "domains:read", allowed: EVERYONE_BUT_TEAM_SA, ok: 200, send: (c) => c.call("get", "/domains") },
  { action: "domains:manage", allowed: ORG_WIDE, ok: 201, send: (c) => c.call("post", "/domains", { domain: `${unique("d")}.example` }) },
  { action: "roles:read", allowed: EVERYONE_BUT_TEAM_SA, ok: 200, send: (c) => c.call("get", "/roles") },
  { action: "roles:manage", allowed: ORG_WIDE, ok: 201, send: (c) => c.call("post", "/roles", { name: unique("role"), inheritedFrom: "viewer", permissions: [] }) },
  { action: "audit:read", allowed: ORG_WIDE, ok: 200, send: (c) => c.call("get", "/audit") },
  { action: "events:read", allowed: ORG_WIDE, ok: 200, send: (c) => c.call("get", "/event-receivers") },
  { action: "events:manage", allowed: ORG_WIDE, ok: 201, send: (c) => c.call("post", "/event-receivers", { url: "http://127.0.0.1:9/hook", format: "webhook" }) },
  {
    action: "member-keys:manage (revoke m-member's own key)", allowed: [...ORG_WIDE, "member"], ok: 204,
    send: async (c, k) => c.call("delete", `/keys/${(await createKey(t.store.db, { orgId: t.org.id, memberId: k.members.member.id, label: unique("own") })).id}`),
  },
  { action: "sso:manage", allowed: ORG_WIDE, ok: 404, send: (c) => c.call("get", "/sso/oidc") },
  { action: "scim-auth:manage", allowed: ORG_WIDE, ok: 200, send: (c) => c.call("get", "/oauth-clients") },
  { action: "role-mappings:read", allowed: ORG_WIDE, ok: 200, send: (c) => c.call("get", "/role-mappings") },
  { action: "scim-connections:manage", allowed: ORG_WIDE, ok: 200, send: (c) => c.call("get", "/scim-connections") },
  {
    action: "role-mappings:manage (dry run)", allowed: ORG_WIDE, ok: 200,
    send: (c) => c.call("post", "/role-mappings/dry-run", { priority: 1, match: { kind: "oidc-group", value: unique("g") }, weaveRole: "viewer" }),
  },
  { action: "me:read", allowed: [...MEMBERS, "operator"], ok: 200, send: (c) => c.call("get", "/me") },
  {
    action: "member:read-permissions (about m-member in alpha)", allowed: [...ORG_WIDE, "member", "teamSA"], ok: 200,
    send: (c, k) => c.call("post", "/authorize", { memberId: k.members.member.id, permission: "run:read", team: k.alpha }),
  },
  { action: "scim:read", scim: true, allowed: ["orgAdmin", "orgSA"], ok: 200, send: (c) => c.call("get", "/scim/v2/Users") },
  { action: "scim:write", scim: true, allowed: ["orgAdmin", "orgSA"], ok: 201, send: (c) => c.call("post", "/scim/v2/Users", user(unique("scim"))) },
];

describe(`access policy: the authorization matrix (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, () => {
  let cast: Cast;
  before(async () => {
    t = await startTestApp({ encryptionKey: Buffer.alloc(32, 7) }); // event receivers' secrets are stored encrypted
    cast = await makeCast(t);
  });
  after(async () => t?.close());

  it("covers every principal kind through each of its doors", () => {
    const seen = new Set(cast.callers.map((c) => `${c.name}/${c.door}`));
    for (const n of NAMES) assert.ok(seen.has(`${n}/${n === "operator" ? "session" : "key"}`), n);
    assert.equal(cast.callers.filter((c) => c.door === "session").length, 6);
  });

  for (const row of ROWS) {
    for (const door of row.scim ? (["key"] as const) : (["key", "session"] as const)) {
      it(`${row.action} — ${door === "key" ? (row.scim ? "SCIM" : "admin API, key") : "admin API, session + CSRF"}`, async () => {
        const callers = cast.callers.filter((c) => c.door === door);
        assert.ok(callers.length >= 6);
        for (const c of callers) {
          const res = await row.send(c, cast);
          const want = row.allowed.includes(c.name) ? row.ok : 403;
          assert.equal(res.status, want, `${c.name} via ${door}: ${res.status} ${res.text}`);
          if (want === 403) {
            const body = JSON.parse(res.text) as { detail: string };
            assert.match(String(res.headers["content-type"]), row.scim ? /application\/scim\+json/ : /application\/problem\+json/);
            assert.ok(body.detail.length > 20, `a refusal names why: ${body.detail}`);
          }
        }
      });
    }
  }

  it("a session without the CSRF header is refused for every change, whoever it is", async () => {
    for (const c of cast.callers.filter((x) => x.door === "session")) {
      const res = await c.withoutCsrf!("patch", "/org", { teamJoiningAtSignup: true });
      assert.equal(res.status, 403, `${c.name}: ${res.text}`);
      assert.match(JSON.parse(res.text).detail, /safety token/);
      assert.equal((await c.withoutCsrf!("get", "/org")).status, 200, `${c.name}: reads need no CSRF token`);
    }
    assert.equal((await t.http.patch("/api/v1/org").send({ teamJoiningAtSignup: true })).status, 401, "no cookie, no key");
  });
});


