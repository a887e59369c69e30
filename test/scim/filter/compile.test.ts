/** The filter compiler against a real database (SQLite, or PostgreSQL with DATABASE_URL). */
import assert from "node:assert/strict";
import type { Store } from "../../../db/connect.ts";
import {
  compileFilter,
  GROUP_ATTRIBUTES,
  sortExpression,
  USER_ATTRIBUTES,
  type AttributeMap,
} from "../../../src/scim/filter/compile.ts";
import { parseFilter } from "../../../src/scim/filter/parse.ts";
import { openTestStore } from "../../support/store.ts";

const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group";
const NOW = "2024-01-01T00:00:00.000Z";

interface Person {
  id: string;
  org?: string;
  userName: string;
  externalId?: string;
  displayName?: string;
  given?: string;
  family?: string;
  active: boolean;
  updated: string;
  emails: { value: string; type: string | null; primary: boolean }[];
}

const PEOPLE: Person[] = [
  {
    id: "m1", userName: "Alice.Smith", externalId: "EXT-1", displayName: "Alice Smith", given: "Alice", family: "Smith",
    active: true, updated: "2024-03-01T00:00:00.000Z",
    emails: [{ value: "Alice@Example.com", type: "work", primary: true }, { value: "alice@home.org", type: "home", primary: false }],
  },
  {
    id: "m2", userName: "bob", externalId: "ext-1", given: "Bob", active: false, updated: "2024-06-01T00:00:00.000Z",
    emails: [{ value: "bob@example.com", type: "Work", primary: true }],
  },
  { id: "m3", userName: "100%_real", displayName: "Percent", family: "O'Brien", active: true, updated: "2025-01-01T00:00:00.000Z", emails: [] },
  {
    id: "m4", userName: "carol\\x", externalId: "'; drop table members; --", displayName: "Carol", given: "carol", family: "SMITH",
    active: true, updated: "2023-12-31T23:59:59.000Z", emails: [{ value: "c@x.io", type: null, primary: false }],
  },
  // another org with a look-alike: never returned, the caller scopes by org
  { id: "m5", org: "o2", userName: "alice.smith", active: true, updated: NOW, emails: [{ value: "alice@example.com", type: "work", primary: true }] },
];

const TEAMS = [
  { id: "t1", name: "Engineering", externalId: "G-1", updated: "2024-05-01T00:00:00.000Z", members: ["m1", "m2"] },
  { id: "t2", name: "Sales", externalId: null, updated: "2023-01-01T00:00:00.000Z", members: ["m3"] },
  { id: "t3", name: "Empty", externalId: null, updated: "2023-01-01T00:00:00.000Z", members: [] },
];

let store: Store;

async function seed(db: Store["db"]): Promise<void> {
  for (const org of ["o1", "o2"]) {
    await db.insertInto("orgs").values({ id: org, name: org, name_key: org, slug: org, created_at: NOW, updated_at: NOW }).execute();
  }
  for (const p of PEOPLE) {
    await db.insertInto("users").values({ id: `u-${p.id}`, created_at: NOW, updated_at: NOW }).execute();
    await db.insertInto("members").values({
      id: p.id, org_id: p.org ?? "o1", user_id: `u-${p.id}`,
      user_name: p.userName, user_name_key: p.userName.toLowerCase(),
      external_id: p.externalId ?? null,
      display_name: p.displayName ?? null, display_name_key: p.displayName?.toLowerCase() ?? null,
      given_name: p.given ?? null, family_name: p.family ?? null,
      active: p.active ? 1 : 0, resource: "{}", revision: 1, created_at: NOW, updated_at: p.updated,
    }).execute();
    for (const [position, e] of p.emails.entries()) {
      await db.insertInto("member_emails").values({
        member_id: p.id, org_id: p.org ?? "o1", position, value: e.value, value_key: e.value.toLowerCase(),
        type: e.type, is_primary: e.primary ? 1 : 0,
      }).execute();
    }
  }
  for (const t of TEAMS) {
    await db.insertInto("teams").values({
      id: t.id, org_id: "o1", display_name: t.name, name_key: t.name.toLowerCase(), external_id: t.externalId,
      revision: 1, created_at: NOW, updated_at: t.updated,
    }).execute();
    for (const member of t.members) {
      await db.insertInto("team_members").values({ team_id: t.id, member_id: member, org_id: "o1", created_at: NOW }).execute();
    }
  }
}

function compiled(filter: string, map: AttributeMap) {
  const parsed = parseFilter(filter);
  if (!parsed.ok) assert.fail(`${filter}: ${parsed.error.detail}`);
  const c = compileFilter(parsed.value, map);
  if (!c.ok) assert.fail(`${filter}: ${c.error.detail}`);
  return c.value;
}

async function users(filter: string): Promise<string[]> {
  const rows = await store.db.selectFrom("members as m").select("m.id").where("m.org_id", "=", "o1").where(compiled(filter, USER_ATTRIBUTES)).execute();
  return rows.map((r) => r.id).sort();
}

async function groups(filter: string): Promise<string[]> {
  const rows = await store.db.selectFrom("teams as t").select("t.id").where("t.org_id", "=", "o1").where(compiled(filter, GROUP_ATTRIBUTES)).execute();
  return rows.map((r) => r.id).sort();
}

/** Asserts each filter selects exactly the given ids. */
async function expectUsers(cases: [string, string[]][]): Promise<void> {
  for (const [filter, ids] of cases) assert.deepEqual(await users(filter), ids, filter);
}

function invalid(filter: string, map: AttributeMap = USER_ATTRIBUTES): string {
  const parsed = parseFilter(filter);
  const c = parsed.ok ? compileFilter(parsed.value, map) : parsed;
  if (c.ok) assert.fail(`${filter} compiled`);
  assert.equal(c.error.scimType, "invalidFilter", filter);
  return c.error.detail;
}

describe(`compileFilter (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, () => {
  before(async () => {
    store = await openTestStore();
    await seed(store.db);
  });
  after(async () => {
    await store?.close();
  });

  it("eq/ne on userName are case-insensitive", () =>
    expectUsers([
      ['userName eq "ALICE.SMITH"', ["m1"]],
      ['userName eq "Bob"', ["m2"]],
      ['userName ne "BOB"', ["m1", "m3", "m4"]],
    ]));

  it("co/sw/ew match case-insensitively and treat % _ \\ literally", () =>
    expectUsers([
      ['userName co "SMI"', ["m1"]],
      ['userName sw "al"', ["m1"]],
      ['userName ew "X"', ["m4"]],
      ['userName co "%"', ["m3"]],
      ['userName co "_"', ["m3"]],
      ['userName sw "100%"', ["m3"]],
      ['userName co "\\\\"', ["m4"]],
      ['userName co "ce.sm"', ["m1"]],
      ['userName co "e_s"', []],
    ]));

  it("gt/ge/lt/le compare strings", () =>
    expectUsers([
      ['userName gt "bob"', ["m4"]],
      ['userName ge "BOB"', ["m2", "m4"]],
      ['userName lt "b"', ["m1", "m3"]],
      ['userName le "bob"', ["m1", "m2", "m3"]],
    ]));

  it("externalId is case-exact", () =>
    expectUsers([
      ['externalId eq "EXT-1"', ["m1"]],
      ['externalId eq "ext-1"', ["m2"]],
      ['externalId sw "EXT"', ["m1"]],
      ['externalId ne "EXT-1"', ["m2", "m3", "m4"]],
    ]));

  it("displayName and name parts are case-insensitive, absent values never match", () =>
    expectUsers([
      ['displayName eq "alice SMITH"', ["m1"]],
      ['displayName co "c"', ["m1", "m3", "m4"]],
      ['displayName co "CENT"', ["m3"]],
      ['name.givenName eq "ALICE"', ["m1"]],
      ['name.givenName eq "carol"', ["m4"]],
      ['name.familyName eq "smith"', ["m1", "m4"]],
      ['name.familyName sw "S"', ["m1", "m4"]],
      ['name.familyName co "\'"', ["m3"]],
      ['name.familyName gt "a"', ["m1", "m3", "m4"]],
    ]));

  it("pr, not pr, eq null and absent attributes under not", () =>
    expectUsers([
      ["externalId pr", ["m1", "m2", "m4"]],
      ["not (externalId pr)", ["m3"]],
      ["externalId eq null", ["m3"]],
      ["externalId ne null", ["m1", "m2", "m4"]],
      ["displayName pr", ["m1", "m3", "m4"]],
      ["name pr", ["m1", "m2", "m3", "m4"]],
      ['not (externalId eq "EXT-1")', ["m2", "m3", "m4"]],
      ['not (displayName eq "carol")', ["m1", "m2", "m3"]],
      ['not (name.givenName co "a")', ["m2", "m3"]],
      ['not (name.familyName lt "t")', ["m2"]],
      ["active pr", ["m1", "m2", "m3", "m4"]],
    ]));

  it("booleans accept true/false in any case", () =>
    expectUsers([
      ["active eq true", ["m1", "m3", "m4"]],
      ["active eq TRUE", ["m1", "m3", "m4"]],
      ["active eq False", ["m2"]],
      ["active ne true", ["m2"]],
    ]));

  it("and binds tighter than or; parentheses override", () =>
    expectUsers([
      ['userName eq "alice.smith" or userName eq "bob" and active eq false', ["m1", "m2"]],
      ['(userName eq "alice.smith" or userName eq "bob") and active eq false', ["m2"]],
      ['active eq false and userName eq "bob" or userName eq "carol\\\\x"', ["m2", "m4"]],
      ['userName eq "x" OR NOT (active eq true) AND externalId pr', ["m2"]],
    ]));

  it("not (A or B) and not (A and B) are exact complements", () =>
    expectUsers([
      ['not (userName eq "bob" or externalId eq "EXT-1")', ["m3", "m4"]],
      ['not (active eq true and externalId pr)', ["m2", "m3"]],
      ['not (displayName co "a" or name.givenName co "a")', ["m2", "m3"]],
      ['not (not (externalId sw "e"))', ["m2"]],
    ]));

  it("emails: case-insensitive values, any value matches, not is NOT EXISTS", () =>
    expectUsers([
      ['emails.value eq "alice@example.com"', ["m1"]],
      ['emails eq "BOB@EXAMPLE.COM"', ["m2"]],
      ['emails.value ew "example.com"', ["m1", "m2"]],
      ['emails co "@"', ["m1", "m2", "m4"]],
      ["emails pr", ["m1", "m2", "m4"]],
      ["not (emails pr)", ["m3"]],
      ['not (emails.value eq "alice@example.com")', ["m2", "m3", "m4"]],
      ['emails.value ne "bob@example.com"', ["m1", "m3", "m4"]],
      ['emails.type eq "WORK"', ["m1", "m2"]],
      ["emails.type pr", ["m1", "m2"]],
      ["emails.primary eq true", ["m1", "m2"]],
    ]));

  it("emails[…] applies all conditions to the same email", () =>
    expectUsers([
      ['emails[type eq "work" and value sw "alice"]', ["m1"]],
      ['emails[type eq "home" and value co "example"]', []],
      ['emails[type eq "work"]', ["m1", "m2"]],
      ['emails[not (type eq "work")]', ["m1", "m4"]],
      ['emails[primary eq false]', ["m1", "m4"]],
      ['emails[type eq "work"].value eq "bob@example.com"', ["m2"]],
      ['emails[type eq "home"].value eq "bob@example.com"', []],
      ['not (emails[type eq "work"])', ["m3", "m4"]],
      ['emails[type eq "work" or type eq "home"] and active eq true', ["m1"]],
    ]));

  it("accepts URN-prefixed attribute names", () =>
    expectUsers([
      [`${USER_URN}:userName eq "bob"`, ["m2"]],
      [`${USER_URN}:name.familyName eq "smith"`, ["m1", "m4"]],
      [`${USER_URN}:emails[type eq "home"]`, ["m1"]],
      [`${USER_URN.toUpperCase()}:userName eq "bob"`, ["m2"]],
    ]));

  it("compares dateTimes after normalising them", () =>
    expectUsers([
      ['meta.lastModified gt "2024-01-01T00:00:00Z"', ["m1", "m2", "m3"]],
      ['meta.lastModified lt "2024-01-01"', ["m4"]],
      ['meta.lastModified eq "2024-03-01T00:00:00Z"', ["m1"]],
      ['meta.lastModified eq "2024-03-01T01:00:00+01:00"', ["m1"]],
      ['meta.lastModified ge "2024-06-01T00:00:00.000Z"', ["m2", "m3"]],
      ['meta.created le "2024-01-01T00:00:00Z"', ["m1", "m2", "m3", "m4"]],
    ]));

  it("id is case-exact", () =>
    expectUsers([
      ['id eq "m1"', ["m1"]],
      ['id eq "M1"', []],
    ]));

  it("SQL-injection-looking values are inert", async () => {
    await expectUsers([
      ['userName eq "\'; drop table members; --"', []],
      ['externalId eq "\'; drop table members; --"', ["m4"]],
      ['userName co "\' or \'1\'=\'1"', []],
      ['name.givenName eq "x\') or 1=1 --"', []],
      ['emails[value eq "\\" or 1=1 --"]', []],
    ]);
    const count = await store.db.selectFrom("members").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), PEOPLE.length);
  });

  it("groups: displayName, externalId, members.value, URN prefix", async () => {
    const cases: [string, string[]][] = [
      ['displayName eq "ENGINEERING"', ["t1"]],
      ['displayName sw "e"', ["t1", "t3"]],
      ['externalId eq "G-1"', ["t1"]],
      ['externalId eq "g-1"', []],
      ['members[value eq "m1"]', ["t1"]],
      ['members.value eq "m3"', ["t2"]],
      ['members eq "m2"', ["t1"]],
      ['members[value eq "M1"]', []],
      ["members pr", ["t1", "t2"]],
      ["not (members pr)", ["t3"]],
      ['not (members.value eq "m1")', ["t2", "t3"]],
      ['meta.lastModified gt "2024-01-01T00:00:00Z"', ["t1"]],
      [`${GROUP_URN}:displayName eq "sales"`, ["t2"]],
    ];
    for (const [filter, ids] of cases) assert.deepEqual(await groups(filter), ids, filter);
  });

  it("refuses unknown attributes, misfit operators and bad literals", () => {
    assert.match(invalid('nickName eq "x"'), /unknown attribute "nickName"/);
    assert.match(invalid('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "1"'), /unknown attribute/);
    assert.match(invalid(`${GROUP_URN}:displayName eq "x"`), /unknown attribute/);
    assert.match(invalid('emails[foo eq "x"]'), /unknown attribute "emails.foo"/);
    assert.match(invalid('name.middleName eq "x"'), /unknown attribute/);
    assert.match(invalid('constructor eq "x"'), /unknown attribute/);
    assert.match(invalid('active co "t"'), /operator "co" is not supported for the boolean/);
    assert.match(invalid("active gt true"), /operator "gt"/);
    assert.match(invalid('active eq "yes"'), /boolean/);
    assert.match(invalid("userName eq 5"), /compare it with a "string"/);
    assert.match(invalid("userName eq true"), /string/);
    assert.match(invalid('meta.lastModified gt "yesterday"'), /not a dateTime/);
    assert.match(invalid('meta.lastModified gt "2024-13-45T00:00:00Z"'), /not a dateTime/);
    assert.match(invalid('meta.created co "2024"'), /operator "co"/);
    assert.match(invalid("userName gt null"), /null only/);
    assert.match(invalid('userName[value eq "x"]'), /unknown attribute/);
    assert.match(invalid('userName eq "x" and'), /end of the filter/);
    assert.match(invalid('members.display eq "x"', GROUP_ATTRIBUTES), /unknown attribute/);
    assert.match(invalid('userName eq "x"', GROUP_ATTRIBUTES), /unknown attribute/);
  });

  it("refuses abusive filters in milliseconds and runs a nested 470-character filter fast", async () => {
    let started = performance.now();
    invalid(`userName eq "${"x".repeat(5000)}"`);
    invalid(`${"(".repeat(500)}userName pr${")".repeat(500)}`);
    invalid(Array.from({ length: 1000 }, (_, i) => `userName eq "${i}"`).join(" or "));
    assert.ok(performance.now() - started < 500);

    let f = 'userName eq "a" or userName eq "b"';
    for (let i = 0; i < 10; i++) f = `(${f}) and (userName eq "c${i}" or userName ne "d")`;
    f = `not (${f})`;
    assert.ok(f.length > 450, String(f.length));
    started = performance.now();
    assert.deepEqual(await users(f), ["m1", "m2", "m3", "m4"]);
    assert.ok(performance.now() - started < 500);
  });
});

describe("sortExpression", () => {
  before(async () => {
    store = await openTestStore();
    await seed(store.db);
  });
  after(async () => {
    await store?.close();
  });

  async function sorted(path: string): Promise<string[]> {
    const s = sortExpression(path, USER_ATTRIBUTES);
    if (!s.ok) assert.fail(s.error.detail);
    const rows = await store.db.selectFrom("members as m").select("m.id").where("m.org_id", "=", "o1").orderBy(s.value).orderBy("m.id").execute();
    return rows.map((r) => r.id);
  }

  it("sorts by key columns, coalesces absent values to '' and uses the primary email", async () => {
    assert.deepEqual(await sorted("userName"), ["m3", "m1", "m2", "m4"]);
    assert.deepEqual(await sorted("displayName"), ["m2", "m1", "m4", "m3"]);
    assert.deepEqual(await sorted("id"), ["m1", "m2", "m3", "m4"]);
    assert.deepEqual(await sorted("name.givenName"), ["m3", "m1", "m2", "m4"]);
    assert.deepEqual(await sorted("emails.value"), ["m3", "m1", "m2", "m4"]);
    assert.deepEqual(await sorted(`${USER_URN}:meta.lastModified`), ["m4", "m1", "m2", "m3"]);
  });

  it("refuses unknown and unsortable attributes with invalidValue", () => {
    for (const [path, map] of [["nickName", USER_ATTRIBUTES], ["emails[", USER_ATTRIBUTES], ["members.value", GROUP_ATTRIBUTES]] as const) {
      const s = sortExpression(path, map);
      assert.equal(s.ok, false, path);
      if (!s.ok) assert.equal(s.error.scimType, "invalidValue");
    }
  });
});
