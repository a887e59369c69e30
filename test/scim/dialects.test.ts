import assert from "node:assert/strict";
import { BOOLEAN_ATTRIBUTES, normalizePatchRequest, normalizeUserBody } from "../../src/scim/dialects.ts";
import { applyPatch, GROUP_PATCH_SCHEMA, USER_PATCH_SCHEMA, type PatchAttribute, type PatchSchema } from "../../src/scim/patch/apply.ts";
import { splitGroupPatch } from "../../src/scim/patch/members.ts";

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const RCG = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Group";

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });
const opsOf = (body: unknown) => (normalizePatchRequest(body) as { Operations: any[] }).Operations;

describe("entra: op case", () => {
  it('lower-cases "Replace", "Add" and "Remove"', () => {
    const ops = opsOf(patch({ op: "Replace", path: "title", value: "x" }, { op: "Add", path: "nickName", value: "y" }, { op: "Remove", path: "title" }));
    assert.deepEqual(ops.map((o) => o.op), ["replace", "add", "remove"]);
  });
});

describe("entra: string booleans", () => {
  it('path active with value "False" (soft delete)', () => {
    assert.deepEqual(opsOf(patch({ op: "Replace", path: "active", value: "False" })), [{ op: "replace", path: "active", value: false }]);
  });
  it('path-less { "active": "False" } and "true" in lower case', () => {
    assert.deepEqual(opsOf(patch({ op: "Replace", value: { active: "False" } }))[0].value, { active: false });
    assert.deepEqual(opsOf(patch({ op: "Replace", value: { active: "true" } }))[0].value, { active: true });
  });
  it("primary inside multi-valued values: roles, emails, filtered paths", () => {
    const ops = opsOf(patch(
      { op: "Add", path: "roles", value: [{ primary: "True", type: "WindowsAzureActiveDirectoryRole", display: "Admin", value: "Admin" }] },
      { op: "Replace", path: 'emails[type eq "work"].primary', value: "True" },
      { op: "Add", path: "urn:ietf:params:scim:schemas:core:2.0:User:phoneNumbers", value: [{ type: "mobile", value: "+1", primary: "False" }] },
    ));
    assert.equal(ops[0].value[0].primary, true);
    assert.equal(ops[1].value, true);
    assert.equal(ops[2].value[0].primary, false);
  });
  it("booleans of our extensions, keyed by URN or in a URN path", () => {
    const ops = opsOf(patch({ op: "Replace", value: { [RCG]: { membersCanInvite: "True" } } }, { op: "Replace", path: `${RCG}:domainMatching`, value: "False" }));
    assert.deepEqual(ops[0].value, { [RCG]: { membersCanInvite: true } });
    assert.equal(ops[1].value, false);
  });
  it("leaves non-boolean attributes and non-boolean strings alone", () => {
    const ops = opsOf(patch({ op: "Replace", value: { title: "True", active: "maybe", emails: [{ value: "false", primary: "yes" }] } }));
    assert.deepEqual(ops[0].value, { title: "True", active: "maybe", emails: [{ value: "false", primary: "yes" }] });
  });
  it("fixes a full User body for POST/PUT", () => {
    const body = {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User", ENT],
      externalId: "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
      userName: "Test_User_ab6490ee@testuser.com",
      active: "True",
      emails: [{ primary: "True", type: "work", value: "Test_User_fd0ea19b@testuser.com" }],
      addresses: [{ type: "work", locality: "Redmond", primary: "false" }],
      name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
      [ENT]: { department: "R&D", manager: "2819c223-7f76-453a-919d-413861904646" },
      roles: [],
    };
    const out = normalizeUserBody(body);
    assert.equal(out.active, true);
    assert.equal(out.emails[0].primary, true);
    assert.equal(out.addresses[0].primary, false);
    assert.deepEqual(out[ENT], { department: "R&D", manager: { value: "2819c223-7f76-453a-919d-413861904646" } });
    assert.equal(body.active, "True", "input is not mutated");
  });
});

describe("entra: path-less replace with attribute paths as keys", () => {
  const body = patch({ op: "Replace", value: {
    displayName: "Ann Lee",
    "name.givenName": "Ann",
    [`${ENT}:department`]: "X",
    'emails[type eq "work"].value': "a@b.c",
    active: "False",
  } });
  it("becomes one operation per path key, in order, plain keys kept together", () => {
    assert.deepEqual(opsOf(body), [
      { op: "replace", value: { displayName: "Ann Lee" } },
      { op: "replace", path: "name.givenName", value: "Ann" },
      { op: "replace", path: `${ENT}:department`, value: "X" },
      { op: "add", path: 'emails[type eq "work"].value', value: "a@b.c" },
      { op: "replace", value: { active: false } },
    ]);
  });
  it("applies to a user, creating the work e-mail when there is none", () => {
    const r = applyPatch({ id: "u", userName: "ann", name: { familyName: "Lee" } }, opsOf(body), USER_PATCH_SCHEMA);
    assert.ok(r.ok, r.ok ? "" : r.error.detail);
    assert.deepEqual(r.value, {
      id: "u", userName: "ann", name: { familyName: "Lee", givenName: "Ann" }, displayName: "Ann Lee",
      [ENT]: { department: "X" }, emails: [{ type: "work", value: "a@b.c" }], active: false,
    });
  });
  it("keeps URN-keyed extension objects (their URN contains a dot) in the path-less operation", () => {
    const value = { [ENT]: { department: "Y" }, title: "CTO" };
    assert.deepEqual(opsOf(patch({ op: "Add", value })), [{ op: "add", value }]);
  });
});

describe("entra: manager as a bare id", () => {
  it("a string value for the enterprise manager becomes { value }", () => {
    const ops = opsOf(patch({ op: "Add", path: `${ENT}:manager`, value: "2819c223-7f76-453a-919d-413861904646" }));
    assert.deepEqual(ops[0].value, { value: "2819c223-7f76-453a-919d-413861904646" });
    const r = applyPatch({ id: "u", userName: "ann" }, ops, USER_PATCH_SCHEMA);
    assert.ok(r.ok && r.value[ENT].manager.value === "2819c223-7f76-453a-919d-413861904646");
  });
});

describe("entra: member removal with a value list", () => {
  it('"Remove" path members with [{$ref, value}] reaches splitGroupPatch as a removal of those ids', () => {
    const ops = opsOf(patch({ op: "Remove", path: "members", value: [{ $ref: null, value: "id1" }, { value: "id2" }] }));
    assert.deepEqual(ops, [{ op: "remove", path: "members", value: [{ $ref: null, value: "id1" }, { value: "id2" }] }]);
    const split = splitGroupPatch(ops);
    assert.deepEqual(split, { ok: true, value: { memberOps: [{ kind: "remove", ids: ["id1", "id2"] }], otherOps: [] } });
  });
});

describe("okta: requests already in RFC form pass through unchanged", () => {
  it("deactivate, rename group, add and remove members", () => {
    const body = patch(
      { op: "replace", value: { active: false } },
      { op: "replace", value: { id: "g-1", displayName: "Research" } },
      { op: "add", path: "members", value: [{ value: "u-1", display: "ann@example.com" }] },
      { op: "remove", path: 'members[value eq "u-2"]' },
    );
    assert.deepEqual(normalizePatchRequest(body), body);
  });
});

describe("dialects: shapes it does not know", () => {
  it("returns non-PatchOp bodies unchanged and finds `operations` in any case", () => {
    assert.equal(normalizePatchRequest("nope"), "nope");
    const noOps = { schemas: [PATCH_OP] };
    assert.equal(normalizePatchRequest(noOps), noOps);
    const lower = normalizePatchRequest({ operations: [{ op: "Add", path: "title", value: "x" }] }) as any;
    assert.equal(lower.operations[0].op, "add");
    assert.equal(normalizeUserBody(null), null);
  });
});

describe("BOOLEAN_ATTRIBUTES", () => {
  it("lists exactly the boolean attributes of the User and Group schemas", () => {
    const found: string[] = [];
    const walk = (defs: PatchAttribute[], prefix: string, sep: string) => {
      for (const d of defs) {
        if (d.type === "boolean") found.push(prefix + sep + d.name);
        if (d.subAttributes) walk(d.subAttributes, prefix + sep + d.name, ".");
      }
    };
    for (const s of [USER_PATCH_SCHEMA, GROUP_PATCH_SCHEMA] as PatchSchema[]) {
      walk(s.core.attributes, "", "");
      for (const e of s.extensions) walk(e.attributes, e.id, ":");
    }
    assert.deepEqual([...BOOLEAN_ATTRIBUTES].sort(), found.sort());
  });
});
