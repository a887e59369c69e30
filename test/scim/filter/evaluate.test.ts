import assert from "node:assert/strict";
import { matches } from "../../../src/scim/filter/evaluate.ts";
import { parseFilter } from "../../../src/scim/filter/parse.ts";

const EXACT = new Set(["id", "externalid", "emails.display"]);
const caseExact = (path: string) => EXACT.has(path);

const user = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  id: "u1",
  userName: "Bjensen",
  externalId: "EXT-1",
  displayName: "",
  active: true,
  name: { givenName: "Barbara", familyName: "Jensen" },
  emails: [
    { value: "bjensen@Example.com", type: "work", primary: true },
    { value: "babs@jensen.org", type: "home", display: "Babs" },
  ],
  meta: { lastModified: "2024-03-01T00:00:00.000Z" },
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { employeeNumber: "701984", manager: { value: "m1" } },
  x: { empty: [], nothing: null },
  n: 5,
};

function m(filter: string, resource: Record<string, unknown> = user): boolean {
  const r = parseFilter(filter);
  if (!r.ok) assert.fail(r.error.detail);
  return matches(r.value, resource, caseExact);
}

describe("matches (in-memory filter evaluation)", () => {
  it("matches attribute names and case-insensitive strings regardless of case", () => {
    assert.ok(m('USERNAME eq "bjensen"'));
    assert.ok(m('name.FamilyName sw "jen"'));
    assert.ok(m('name.familyName ew "SEN"'));
    assert.ok(m('name.givenName co "arb"'));
    assert.ok(!m('userName eq "bjensen2"'));
  });

  it("respects caseExact attributes", () => {
    assert.ok(m('externalId eq "EXT-1"'));
    assert.ok(!m('externalId eq "ext-1"'));
    assert.ok(m('emails[display eq "Babs"]'));
    assert.ok(!m('emails[display eq "babs"]'));
  });

  it("matches multi-valued attributes when any value matches", () => {
    assert.ok(m('emails.value eq "BJENSEN@example.com"'));
    assert.ok(m('emails.type eq "home"'));
    assert.ok(m('emails eq "babs@jensen.org"')); // a complex value compares by its `value`
    assert.ok(!m('emails.type eq "other"'));
  });

  it("evaluates value paths on one value at a time", () => {
    assert.ok(m('emails[type eq "work" and value co "example"]'));
    assert.ok(!m('emails[type eq "home" and value co "example"]'));
    assert.ok(m('emails[type eq "work"].primary eq true'));
    assert.ok(!m('emails[type eq "home"].primary eq true'));
  });

  it("evaluates a value filter against one element, as PATCH does", () => {
    const r = parseFilter('type eq "WORK"');
    assert.ok(r.ok);
    const hits = user.emails.filter((e) => matches(r.value, e, caseExact));
    assert.deepEqual(hits.map((e) => e.value), ["bjensen@Example.com"]);
  });

  it("compares booleans, numbers and dateTimes", () => {
    assert.ok(m("active eq TRUE"));
    assert.ok(!m("active eq false"));
    assert.ok(m("active ne false"));
    assert.ok(!m('active eq "true"'));
    assert.ok(m("n gt 4") && m("n le 5") && !m("n lt 5"));
    assert.ok(m('meta.lastModified gt "2024-01-01T00:00:00Z"'));
    assert.ok(!m('meta.lastModified lt "2024-01-01T00:00:00Z"'));
  });

  it("follows pr semantics: null, empty string, empty array and empty object are absent", () => {
    assert.ok(m("userName pr"));
    assert.ok(!m("displayName pr"));
    assert.ok(!m("nickName pr"));
    assert.ok(!m("x.empty pr"));
    assert.ok(!m("x.nothing pr"));
    assert.ok(!m("x pr"));
    assert.ok(m("emails pr"));
    assert.ok(m("emails.display pr"));
    assert.ok(m("not (nickName pr)"));
  });

  it("treats ne as not-eq and eq null as absent", () => {
    assert.ok(m('nickName ne "x"'));
    assert.ok(m("nickName eq null"));
    assert.ok(m("userName ne null"));
    assert.ok(!m('userName ne "BJENSEN"'));
    assert.ok(!m('emails.type ne "home"')); // some email is home
  });

  it("handles not, and, or with the right precedence", () => {
    assert.ok(m('userName eq "x" or userName eq "bjensen" and active eq true'));
    assert.ok(!m('(userName eq "bjensen" or userName eq "x") and active eq false'));
    assert.ok(m('not (userName eq "x" or active eq false)'));
    assert.ok(!m('not (userName eq "bjensen" or active eq false)'));
    assert.ok(m('not (userName eq "bjensen" and active eq false)'));
  });

  it("reads URN-prefixed attributes from the core or an extension", () => {
    assert.ok(m('urn:ietf:params:scim:schemas:core:2.0:User:userName eq "bjensen"'));
    assert.ok(m('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984"'));
    assert.ok(m('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m1"'));
    assert.ok(!m('employeeNumber eq "701984"'));
  });

  it("never matches across types", () => {
    assert.ok(!m("userName eq 5"));
    assert.ok(!m('n eq "5"'));
    assert.ok(!m('active co "t"'));
  });
});
