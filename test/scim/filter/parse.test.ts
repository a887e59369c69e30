import assert from "node:assert/strict";
import type { FilterNode } from "../../../src/scim/filter/ast.ts";
import {
  MAX_FILTER_COMPARISONS,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  parseAttrPath,
  parseFilter,
  parsePatchPath,
} from "../../../src/scim/filter/parse.ts";

const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

function ok(text: string): FilterNode {
  const r = parseFilter(text);
  if (!r.ok) assert.fail(`${text}: ${r.error.detail}`);
  return r.value;
}

function err(text: string): string {
  const r = parseFilter(text);
  if (r.ok) assert.fail(`${text} parsed: ${JSON.stringify(r.value)}`);
  assert.equal(r.error.scimType, "invalidFilter");
  return r.error.detail;
}

const eq = (attr: string, value: string): FilterNode => ({ kind: "compare", path: { attr }, op: "eq", value });

describe("parseFilter", () => {
  it("parses every comparison operator, case-insensitively", () => {
    for (const op of ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]) {
      assert.deepEqual(ok(`userName ${op.toUpperCase()} "x"`), { kind: "compare", path: { attr: "userName" }, op, value: "x" });
    }
    assert.deepEqual(ok("title Pr"), { kind: "present", path: { attr: "title" } });
  });

  it("reads literals: strings with escapes, numbers, true/false/null in any case", () => {
    const value = (text: string) => (ok(`a eq ${text}`) as { value: unknown }).value;
    assert.equal(value(String.raw`"q\"b\\s\u00e9\/\n"`), 'q"b\\sé/\n');
    assert.equal(value("TRUE"), true);
    assert.equal(value("False"), false);
    assert.equal(value("NULL"), null);
    assert.equal(value("-12.5e2"), -1250);
    assert.equal(value("0"), 0);
  });

  it("binds and tighter than or, left to right", () => {
    assert.deepEqual(ok('a eq "1" or b eq "2" and c eq "3"'), {
      kind: "or",
      left: eq("a", "1"),
      right: { kind: "and", left: eq("b", "2"), right: eq("c", "3") },
    });
    assert.deepEqual(ok('a eq "1" AND b eq "2" OR c eq "3"'), {
      kind: "or",
      left: { kind: "and", left: eq("a", "1"), right: eq("b", "2") },
      right: eq("c", "3"),
    });
  });

  it("parses parentheses and not ( … )", () => {
    assert.deepEqual(ok('not (a eq "1" or b eq "2") and c eq "3"'), {
      kind: "and",
      left: { kind: "not", expr: { kind: "or", left: eq("a", "1"), right: eq("b", "2") } },
      right: eq("c", "3"),
    });
    assert.deepEqual(ok('NOT(a eq "1")'), { kind: "not", expr: eq("a", "1") });
    assert.deepEqual(ok('((a eq "1"))'), eq("a", "1"));
    // "not" without "(" is an attribute name
    assert.deepEqual(ok('not eq "x"'), eq("not", "x"));
  });

  it("parses value paths and a trailing sub-attribute after one", () => {
    assert.deepEqual(ok('emails[type eq "work" and value co "@x"]'), {
      kind: "valuePath",
      path: { attr: "emails" },
      filter: { kind: "and", left: eq("type", "work"), right: { kind: "compare", path: { attr: "value" }, op: "co", value: "@x" } },
    });
    assert.deepEqual(ok('emails[type eq "work"].value eq "a@b"'), {
      kind: "valuePath",
      path: { attr: "emails" },
      filter: { kind: "and", left: eq("type", "work"), right: eq("value", "a@b") },
    });
    assert.deepEqual(ok('emails[primary eq true].display pr'), {
      kind: "valuePath",
      path: { attr: "emails" },
      filter: { kind: "and", left: { kind: "compare", path: { attr: "primary" }, op: "eq", value: true }, right: { kind: "present", path: { attr: "display" } } },
    });
  });

  it("parses URN-prefixed and dotted attribute paths", () => {
    assert.deepEqual(ok(`${USER_URN}:userName eq "x"`), { kind: "compare", path: { uri: USER_URN, attr: "userName" }, op: "eq", value: "x" });
    assert.deepEqual(ok(`${USER_URN}:name.familyName pr`), { kind: "present", path: { uri: USER_URN, attr: "name", sub: "familyName" } });
    assert.deepEqual(ok(`${ENTERPRISE_URN}:employeeNumber eq "7"`), {
      kind: "compare", path: { uri: ENTERPRISE_URN, attr: "employeeNumber" }, op: "eq", value: "7",
    });
    assert.deepEqual(ok(`${ENTERPRISE_URN}:manager.value eq "7"`), {
      kind: "compare", path: { uri: ENTERPRISE_URN, attr: "manager", sub: "value" }, op: "eq", value: "7",
    });
    assert.deepEqual(ok("meta.lastModified gt \"2024-01-01T00:00:00Z\""), {
      kind: "compare", path: { attr: "meta", sub: "lastModified" }, op: "gt", value: "2024-01-01T00:00:00Z",
    });
  });

  it("tolerates extra whitespace", () => {
    assert.deepEqual(ok('  ( userName   eq\t"x" )\n'), eq("userName", "x"));
  });

  it("reports what is wrong and where", () => {
    assert.match(err('userName eq "x" and'), /end of the filter/);
    assert.match(err('userName zz "x"'), /operator.*"zz" at position 9/);
    assert.match(err("userName eq bob"), /expected a value.*"bob" at position 12/);
    assert.match(err('userName eq "x'), /unterminated string starting at position 12/);
    assert.match(err('(userName eq "x"'), /"\)" to close "\(" at position 0/);
    assert.match(err('userName eq "x")'), /"\)" at position 15/);
    assert.match(err('userName eq "\\q"'), /invalid escape/);
    assert.match(err('emails[type eq "w"'), /"\]"/);
    assert.match(err('emails[a[b eq "1"]]'), /cannot nest/);
    assert.match(err('1abc eq "x"'), /invalid attribute path "1abc" at position 0/);
    assert.match(err('a.b.c eq "x"'), /invalid attribute path/);
    assert.match(err('ftp:x eq "x"'), /URN/);
    assert.match(err(""), /empty/);
    assert.match(err('userName eq "a" userName eq "b"'), /"userName" at position 16/);
  });

  it("refuses abusive filters quickly, with a clear detail", () => {
    const started = Date.now();
    assert.match(err(`userName eq "${"a".repeat(MAX_FILTER_LENGTH)}"`), /at most 4096/);
    assert.match(err(`${"(".repeat(MAX_FILTER_DEPTH + 1)}a eq "1"${")".repeat(MAX_FILTER_DEPTH + 1)}`), /nests deeper than 32/);
    assert.match(err(`${"not (".repeat(200)}a pr${")".repeat(200)}`), /nests deeper/);
    assert.match(err(Array.from({ length: MAX_FILTER_COMPARISONS + 1 }, (_, i) => `a eq "${i}"`).join(" or ")), /more than 64 comparisons/);
    assert.ok(Date.now() - started < 200);
    // the limits themselves are accepted
    ok(`${"(".repeat(MAX_FILTER_DEPTH)}a eq "1"${")".repeat(MAX_FILTER_DEPTH)}`);
    ok(Array.from({ length: MAX_FILTER_COMPARISONS }, (_, i) => `a eq "${i}"`).join(" or "));
  });

  it("parses a deeply grouped ~470-character filter in a few milliseconds", () => {
    let f = 'userName eq "a" or userName eq "b"';
    for (let i = 0; i < 10; i++) f = `(${f}) and (userName eq "c${i}" or userName ne "d")`;
    f = `(${f})`;
    assert.ok(f.length > 400 && f.length < 700, String(f.length));
    const started = performance.now();
    for (let i = 0; i < 10; i++) ok(f);
    assert.ok((performance.now() - started) / 10 < 20);
  });
});

describe("parseAttrPath", () => {
  it("splits URN, attribute and sub-attribute", () => {
    assert.deepEqual(parseAttrPath("userName"), { ok: true, value: { attr: "userName" } });
    assert.deepEqual(parseAttrPath("name.givenName"), { ok: true, value: { attr: "name", sub: "givenName" } });
    assert.deepEqual(parseAttrPath(`${ENTERPRISE_URN}:manager.$ref`), { ok: true, value: { uri: ENTERPRISE_URN, attr: "manager", sub: "$ref" } });
  });

  it("refuses malformed paths with invalidPath", () => {
    for (const bad of ["", "a b", "a.b.c", "emails[type eq \"x\"]", ".x"]) {
      const r = parseAttrPath(bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.equal(r.error.scimType, "invalidPath");
    }
  });
});

describe("parsePatchPath", () => {
  it("reads plain paths and value paths with an optional sub-attribute", () => {
    assert.deepEqual(parsePatchPath("name.familyName"), { ok: true, value: { path: { attr: "name", sub: "familyName" } } });
    assert.deepEqual(parsePatchPath('emails[type eq "work"]'), { ok: true, value: { path: { attr: "emails" }, filter: eq("type", "work") } });
    assert.deepEqual(parsePatchPath('members[value eq "2819c223"].display'), {
      ok: true,
      value: { path: { attr: "members" }, filter: eq("value", "2819c223"), sub: "display" },
    });
    assert.deepEqual(parsePatchPath(`${USER_URN}:emails[value eq "a]b"].primary`), {
      ok: true,
      value: { path: { uri: USER_URN, attr: "emails" }, filter: eq("value", "a]b"), sub: "primary" },
    });
  });

  it("refuses malformed paths with invalidPath", () => {
    for (const bad of ['emails[type eq "work"', 'emails[type eq "work"] x', 'emails.value[type eq "x"]', "emails[]", 'emails[type eq "w"].']) {
      const r = parsePatchPath(bad);
      assert.equal(r.ok, false, bad);
      if (!r.ok) assert.equal(r.error.scimType, "invalidPath");
    }
  });
});

describe("parseFilter: NUL characters (found by test/fuzz: a 500 on PostgreSQL)", () => {
  it("refuses a string literal containing U+0000, escaped or raw, as invalidFilter", () => {
    for (const f of ['userName eq "\\u0000"', 'members.value eq "a\\u0000"', `displayName co "x\u0000"`]) {
      const r = parseFilter(f);
      assert.equal(r.ok, false, JSON.stringify(f));
      if (!r.ok) assert.equal(r.error.scimType, "invalidFilter");
    }
  });
});
