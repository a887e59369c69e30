/** fast-check arbitraries for SCIM inputs: filters, PATCH operations, resource bodies, garbage. */
import fc from "fast-check";
import { ENTERPRISE_URN, GROUP_URN, PATCH_URN, USER_URN } from "./harness.ts";

/** Any string, including astral-plane and control characters. */
export const anyText = (maxLength = 40) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: "grapheme", maxLength }),
    fc.string({ unit: "binary", maxLength }),
    fc.constantFrom("", " ", "\u0000", "\uFFFF", "\uD800", "🦄", "Ä", "ß", "İ", "\u200B", "%", "\\", '"', "'", "[]", "()", "null", "NaN"),
  );

/** Printable ASCII (what an HTTP header can carry). */
export const headerText = (maxLength = 60) => fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });

const caseVariants = (word: string) => fc.constantFrom(word, word.toUpperCase(), word[0]!.toUpperCase() + word.slice(1));

export const ATTRIBUTES = [
  "userName", "displayName", "externalId", "id", "name.givenName", "name.familyName", "name.formatted", "active", "title",
  "emails", "emails.value", "emails.type", "emails.primary", "meta.created", "meta.lastModified", "meta.version", "meta.resourceType",
  "members", "members.value", "members.display", "members.type", "groups", "groups.value", "roles", "roles.value",
  `${USER_URN}:userName`, `${USER_URN}:emails.value`, `${GROUP_URN}:displayName`, `${ENTERPRISE_URN}:employeeNumber`, `${ENTERPRISE_URN}:manager`,
  "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User:orgRole", "urn:bogus:x", "x", "value", "type", "primary", "$ref",
];

export const attrPath = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...ATTRIBUTES) },
  { weight: 2, arbitrary: fc.constantFrom(...ATTRIBUTES).map((a) => (a.includes(":") ? a : a.toUpperCase())) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z$][\w$.:-]{0,20}$/) },
  { weight: 1, arbitrary: anyText(12) },
);

export const compareOp = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le") },
  { weight: 2, arbitrary: fc.constantFrom("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le").chain(caseVariants) },
  { weight: 1, arbitrary: fc.constantFrom("xx", "like", "==", "in", "pr", "and", "not", "") },
);

const isoDate = fc.date({ min: new Date("1900-01-01"), max: new Date("2200-01-01"), noInvalidDate: true }).map((d) => d.toISOString());

/** A filter literal: mostly well-formed, sometimes not. */
export const literal = fc.oneof(
  { weight: 6, arbitrary: anyText(20).map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: fc.constantFrom("true", "false", "TRUE", "False", "null", "NULL") },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true })).map(String) },
  { weight: 2, arbitrary: isoDate.map((d) => JSON.stringify(d)) },
  { weight: 1, arbitrary: fc.constantFrom('"unterminated', '"bad \\u12"', "'single'", '"\\"', "bareword", '""', '"\\ud800"', "1e999", "-0", "0x10") },
);

/** Grammar-aware filters: comparisons, presence, and/or/not, grouping, value paths. */
export const filterExpr: fc.Arbitrary<string> = fc.letrec<{ expr: string; atom: string }>((tie) => ({
  atom: fc.oneof(
    { weight: 6, arbitrary: fc.tuple(attrPath, compareOp, literal).map(([a, o, l]) => `${a} ${o} ${l}`) },
    { weight: 2, arbitrary: attrPath.map((a) => `${a} pr`) },
    {
      weight: 2,
      arbitrary: fc.tuple(fc.constantFrom("emails", "members", "roles", "addresses", "phoneNumbers", "groups", "x"), tie("expr"), fc.option(fc.constantFrom(".value", ".type", ".primary"), { nil: "" }))
        .map(([a, inner, sub]) => `${a}[${inner}]${sub}`),
    },
  ),
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 5, arbitrary: tie("atom") },
    { weight: 2, arbitrary: fc.tuple(tie("expr"), fc.constantFrom("and", "or", "AND", "Or"), tie("expr")).map(([a, op, b]) => `${a} ${op} ${b}`) },
    { weight: 1, arbitrary: tie("expr").map((e) => `not (${e})`) },
    { weight: 1, arbitrary: tie("expr").map((e) => `(${e})`) },
    { weight: 1, arbitrary: tie("expr").map((e) => `not ${e}`) },
  ),
})).expr;

/** Damages a string: inserts, deletes or truncates at random places. */
export const mutated = (src: fc.Arbitrary<string>) =>
  fc.tuple(src, fc.array(fc.tuple(fc.nat(), fc.constantFrom("insert", "delete", "truncate"), anyText(3)), { maxLength: 3 })).map(([s, edits]) => {
    let out = s;
    for (const [pos, kind, text] of edits) {
      const i = out.length ? pos % (out.length + 1) : 0;
      if (kind === "insert") out = out.slice(0, i) + text + out.slice(i);
      else if (kind === "delete") out = out.slice(0, i) + out.slice(i + 1);
      else out = out.slice(0, i);
    }
    return out;
  });

export const anyFilter = fc.oneof(
  { weight: 6, arbitrary: filterExpr },
  { weight: 3, arbitrary: mutated(filterExpr) },
  { weight: 1, arbitrary: anyText(60) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom("(", ")", "[", "]", "not", "and", "or", " ", '"', "eq", "pr", "userName", "."), { maxLength: 40 }).map((a) => a.join(" ")) },
);

/** Wrong-typed and odd JSON values. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, 0, -1, 1e308, "", "True", "False", "true", "false", [], {}, [null], { value: null }, "__proto__") },
  { weight: 1, arbitrary: fc.constantFrom({ __proto__: { polluted: true } }, JSON.parse('{"__proto__": {"polluted": true}}'), { constructor: { prototype: { x: 1 } } }) },
  { weight: 1, arbitrary: anyText(50) },
);

/** PATCH operation paths: plain, sub-attribute, value filters, extension URNs, Entra's shapes, garbage. */
export const patchPath = (ids: string[]) => fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(
    "userName", "displayName", "externalId", "active", "title", "name", "name.givenName", "name.familyName", "nickName", "locale",
    "emails", "emails.value", 'emails[type eq "work"].value', 'emails[type eq "work"]', 'emails[primary eq true].value', 'emails[value co "@"]',
    'phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].locality', "roles", 'roles[primary eq "True"].value', 'roles[type eq "True"]',
    "members", "members.value", `${ENTERPRISE_URN}:manager`, `${ENTERPRISE_URN}:employeeNumber`, `${ENTERPRISE_URN}:manager.value`,
    `${USER_URN}:userName`, `${GROUP_URN}:displayName`, "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User:orgRole",
    "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User:modelsSeat", "id", "meta", "meta.version", "schemas", "groups",
  ) },
  { weight: 2, arbitrary: fc.constantFrom(...(ids.length ? ids : ["x"])).map((id) => `members[value eq "${id}"]`) },
  { weight: 1, arbitrary: filterExpr.map((f) => `emails[${f}].value`) },
  { weight: 1, arbitrary: mutated(fc.constant('members[value eq "x"].display')) },
  { weight: 1, arbitrary: anyText(30) },
);

export const patchValue = (ids: string[]) => fc.oneof(
  { weight: 4, arbitrary: oddValue },
  { weight: 2, arbitrary: fc.constantFrom("False", "True", "false", "true", false, true) },
  { weight: 2, arbitrary: fc.subarray([...ids, "not-a-member", "00000000-0000-0000-0000-000000000000"]).map((vs) => vs.map((value) => ({ value }))) },
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom("active", "displayName", "name.givenName", "userName", "title", `${ENTERPRISE_URN}:manager`, 'emails[type eq "work"].value', "externalId", "members", "emails", "urn:x:y"), oddValue, { maxKeys: 3 }) },
  { weight: 1, arbitrary: fc.record({ givenName: oddValue, familyName: oddValue }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.array(fc.record({ value: oddValue, type: oddValue, primary: oddValue }, { requiredKeys: [] }), { maxLength: 3 }) },
);

export const patchOperation = (ids: string[]) => fc.oneof(
  { weight: 8, arbitrary: fc.record({
    op: fc.oneof(fc.constantFrom("add", "remove", "replace").chain(caseVariants), fc.constantFrom("move", "", "delete", 1 as unknown as string)),
    path: patchPath(ids),
    value: patchValue(ids),
  }, { requiredKeys: ["op"] }) },
  { weight: 1, arbitrary: oddValue },
);

export const patchBody = (ids: string[]) => fc.oneof(
  { weight: 8, arbitrary: fc.record({
    schemas: fc.oneof({ weight: 8, arbitrary: fc.constant([PATCH_URN]) }, { weight: 1, arbitrary: oddValue }),
    Operations: fc.oneof({ weight: 8, arbitrary: fc.array(patchOperation(ids), { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: oddValue }),
  }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: oddValue },
);

/** A body with deeply nested JSON under a given attribute, as raw text. */
export const deepJson = (schema: string, attributes: string[]) =>
  fc.tuple(fc.integer({ min: 10, max: 120 }), fc.constantFrom("[", '{"a":', '{"value":'), fc.constantFrom(...attributes)).map(([depth, open, attr]) => {
    const close = open === "[" ? "]" : "}";
    return `{"schemas":["${schema}"],"userName":"deep.x","displayName":"deep","${attr}":${open.repeat(depth)}1${close.repeat(depth)}}`;
  });

/** One time in 30 (fc.option's `freq` is the other way round: nil one time in `freq`). */
const rarely = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 29, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: a });

const hugeString = fc.tuple(fc.integer({ min: 1_000, max: 60_000 }), fc.constantFrom("a", "é", "🦄", "x\u0000")).map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

const userNames = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[a-z]{1,3}\.[a-z]{1,2}$/) },
  { weight: 1, arbitrary: anyText(30) },
  { weight: 1, arbitrary: oddValue },
);

/** A user body: a valid one with some attributes replaced by wrong or odd values. */
export const userBody = fc.record({
  base: fc.record({
    schemas: fc.oneof({ weight: 9, arbitrary: fc.constant([USER_URN]) }, { weight: 1, arbitrary: fc.constantFrom([USER_URN, ENTERPRISE_URN], [], ["urn:x"], USER_URN as unknown as string[]) }),
    userName: userNames,
    name: fc.oneof(fc.record({ givenName: anyText(10), familyName: anyText(10) }), oddValue),
    emails: fc.oneof(fc.array(fc.record({ value: fc.oneof(fc.emailAddress(), anyText(20)), type: fc.constantFrom("work", "home", "other"), primary: fc.boolean() }), { maxLength: 3 }), oddValue),
    active: fc.oneof(fc.boolean(), fc.constantFrom("True", "False"), oddValue),
  }, { requiredKeys: ["schemas"] }),
  extra: fc.dictionary(fc.constantFrom("externalId", "displayName", "title", "nickName", "roles", "groups", "phoneNumbers", "addresses", "password", "id", "meta", ENTERPRISE_URN, "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User", "userType", "locale", "timezone", "x509Certificates"), oddValue, { maxKeys: 3 }),
  huge: rarely(fc.tuple(fc.constantFrom("userName", "displayName", "title", "externalId"), hugeString)),
}).map(({ base, extra, huge }) => ({ ...base, ...extra, ...(huge ? { [huge[0]]: huge[1] } : {}) }));

export const groupBody = (ids: string[]) => fc.record({
  base: fc.record({
    schemas: fc.oneof({ weight: 9, arbitrary: fc.constant([GROUP_URN]) }, { weight: 1, arbitrary: oddValue }),
    displayName: fc.oneof({ weight: 5, arbitrary: fc.stringMatching(/^[a-z]{1,3}[ -]?[a-z]{0,2}$/) }, { weight: 1, arbitrary: anyText(20) }, { weight: 1, arbitrary: oddValue }),
    members: fc.oneof(patchValue(ids), fc.constant([])),
  }, { requiredKeys: ["schemas"] }),
  extra: fc.dictionary(fc.constantFrom("externalId", "id", "meta", "members", "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Group", "description"), oddValue, { maxKeys: 2 }),
  huge: rarely(fc.tuple(fc.constantFrom("displayName", "externalId"), hugeString)),
}).map(({ base, extra, huge }) => ({ ...base, ...extra, ...(huge ? { [huge[0]]: huge[1] } : {}) }));


const plainText = fc.oneof({ weight: 5, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z .-]{0,15}$/) }, { weight: 1, arbitrary: anyText(20) });
const opName = (op: string) => fc.oneof({ weight: 4, arbitrary: fc.constant(op) }, { weight: 1, arbitrary: caseVariants(op) });
const sometimesOdd = (v: fc.Arbitrary<unknown>) => fc.oneof({ weight: 6, arbitrary: v }, { weight: 1, arbitrary: oddValue });

/** Operations a real IdP sends to /Users (Entra and Okta shapes), with the occasional odd value. */
export const plausibleUserOperation = fc.oneof(
  fc.record({ op: opName("replace"), path: fc.constant("active"), value: sometimesOdd(fc.constantFrom("False", "True", true, false)) }),
  fc.record({ op: opName("replace"), value: sometimesOdd(fc.dictionary(fc.constantFrom("active", "displayName", "name.givenName", "name.familyName", "title", "externalId", `${ENTERPRISE_URN}:manager`, 'emails[type eq "work"].value'), fc.oneof(plainText, fc.constantFrom("False", "True")), { minKeys: 1, maxKeys: 3 })) }),
  fc.record({ op: opName("add"), path: fc.constantFrom("title", "displayName", "name.givenName", "name.familyName", "externalId", "nickName", `${ENTERPRISE_URN}:manager`, `${ENTERPRISE_URN}:department`), value: sometimesOdd(plainText) }),
  fc.record({ op: opName("add"), path: fc.constantFrom('emails[type eq "work"].value', 'emails[type eq "other"].value', 'phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].locality'), value: sometimesOdd(fc.oneof(fc.emailAddress(), plainText)) }),
  fc.record({ op: opName("remove"), path: fc.constantFrom(`${ENTERPRISE_URN}:manager`, "title", 'emails[type eq "other"]', "nickName", 'roles[primary eq "True"]', "name.givenName") }),
  fc.record({ op: opName("add"), path: fc.constantFrom("roles", 'roles[primary eq "True"].value'), value: sometimesOdd(fc.oneof(plainText, fc.constant([{ primary: "True", type: "WindowsAzureActiveDirectoryRole", value: "Admin" }]))) }),
  fc.record({ op: opName("replace"), path: fc.constantFrom("userName", "name", "emails"), value: sometimesOdd(fc.oneof(fc.stringMatching(/^[a-z]{1,3}\.[a-z]{1,2}$/), fc.record({ givenName: plainText, familyName: plainText }), fc.array(fc.record({ value: fc.emailAddress(), type: fc.constant("work"), primary: fc.boolean() }), { maxLength: 2 }))) }),
);

/** Operations a real IdP sends to /Groups: member deltas (Entra's value-list removal), renames. */
export const plausibleGroupOperation = (ids: string[]) => {
  const member = fc.constantFrom(...ids, "00000000-0000-0000-0000-000000000000", "not-a-uuid");
  return fc.oneof(
    fc.record({ op: opName("add"), path: fc.constant("members"), value: sometimesOdd(fc.array(member.map((value) => ({ value })), { minLength: 1, maxLength: 3 })) }),
    fc.record({ op: opName("remove"), path: member.map((id) => `members[value eq "${id}"]`) }),
    fc.record({ op: opName("remove"), path: fc.constant("members"), value: sometimesOdd(fc.array(member.map((value) => ({ value })), { minLength: 1, maxLength: 3 })) }),
    fc.record({ op: opName("replace"), path: fc.constantFrom("displayName", "externalId"), value: sometimesOdd(plainText) }),
    fc.record({ op: opName("replace"), value: sometimesOdd(fc.record({ displayName: plainText, externalId: plainText }, { requiredKeys: [] })) }),
    fc.record({ op: opName("replace"), path: fc.constant("members"), value: sometimesOdd(fc.array(member.map((value) => ({ value })), { maxLength: 3 })) }),
  );
};

export const plausiblePatch = (operation: fc.Arbitrary<unknown>) =>
  fc.array(operation, { minLength: 1, maxLength: 3 }).map((Operations) => ({ schemas: [PATCH_URN], Operations }));

/** Lengths just around and far over the bounds of src/org/bounds.ts, and the PostgreSQL btree limit (2,704 bytes). */
const EXTREME_LENGTHS = [255, 256, 257, 1025, 2_705, 10_000, 100_000];

/** Strings that break naive storage: NUL bytes, lone surrogates, multi-byte runs, and lengths over every bound. */
export const extremeString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("\u0000", "a\u0000b", "\u0000".repeat(300), "", " ", "\uD800", "\uDFFF", "İ".repeat(300), "€".repeat(1_000), "🦄".repeat(700), "%00", "%", "../..", "\r\n") },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...EXTREME_LENGTHS), fc.constantFrom("x", "é", "😀", "\u0000")).map(([n, c]) => c.repeat(c.length === 2 ? Math.ceil(n / 2) : n)) },
  { weight: 2, arbitrary: anyText(40) },
);

/**
 * Number literals as JSON text (JSON.stringify cannot write 1e400 or keep 2^63 exact):
 * wrap one in raw() and encode the body with rawJson().
 */
export const extremeNumberLiteral = fc.constantFrom(
  "9223372036854775808", "9223372036854775807", "-9223372036854775809", "18446744073709551616", "1e400", "-1e400", "1e308", "-1",
  "-0", "0.5", "1.0000000000000002", "4294967296", "2147483648", "1000000000", "1000000001", "9007199254740993", "1e-400", "1E2",
);
const RAW = "\u0001raw:";
export const raw = (literal: string) => `${RAW}${literal}`;
/** JSON.stringify, with raw() strings written as the bare literals they hold. */
export const rawJson = (v: unknown): string =>
  JSON.stringify(v).replace(/"\\u0001raw:([^"]*)"/g, (_m, lit: string) => lit);

/** Arrays far longer than any bound (multiValuedItems, groupMembersPerRequest), of `item`. */
export const hugeArray = <T>(item: (i: number) => T) =>
  fc.constantFrom(101, 1_000, 10_001, 20_000).map((n) => Array.from({ length: n }, (_, i) => item(i)));

/** Any extreme JSON value: strings, numbers, huge arrays, wrong shapes. */
export const extremeValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: extremeString },
  { weight: 3, arbitrary: extremeNumberLiteral.map(raw) },
  { weight: 2, arbitrary: hugeArray((i) => `v${i}`) },
  { weight: 1, arbitrary: hugeArray((i) => ({ value: `v${i}` })) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, {}, [], [null], { "": 1 }, { a: { b: { c: [] } } }, [[["x"]]]) },
);

/**
 * Extreme strings short enough for a URL (Node's HTTP parser answers a request line over 16 KB
 * itself with a 431, before any route): NUL bytes, bounds ±1, multi-byte runs. Generated at
 * their size, not filtered from extremeString, so a run does not spend its time on 100 KB strings.
 */
export const urlExtremeString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("\u0000", "a\u0000b", "\u0000".repeat(300), "", " ", "İ".repeat(300), "€".repeat(300), "🦄".repeat(100), "%00", "%", "../..", "\r\n") },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(254, 255, 256, 257, 1_024, 1_025, 2_705), fc.constantFrom("x", "é", "\u0000")).map(([n, c]) => c.repeat(c === "x" ? n : Math.min(n, 257))) },
  { weight: 2, arbitrary: anyText(40) },
);
