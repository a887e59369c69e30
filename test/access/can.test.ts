/**
 * The decision itself, without HTTP: every action answers every principal kind
 * with a decision that says why (allowed: because; refused: what would allow it),
 * and a deactivated member may do nothing.
 */
import assert from "node:assert/strict";
import { ACTION_NAMES, type Action, type ActionTargets } from "../../src/org/access/actions.ts";
import { can, ensureCan } from "../../src/org/access/can.ts";
import type { MemberFacts } from "../../src/org/access/member-facts.ts";
import { memberPrincipal, operator, serviceAccountPrincipal, type Principal } from "../../src/org/access/principals.ts";
import { DomainError } from "../../src/org/errors.ts";

const TEAM = "team-1";
const facts = (over: Partial<MemberFacts>): MemberFacts => ({
  orgId: "o", memberId: "m", userName: "ada", orgRole: "member", active: true, modelsSeat: "full", weaveRole: "full", teams: new Map(), ...over,
});
const TARGETS: { [A in Action]: ActionTargets[A] } = {
  "org:read-settings": undefined, "org:change-settings": undefined, "org:change-plan": undefined, "seats:read": undefined, "members:read": undefined,
  "member:change-access": undefined, "member:remove": undefined, "member:set-billing-admin": undefined,
  "member:read-permissions": { memberId: "other", teamId: TEAM }, "team:read": { teamId: TEAM }, "team:create": undefined, "team:delete": undefined,
  "team:manage-members": { teamId: TEAM }, "team:manage-settings": { teamId: TEAM }, "team:manage-service-accounts": { teamId: TEAM },
  "invite:create": { orgRole: "member", teams: [{ teamId: TEAM }] }, "invites:list": undefined,
  "invite:read": { orgRole: "member", teams: [{ teamId: TEAM }] }, "invite:manage": { orgRole: "admin", teams: [{ teamId: TEAM }] },
  "domains:read": undefined, "domains:manage": undefined, "roles:read": undefined, "roles:manage": undefined, "audit:read": undefined, "events:read": undefined, "events:manage": undefined,
  "service-accounts:list": undefined, "service-accounts:manage": { teamId: null }, "member-keys:create": { memberId: "other" },
  "member-keys:manage": { memberId: "other" }, "sso:manage": undefined, "scim-auth:manage": undefined, "role-mappings:read": undefined, "role-mappings:manage": undefined, "scim-connections:manage": undefined, "scim:read": undefined, "scim:write": undefined, "me:read": undefined,
};
const decide = (p: Principal, a: Action) => (can as (p: Principal, a: Action, t?: unknown) => ReturnType<typeof can>)(p, a, TARGETS[a]);

describe("access policy: can()", () => {
  const principals: Record<string, Principal> = {
    admin: memberPrincipal(facts({ orgRole: "admin" })),
    member: memberPrincipal(facts({ teams: new Map([[TEAM, { teamId: TEAM, teamName: "ml", role: "member", customRole: null }]]) })),
    viewer: memberPrincipal(facts({ orgRole: "viewer", modelsSeat: "viewer", weaveRole: "viewer" })),
    orgSA: serviceAccountPrincipal("o", "k", "sa", null),
    teamSA: serviceAccountPrincipal("o", "k", "sa", TEAM),
    operator: operator("o"),
  };

  it("answers every action for every principal kind with a reason", () => {
    for (const a of ACTION_NAMES) {
      for (const [name, p] of Object.entries(principals)) {
        const d = decide(p, a);
        const text = d.allowed ? d.because : d.reason;
        assert.ok(text.length > 5, `${name} ${a}: ${JSON.stringify(d)}`);
      }
    }
  });

  it("the operator alone changes the plan; org admins do everything else org-wide", () => {
    for (const [name, p] of Object.entries(principals)) assert.equal(decide(p, "org:change-plan").allowed, name === "operator", name);
    for (const a of ["org:change-settings", "audit:read", "domains:manage", "roles:manage", "scim:write"] as const) {
      assert.equal(decide(principals.admin!, a).allowed, true, a);
      assert.equal(decide(principals.member!, a).allowed, false, a);
    }
  });

  it("a deactivated member may do nothing, not even as an admin", () => {
    const off = memberPrincipal(facts({ orgRole: "admin", active: false }));
    for (const a of ACTION_NAMES) {
      const d = decide(off, a);
      assert.equal(d.allowed, false, a);
      if (!d.allowed && a !== "org:change-plan") assert.match(d.reason, /deactivated/, a);
    }
  });

  it("ensureCan throws the domain forbidden error with the reason", () => {
    assert.throws(() => ensureCan(principals.member!, "audit:read"), (e: unknown) => e instanceof DomainError && e.kind === "forbidden" && /org admins/.test(e.message));
    assert.match(ensureCan(principals.admin!, "audit:read"), /org role admin/);
  });
});
