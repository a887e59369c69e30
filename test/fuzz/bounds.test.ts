/**
 * SCIM bodies at and over the bounds of src/org/bounds.ts: one attribute of an otherwise valid
 * User or Group gets an extreme value (a string around or far over its bound, NUL bytes, a huge
 * array, a number such as 2^63 or 1e400) and goes through POST, PUT, PATCH or one /Bulk operation.
 * Properties: never a 5xx; a 4xx is a SCIM error; a rejected write changes nothing; and the
 * oracle of the bounds: a string longer than its attribute's bound, or more values than the
 * bound allows, is a 400 invalidValue that names the attribute, never stored.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { BOUNDS } from "../../src/org/bounds.ts";
import { extremeNumberLiteral, extremeString, hugeArray, raw, rawJson } from "./arbitraries.ts";
import { ENTERPRISE_URN, GROUP_URN, PATCH_URN, runs, seed, startFuzzApp, USER_URN, type FuzzApp } from "./harness.ts";

type Target = { resource: "Users" | "Groups"; attribute: string; bound: number; kind: "chars" | "items"; put: (v: unknown) => Record<string, unknown> };

const TARGETS: Target[] = [
  { resource: "Users", attribute: "userName", bound: BOUNDS.identifierChars, kind: "chars", put: (v) => ({ userName: v }) },
  { resource: "Users", attribute: "externalId", bound: BOUNDS.identifierChars, kind: "chars", put: (v) => ({ externalId: v }) },
  { resource: "Users", attribute: "displayName", bound: BOUNDS.identifierChars, kind: "chars", put: (v) => ({ displayName: v }) },
  { resource: "Users", attribute: "title", bound: BOUNDS.textChars, kind: "chars", put: (v) => ({ title: v }) },
  { resource: "Users", attribute: "givenName", bound: BOUNDS.textChars, kind: "chars", put: (v) => ({ name: { givenName: v } }) },
  { resource: "Users", attribute: "emails[0].value", bound: BOUNDS.emailChars, kind: "chars", put: (v) => ({ emails: [{ value: v, primary: true }] }) },
  { resource: "Users", attribute: "department", bound: BOUNDS.textChars, kind: "chars", put: (v) => ({ [ENTERPRISE_URN]: { department: v } }) },
  { resource: "Users", attribute: "emails", bound: BOUNDS.multiValuedItems, kind: "items", put: (v) => ({ emails: v }) },
  { resource: "Users", attribute: "phoneNumbers", bound: BOUNDS.multiValuedItems, kind: "items", put: (v) => ({ phoneNumbers: v }) },
  { resource: "Groups", attribute: "displayName", bound: BOUNDS.identifierChars, kind: "chars", put: (v) => ({ displayName: v }) },
  { resource: "Groups", attribute: "externalId", bound: BOUNDS.identifierChars, kind: "chars", put: (v) => ({ externalId: v }) },
  { resource: "Groups", attribute: "members", bound: BOUNDS.groupMembersPerRequest, kind: "items", put: (v) => ({ members: v }) },
];

const item = (attribute: string) => (i: number) => (attribute === "phoneNumbers" ? { value: `+1 555 ${i}` } : attribute === "members" ? { value: `m-${i}` } : { value: `fz.${i}@example.com` });
const lengths = fc.constantFrom(BOUNDS.emailChars, BOUNDS.identifierChars, BOUNDS.identifierChars + 1, BOUNDS.textChars, BOUNDS.textChars + 1, 2_705, 20_000);

/** A value for the target: mostly near its bound (both sides), sometimes anything extreme. */
const valueFor = (t: Target): fc.Arbitrary<unknown> => t.kind === "chars"
  ? fc.oneof(
    { weight: 5, arbitrary: fc.tuple(lengths, fc.constantFrom("a", "é", "€", "İ")).map(([n, c]) => (t.attribute.startsWith("emails") ? `${c.repeat(Math.max(1, n - 12))}@example.com` : c.repeat(n))) },
    { weight: 2, arbitrary: extremeString },
    { weight: 1, arbitrary: extremeNumberLiteral.map(raw) },
  )
  : fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(t.bound, t.bound + 1).map((n) => Array.from({ length: n }, (_, i) => item(t.attribute)(i))) },
    { weight: 3, arbitrary: hugeArray(item(t.attribute)) },
    { weight: 1, arbitrary: extremeNumberLiteral.map(raw) },
  );

const tooBig = (t: Target, v: unknown) => (t.kind === "chars" ? typeof v === "string" && v.length > t.bound : Array.isArray(v) && v.length > t.bound);

describe("fuzz: SCIM values at and over the bounds", function () {
  this.timeout(300_000);
  let f: FuzzApp;
  let ids: { users: string[]; group: string };
  before(async () => { f = await startFuzzApp(); ids = await seed(f, 3); });
  after(async () => { await f.close(); });

  it("POST, PUT, PATCH and Bulk with one extreme attribute: no 5xx, over a bound is a 400 naming the attribute", async () => {
    const statuses: Record<string, number> = {};
    let n = 0;
    const cases = fc.constantFrom(...TARGETS).chain((t) => fc.tuple(fc.constant(t), valueFor(t), fc.constantFrom("POST", "PUT", "PATCH", "BULK")));
    await fc.assert(fc.asyncProperty(cases, async ([t, value, how]) => {
      const schema = t.resource === "Users" ? USER_URN : GROUP_URN;
      const base = t.resource === "Users" ? { userName: `fz.${++n}.${Date.now()}` } : { displayName: `fz group ${++n}` };
      const resource = { schemas: [schema], ...base, ...t.put(value) };
      const id = t.resource === "Users" ? ids.users[n % ids.users.length] : ids.group;
      const path = `/scim/v2/${t.resource}${how === "POST" ? "" : `/${id}`}`;
      let status: number;
      let detail: string | undefined;
      if (how === "BULK") {
        const res = await f.checkWrite({ method: "POST", path: "/scim/v2/Bulk", body: rawJson({ schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [{ method: "POST", path: `/${t.resource}`, bulkId: "b", data: resource }] }) });
        if (res.status !== 200) { status = res.status; detail = res.body?.detail; } else {
          const op = res.body.Operations[0];
          status = Number(op.status);
          detail = op.response?.detail;
          if (status >= 400) assert.ok(typeof detail === "string" && detail.trim(), `a failed Bulk operation says why: ${JSON.stringify(op).slice(0, 300)}`);
        }
      } else {
        // PATCH: a path-less replace with the attribute, which Okta and Entra send
        const body = how === "PATCH" ? { schemas: [PATCH_URN], Operations: [{ op: "replace", value: t.put(value) }] } : resource;
        const res = await f.checkWrite({ method: how, path, body: rawJson(body) });
        status = res.status;
        detail = res.body?.detail;
      }
      const key = `${how} ${status}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
      if (tooBig(t, value)) {
        assert.ok(status === 400 || status === 413, `${how} ${t.resource} ${t.attribute} of ${(value as string | unknown[]).length}: ${status} ${detail}`);
        if (status === 400) assert.ok(detail?.includes(t.attribute.split("[")[0]!), `the detail names ${t.attribute}: ${detail}`);
      }
      if (n % 50 === 0) await f.healthy();
    }), { numRuns: runs(400) });
    await f.healthy();
    const ok = Object.entries(statuses).filter(([k]) => /2\d\d$/.test(k)).reduce((s, [, v]) => s + v, 0);
    assert.ok(ok > runs(400) / 20, `values within the bounds are accepted too: ${JSON.stringify(statuses)}`);
  });
});
