import assert from "node:assert/strict";
import { applyPatch, GROUP_PATCH_SCHEMA, USER_PATCH_SCHEMA } from "../../../src/scim/patch/apply.ts";

const CORE = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const RC = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User";

const user = () => ({
  schemas: [CORE],
  id: "u-1",
  externalId: "ext-1",
  userName: "ann@example.com",
  name: { givenName: "Ann", familyName: "Lee" },
  active: true,
  emails: [
    { value: "ann@example.com", type: "work", primary: true },
    { value: "ann@home.example", type: "home" },
  ],
  groups: [{ value: "g-1", display: "Team" }],
  meta: { resourceType: "User", version: 'W/"3"' },
});

function ok(resource: Record<string, any>, ops: unknown, schema = USER_PATCH_SCHEMA) {
  const r = applyPatch(resource, ops, schema);
  if (!r.ok) assert.fail(`expected success, got ${r.error.scimType}: ${r.error.detail}`);
  return r.value;
}
function err(resource: Record<string, any>, ops: unknown, scimType: string, schema = USER_PATCH_SCHEMA) {
  const before = structuredClone(resource);
  const r = applyPatch(resource, ops, schema);
  assert.equal(r.ok, false, "expected an error");
  if (!r.ok) assert.equal(r.error.scimType, scimType, r.error.detail);
  assert.deepEqual(resource, before, "input must not change");
  return r.ok ? "" : r.error.detail;
}

describe("applyPatch: request shape", () => {
  it("rejects Operations that are not a non-empty array", () => {
    err(user(), { op: "add" }, "invalidSyntax");
    err(user(), [], "invalidSyntax");
  });
  it("rejects a missing or unknown op", () => {
    err(user(), [{ path: "title", value: "x" }], "invalidSyntax");
    err(user(), [{ op: "merge", path: "title", value: "x" }], "invalidSyntax");
    err(user(), ["add"], "invalidSyntax");
  });
  it("rejects add/replace without a value and a non-object path-less value", () => {
    err(user(), [{ op: "add", path: "title" }], "invalidValue");
    err(user(), [{ op: "replace", value: "x" }], "invalidValue");
  });
  it("is atomic: a failing later operation leaves the input untouched and returns no partial result", () => {
    const u = user();
    const detail = err(u, [{ op: "replace", path: "title", value: "CTO" }, { op: "replace", path: "id", value: "other" }], "mutability");
    assert.match(detail, /Operations\[1\]/);
    assert.equal((u as any).title, undefined);
  });
  it("never mutates its input on success", () => {
    const u = user();
    const out = ok(u, [{ op: "replace", path: "name.givenName", value: "Anna" }]);
    assert.equal(out.name.givenName, "Anna");
    assert.equal(u.name.givenName, "Ann");
  });
});

describe("applyPatch: add", () => {
  it("sets a single-valued attribute", () => {
    assert.equal(ok(user(), [{ op: "add", path: "title", value: "CTO" }]).title, "CTO");
  });
  it("appends to a multi-valued attribute and skips exact duplicates", () => {
    const out = ok(user(), [{ op: "add", path: "emails", value: [{ value: "a@new.example", type: "other" }, { value: "ann@home.example", type: "home" }] }]);
    assert.deepEqual(out.emails.map((e: any) => e.value), ["ann@example.com", "ann@home.example", "a@new.example"]);
  });
  it("merges a complex attribute, keeping sub-attributes not sent", () => {
    const out = ok(user(), [{ op: "add", path: "name", value: { middleName: "J" } }]);
    assert.deepEqual(out.name, { givenName: "Ann", familyName: "Lee", middleName: "J" });
  });
  it("without a path merges each attribute, and URN-keyed objects into their extension", () => {
    const out = ok(user(), [{ op: "add", value: { nickName: "A", name: { formatted: "Ann Lee" }, [ENT]: { department: "R&D" } } }]);
    assert.equal(out.nickName, "A");
    assert.equal(out.name.formatted, "Ann Lee");
    assert.equal(out.name.givenName, "Ann");
    assert.deepEqual(out[ENT], { department: "R&D" });
    assert.deepEqual(out.schemas, [CORE, ENT], "the extension URN is listed once it has data");
  });
  it("with a filter and sub-attribute sets it on the matching value (entra: changed work e-mail)", () => {
    const out = ok(user(), [{ op: "add", path: 'emails[type eq "work"].value', value: "ann.lee@example.com" }]);
    assert.equal(out.emails.length, 2);
    assert.deepEqual(out.emails[0], { value: "ann.lee@example.com", type: "work", primary: true });
  });
  it("with an equality filter that matches nothing creates the described value", () => {
    const out = ok(user(), [{ op: "add", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" }]);
    assert.deepEqual(out.phoneNumbers, [{ type: "mobile", value: "+1 555 0100" }]);
  });
  it("with a non-equality filter that matches nothing is noTarget", () => {
    err(user(), [{ op: "add", path: 'emails[value co "zzz"].type', value: "other" }], "noTarget");
  });
  it("rejects a value of the wrong type or an unknown sub-attribute", () => {
    err(user(), [{ op: "add", path: "active", value: "yes" }], "invalidValue");
    err(user(), [{ op: "add", path: "emails", value: [{ value: "x@y", colour: "red" }] }], "invalidValue");
    err(user(), [{ op: "add", path: "name", value: "Ann" }], "invalidValue");
  });
});

describe("applyPatch: replace", () => {
  it("replaces a multi-valued attribute wholesale when no filter is given", () => {
    const out = ok(user(), [{ op: "replace", path: "emails", value: [{ value: "only@example.com", type: "work" }] }]);
    assert.deepEqual(out.emails, [{ value: "only@example.com", type: "work" }]);
  });
  it("replaces a sub-attribute on filter matches only", () => {
    const out = ok(user(), [{ op: "replace", path: 'emails[type eq "home"].value', value: "new@home.example" }]);
    assert.equal(out.emails[1].value, "new@home.example");
    assert.equal(out.emails[0].value, "ann@example.com");
  });
  it("matches filter strings case-insensitively for caseExact=false sub-attributes", () => {
    const out = ok(user(), [{ op: "replace", path: 'emails[type eq "WORK"].value', value: "w@example.com" }]);
    assert.equal(out.emails[0].value, "w@example.com");
  });
  it("replaces the whole matching record when the filter has no sub-attribute", () => {
    const out = ok(user(), [{ op: "replace", path: 'emails[type eq "home"]', value: { value: "h2@example.com", type: "home" } }]);
    assert.deepEqual(out.emails[1], { value: "h2@example.com", type: "home" });
  });
  it("is noTarget when a filtered replace matches nothing (RFC 7644 §3.5.2.3)", () => {
    err(user(), [{ op: "replace", path: 'emails[type eq "other"].value', value: "x@y" }], "noTarget");
  });
  it("without a path replaces the listed attributes and merges complex ones", () => {
    const out = ok(user(), [{ op: "replace", value: { displayName: "Ann L", name: { familyName: "Li" }, active: false } }]);
    assert.equal(out.displayName, "Ann L");
    assert.deepEqual(out.name, { givenName: "Ann", familyName: "Li" });
    assert.equal(out.active, false);
  });
  it("null unassigns the attribute", () => {
    const out = ok({ ...user(), title: "CTO" }, [{ op: "replace", path: "title", value: null }]);
    assert.equal("title" in out, false);
  });
  it("treats a replace of an absent attribute as add", () => {
    assert.equal(ok(user(), [{ op: "replace", path: "nickName", value: "A" }]).nickName, "A");
  });
});

describe("applyPatch: remove", () => {
  it("requires a path (noTarget)", () => {
    err(user(), [{ op: "remove" }], "noTarget");
  });
  it("removes a single-valued attribute and a sub-attribute", () => {
    const out = ok(user(), [{ op: "remove", path: "externalId" }, { op: "remove", path: "name.familyName" }]);
    assert.equal("externalId" in out, false);
    assert.deepEqual(out.name, { givenName: "Ann" });
  });
  it("removes the values a filter selects, leaving the others", () => {
    const out = ok(user(), [{ op: "remove", path: 'emails[type eq "home"]' }]);
    assert.deepEqual(out.emails.map((e: any) => e.type), ["work"]);
  });
  it("drops the attribute when the last value goes; a filter that selects nothing is a noTarget, never a silent success", () => {
    const out = ok(user(), [{ op: "remove", path: 'emails[type eq "home" or type eq "work"]' }]);
    assert.equal("emails" in out, false);
    err(user(), [{ op: "remove", path: 'emails[type eq "home" or type eq "work"]' }, { op: "remove", path: 'emails[type eq "home"]' }], "noTarget");
    err(user(), [{ op: "remove", path: 'emails[type eq "other"]' }], "noTarget");
    err(user(), [{ op: "remove", path: 'phoneNumbers[type eq "work"]' }], "noTarget");
  });
  it("removes listed values of a multi-valued attribute (entra: remove with a value list)", () => {
    const out = ok(user(), [{ op: "remove", path: "emails", value: [{ value: "ANN@HOME.EXAMPLE" }] }]);
    assert.deepEqual(out.emails.map((e: any) => e.value), ["ann@example.com"]);
  });
  it("refuses to remove a required attribute", () => {
    err(user(), [{ op: "remove", path: "userName" }], "invalidValue");
    err(user(), [{ op: "replace", path: "userName", value: "" }], "invalidValue");
  });
});

describe("applyPatch: attribute names and schemas", () => {
  it("matches attribute names case-insensitively and writes the schema's spelling", () => {
    const out = ok(user(), [{ op: "replace", path: "NAME.GIVENNAME", value: "Anna" }, { op: "add", path: "DisplayName", value: "Anna L" }]);
    assert.equal(out.name.givenName, "Anna");
    assert.equal(out.displayName, "Anna L");
    assert.equal("DisplayName" in out, false);
    assert.equal("GIVENNAME" in out.name, false);
  });
  it("canonicalises sub-attribute spelling inside values", () => {
    const out = ok(user(), [{ op: "add", path: "phoneNumbers", value: [{ Value: "+1", TYPE: "work" }] }]);
    assert.deepEqual(out.phoneNumbers, [{ value: "+1", type: "work" }]);
  });
  it("accepts URN-prefixed paths into the enterprise extension", () => {
    const out = ok(user(), [
      { op: "add", path: `${ENT}:manager.value`, value: "u-9" },
      { op: "replace", path: `${ENT}:department`, value: "Ops" },
      { op: "replace", path: `${CORE}:title`, value: "Lead" },
    ]);
    assert.deepEqual(out[ENT], { manager: { value: "u-9" }, department: "Ops" });
    assert.equal(out.title, "Lead");
    assert.ok(out.schemas.includes(ENT));
  });
  it("removes an emptied extension object and its URN from schemas", () => {
    const u = { ...user(), schemas: [CORE, ENT], [ENT]: { department: "Ops" } };
    const out = ok(u, [{ op: "remove", path: `${ENT}:department` }]);
    assert.equal(ENT in out, false);
    assert.deepEqual(out.schemas, [CORE]);
  });
  it("writes the Rollcall extension defined in schemas/rollcall-user.json", () => {
    const out = ok(user(), [{ op: "add", path: `${RC}:teamRoles`, value: [{ teamName: "ml", roleName: "admin" }] }]);
    assert.deepEqual(out[RC], { teamRoles: [{ teamName: "ml", roleName: "admin" }] });
  });
  it("rejects unknown attributes, unknown schemas and filters on single-valued attributes", () => {
    err(user(), [{ op: "add", path: "favouriteColour", value: "red" }], "invalidPath");
    err(user(), [{ op: "add", path: "urn:example:unknown:1.0:User:x", value: "red" }], "invalidPath");
    err(user(), [{ op: "add", path: "name.nickname", value: "x" }], "invalidPath");
    err(user(), [{ op: "replace", path: 'title[value eq "x"]', value: "y" }], "invalidPath");
    err(user(), [{ op: "add", path: 'emails[type eq "work"', value: "y" }], "invalidPath");
  });
});

describe("applyPatch: mutability", () => {
  it("refuses to change id, meta or the readOnly groups", () => {
    err(user(), [{ op: "replace", path: "id", value: "u-2" }], "mutability");
    err(user(), [{ op: "remove", path: "meta" }], "mutability");
    err(user(), [{ op: "add", path: "groups", value: [{ value: "g-2" }] }], "mutability");
    err(user(), [{ op: "replace", path: "billingAdmin", value: true }], "invalidPath"); // extension attributes need their URN
    err(user(), [{ op: "replace", path: `${RC}:billingAdmin`, value: true }], "mutability");
  });
  it("accepts setting id to its current value as a no-op (okta: path-less replace with id)", () => {
    const out = ok(user(), [{ op: "replace", value: { id: "u-1", userName: "ann.lee@example.com" } }]);
    assert.equal(out.id, "u-1");
    assert.equal(out.userName, "ann.lee@example.com");
    err(user(), [{ op: "replace", value: { id: "u-2" } }], "mutability");
  });
  it("ignores a `schemas` key echoed in a path-less value", () => {
    const out = ok(user(), [{ op: "replace", value: { schemas: ["x"], title: "CTO" } }]);
    assert.deepEqual(out.schemas, [CORE]);
    assert.equal(out.title, "CTO");
  });
  it("drops server-managed sub-attributes such as manager.displayName", () => {
    const out = ok(user(), [{ op: "add", path: `${ENT}:manager`, value: { value: "u-9", displayName: "Boss" } }]);
    assert.deepEqual(out[ENT].manager, { value: "u-9" });
  });
});

describe("applyPatch: primary", () => {
  it("setting primary on one value clears it on the others", () => {
    const out = ok(user(), [{ op: "replace", path: 'emails[type eq "home"].primary', value: true }]);
    assert.deepEqual(out.emails.map((e: any) => e.primary === true), [false, true]);
  });
  it("a new primary value added demotes the old one", () => {
    const out = ok(user(), [{ op: "add", path: "emails", value: [{ value: "p@example.com", type: "other", primary: true }] }]);
    assert.deepEqual(out.emails.filter((e: any) => e.primary === true).map((e: any) => e.value), ["p@example.com"]);
  });
  it("rejects two primary values in one request", () => {
    err(user(), [{ op: "replace", path: "emails", value: [{ value: "a@x", primary: true }, { value: "b@x", primary: true }] }], "invalidValue");
  });
});

describe("applyPatch: groups (non-member attributes)", () => {
  const group = () => ({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], id: "g-1", displayName: "ML" });
  it("entra: replace displayName", () => {
    const out = ok(group(), [{ op: "Replace", path: "displayName", value: "ML Research" }], GROUP_PATCH_SCHEMA);
    assert.equal(out.displayName, "ML Research");
  });
  it("okta: path-less replace with the current id and a new displayName", () => {
    const out = ok(group(), [{ op: "replace", value: { id: "g-1", displayName: "Research" } }], GROUP_PATCH_SCHEMA);
    assert.deepEqual(out, { ...group(), displayName: "Research" });
  });
  it("refuses to remove displayName and writes the Rollcall group extension", () => {
    err(group(), [{ op: "remove", path: "displayName" }], "invalidValue", GROUP_PATCH_SCHEMA);
    const G = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Group";
    const out = ok(group(), [{ op: "replace", value: { [G]: { membersCanInvite: true } } }], GROUP_PATCH_SCHEMA);
    assert.deepEqual(out[G], { membersCanInvite: true });
  });
});
