import assert from "node:assert/strict";
import { splitGroupPatch, type MemberOp } from "../../../src/scim/patch/members.ts";
import { applyPatch, GROUP_PATCH_SCHEMA } from "../../../src/scim/patch/apply.ts";

const RCG = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Group";

function split(ops: unknown) {
  const r = splitGroupPatch(ops);
  if (!r.ok) assert.fail(`expected success, got ${r.error.scimType}: ${r.error.detail}`);
  return r.value;
}
function splitErr(ops: unknown, scimType: string): string {
  const r = splitGroupPatch(ops);
  assert.equal(r.ok, false, "expected an error");
  if (r.ok) return "";
  assert.equal(r.error.scimType, scimType, r.error.detail);
  return r.error.detail;
}
const members = (ops: unknown): MemberOp[] => split(ops).memberOps;

describe("okta: group push membership", () => {
  it("add path members with [{value, display}]", () => {
    assert.deepEqual(members([{ op: "add", path: "members", value: [{ value: "u-1", display: "ann@example.com" }, { value: "u-2", display: "bo@example.com", type: "User" }] }]),
      [{ kind: "add", ids: ["u-1", "u-2"] }]);
  });
  it('remove path members[value eq "id"]', () => {
    assert.deepEqual(members([{ op: "remove", path: 'members[value eq "u-1"]' }]), [{ kind: "removeSelected", selectors: ["u-1"] }]);
  });
  it("replace path members with a value list", () => {
    assert.deepEqual(members([{ op: "replace", path: "members", value: [{ value: "u-3" }] }]), [{ kind: "replace", ids: ["u-3"] }]);
  });
  it("path-less replace {id, displayName} is left for apply.ts, where the unchanged id is a no-op", () => {
    const op = { op: "replace", value: { id: "g-1", displayName: "Research" } };
    const { memberOps, otherOps } = split([op]);
    assert.deepEqual(memberOps, []);
    assert.deepEqual(otherOps, [op]);
    const r = applyPatch({ id: "g-1", displayName: "ML" }, otherOps, GROUP_PATCH_SCHEMA);
    assert.deepEqual(r, { ok: true, value: { id: "g-1", displayName: "Research" } });
  });
});

describe("entra: group membership", () => {
  it('"Add" path members with [{$ref: null, value}]', () => {
    assert.deepEqual(members([{ op: "Add", path: "members", value: [{ $ref: null, value: "f648f8d5ea4e4cd38e9c" }] }]),
      [{ kind: "add", ids: ["f648f8d5ea4e4cd38e9c"] }]);
  });
  it('"Remove" path members with a value list removes those members, not all', () => {
    assert.deepEqual(members([{ op: "Remove", path: "members", value: [{ $ref: null, value: "a" }, { value: "b" }] }]),
      [{ kind: "remove", ids: ["a", "b"] }]);
  });
  it('"Replace" path displayName goes to the other operations', () => {
    const { memberOps, otherOps } = split([{ op: "Replace", path: "displayName", value: "Renamed" }]);
    assert.deepEqual(memberOps, []);
    assert.equal(otherOps.length, 1);
  });
});

describe("splitGroupPatch", () => {
  it("remove path members without a value removes all; with an empty list removes nobody", () => {
    assert.deepEqual(members([{ op: "remove", path: "members" }]), [{ kind: "removeAll" }]);
    assert.deepEqual(members([{ op: "remove", path: "members", value: [] }]), []);
  });
  it('reads several `value eq` joined by "or"', () => {
    assert.deepEqual(members([{ op: "remove", path: 'members[value eq "a" or value eq "b" or VALUE eq "c"]' }]),
      [{ kind: "removeSelected", selectors: ["a", "b", "c"] }]);
  });
  it("keeps the order of member operations and de-duplicates ids within one", () => {
    assert.deepEqual(members([
      { op: "add", path: "members", value: [{ value: "a" }, { value: "a" }] },
      { op: "remove", path: 'members[value eq "b"]' },
      { op: "add", path: "members", value: { value: "c" } },
    ]), [{ kind: "add", ids: ["a"] }, { kind: "removeSelected", selectors: ["b"] }, { kind: "add", ids: ["c"] }]);
  });
  it("splits members off path-less add/replace values, keeping the other attributes", () => {
    const { memberOps, otherOps } = split([
      { op: "replace", value: { displayName: "X", members: [{ value: "u-1" }] } },
      { op: "add", value: { Members: [{ value: "u-2" }] } },
    ]);
    assert.deepEqual(memberOps, [{ kind: "replace", ids: ["u-1"] }, { kind: "add", ids: ["u-2"] }]);
    assert.deepEqual(otherOps, [{ op: "replace", value: { displayName: "X" } }]);
  });
  it("recognises the Group URN prefix and leaves look-alike attributes alone", () => {
    assert.deepEqual(members([{ op: "add", path: "urn:ietf:params:scim:schemas:core:2.0:Group:members", value: [{ value: "u" }] }]),
      [{ kind: "add", ids: ["u"] }]);
    const op = { op: "replace", path: `${RCG}:membersCanInvite`, value: true };
    assert.deepEqual(split([op]), { memberOps: [], otherOps: [op] });
    const lookAlike = { op: "add", path: "membersCount", value: 1 };
    assert.deepEqual(split([lookAlike]), { memberOps: [], otherOps: [lookAlike] });
  });
  it("rejects member values that are not non-empty strings (invalidValue)", () => {
    splitErr([{ op: "add", path: "members", value: [{ value: "" }] }], "invalidValue");
    splitErr([{ op: "add", path: "members", value: [{ value: 42 }] }], "invalidValue");
    splitErr([{ op: "add", path: "members", value: [{ display: "no id" }] }], "invalidValue");
    splitErr([{ op: "add", path: "members", value: ["u-1"] }], "invalidValue");
  });
  it("rejects nested groups with a detail that says so", () => {
    const detail = splitErr([{ op: "add", path: "members", value: [{ value: "g-2", type: "Group" }] }], "invalidValue");
    assert.match(detail, /nested groups are not supported/);
  });
  it("rejects member filters other than `value eq` (invalidFilter) and other member paths (invalidPath)", () => {
    assert.match(splitErr([{ op: "remove", path: 'members[display eq "Ann"]' }], "invalidFilter"), /value eq/);
    splitErr([{ op: "remove", path: 'members[value ne "a"]' }], "invalidFilter");
    splitErr([{ op: "remove", path: 'members[value eq "a" and type eq "User"]' }], "invalidFilter");
    splitErr([{ op: "replace", path: 'members[value eq "a"]', value: [{ value: "b" }] }], "invalidPath");
    splitErr([{ op: "replace", path: "members.display", value: "x" }], "invalidPath");
    splitErr([{ op: "remove", path: 'members[value eq "a"' }], "invalidPath");
  });
  it("rejects a malformed request shape (invalidSyntax) and names the failing operation", () => {
    splitErr({ op: "add" }, "invalidSyntax");
    splitErr([], "invalidSyntax");
    const detail = splitErr([{ op: "add", path: "members", value: [] }, { op: "delete", path: "members" }], "invalidSyntax");
    assert.match(detail, /Operations\[1\]/);
  });
});
