/**
 * Body fuzzing: POST and PUT /Users and /Groups with near-valid resources whose attributes are
 * replaced by wrong types, odd values, huge strings, deep nesting, or random JSON.
 * Properties: never a 5xx; 4xx are SCIM errors; a rejected write changes nothing; the app stays up.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { deepJson, groupBody, oddValue, userBody } from "./arbitraries.ts";
import { GROUP_URN, runs, seed, startFuzzApp, USER_URN, type FuzzApp } from "./harness.ts";

describe("fuzz: resource bodies", function () {
  this.timeout(300_000);
  let f: FuzzApp;
  let ids: { users: string[]; group: string };
  before(async () => { f = await startFuzzApp(); ids = await seed(f, 4); });
  after(async () => { await f.close(); });

  const body = (near: fc.Arbitrary<unknown>, schema: string, attrs: string[]) =>
    fc.oneof({ weight: 12, arbitrary: near }, { weight: 2, arbitrary: oddValue }, { weight: 1, arbitrary: deepJson(schema, attrs) });

  for (const [resource, arb, okCreate] of [
    ["Users", () => body(userBody, USER_URN, ["name", "emails", "title", "roles"]), 201],
    ["Groups", () => body(groupBody(ids.users), GROUP_URN, ["members", "displayName", "externalId"]), 201],
  ] as const) {
    it(`POST and PUT /${resource} with random bodies`, async () => {
      let n = 0;
      const statuses: Record<string, number> = {};
      await fc.assert(fc.asyncProperty(arb(), fc.boolean(), async (b, put) => {
        const target = resource === "Users" ? ids.users[n % ids.users.length] : ids.group;
        const res = await f.checkWrite({ method: put ? "PUT" : "POST", path: `/scim/v2/${resource}${put ? `/${target}` : ""}`, body: b });
        assert.ok([200, okCreate, 400, 404, 409, 412, 413].includes(res.status), `${res.status} ${res.text}`);
        const k = `${put ? "PUT" : "POST"} ${res.status}`;
        statuses[k] = (statuses[k] ?? 0) + 1;
        if (++n % 50 === 0) await f.healthy();
      }), { numRuns: runs(900) });
      await f.healthy();
      const ok = Object.entries(statuses).filter(([k]) => /(200|201)$/.test(k)).reduce((s, [, v]) => s + v, 0);
      // Enough valid bodies get through that the success paths are fuzzed too.
      assert.ok(ok > runs(900) / 50, JSON.stringify(statuses));
    });
  }

  // Was a 500: recursive walks (dialects.ts fixValue) overflowed the stack at ~2,000 levels.
  // The request boundary now caps nesting (src/http/json-depth.ts).
  it("deeply nested JSON (20,000 levels) is a 400 invalidSyntax, not a 500", async () => {
    const nested = `${'{"value":'.repeat(20_000)}1${"}".repeat(20_000)}`;
    for (const attr of ["roles", "name", "emails"]) {
      const res = await f.checkWrite({ method: "POST", path: "/scim/v2/Users", body: `{"schemas":["${USER_URN}"],"userName":"deep.x","${attr}":${nested}}` });
      assert.equal(res.status, 400);
    }
  });

  it("a string with U+0000 is a 400 invalidValue on every database (PostgreSQL text cannot hold it; was a 500)", async () => {
    const cases = [
      { method: "POST", path: "/scim/v2/Users", body: { schemas: [USER_URN], userName: "nul.x", displayName: "a\u0000b" } },
      { method: "POST", path: "/scim/v2/Users", body: { schemas: [USER_URN], userName: "nul\u0000y" } },
      { method: "POST", path: "/scim/v2/Groups", body: { schemas: [GROUP_URN], displayName: "nul group", externalId: "x\u0000" } },
      { method: "PUT", path: `/scim/v2/Users/${ids.users[0]}`, body: { schemas: [USER_URN], userName: "nul.z", name: { givenName: "\u0000" } } },
      { method: "PATCH", path: `/scim/v2/Groups/${ids.group}`, body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "displayName", value: "\u0000" }] } },
      { method: "PATCH", path: `/scim/v2/Users/${ids.users[0]}`, body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: 'emails[type eq "work"].value', value: "a\u0000@b.c" }] } },
    ];
    for (const req of cases) {
      const res = await f.checkWrite(req);
      assert.equal(res.status, 400, `${req.method} ${req.path}: ${res.text}`);
      assert.equal(res.body.scimType, "invalidValue");
    }
  });

  it("a body over MAX_BODY_BYTES is a 413 SCIM error and changes nothing", async () => {
    const res = await f.checkWrite({ method: "POST", path: "/scim/v2/Users", body: { schemas: [USER_URN], userName: "big.one", title: "x".repeat(f.config.maxBodyBytes + 1) } });
    assert.equal(res.status, 413);
  });
});
