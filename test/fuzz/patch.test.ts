/**
 * PATCH fuzzing: random operation lists (op casing, paths with value filters, extension URNs,
 * Entra's string booleans, path-less dotted keys, member lists) to /Users/{id} and /Groups/{id}.
 * Properties: never a 5xx; 4xx are SCIM errors; a rejected PATCH changes nothing; the app stays up.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { patchBody, plausibleGroupOperation, plausiblePatch, plausibleUserOperation } from "./arbitraries.ts";
import { runs, seed, startFuzzApp, type FuzzApp } from "./harness.ts";

describe("fuzz: PATCH", function () {
  this.timeout(300_000);
  let f: FuzzApp;
  let ids: { users: string[]; group: string };
  before(async () => { f = await startFuzzApp(); ids = await seed(f, 4); });
  after(async () => { await f.close(); });

  it("PATCH /Users/{id} with random operation lists", async () => {
    let n = 0;
    const statuses: Record<number, number> = {};
    await fc.assert(fc.asyncProperty(fc.oneof(patchBody(ids.users), plausiblePatch(plausibleUserOperation)), fc.nat(ids.users.length - 1), async (body, i) => {
      const res = await f.checkWrite({ method: "PATCH", path: `/scim/v2/Users/${ids.users[i]}`, body });
      assert.ok([200, 204, 400, 404, 409, 412].includes(res.status), `${res.status} ${res.text}`);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (++n % 50 === 0) await f.healthy();
    }), { numRuns: runs(1200) });
    await f.healthy();
    // the arbitraries reach the success path too, not only the error path
    assert.ok((statuses[200] ?? 0) + (statuses[204] ?? 0) > runs(1200) / 10, JSON.stringify(statuses));
  });

  it("PATCH /Groups/{id} with random operation lists", async () => {
    let n = 0;
    const statuses: Record<number, number> = {};
    await fc.assert(fc.asyncProperty(fc.oneof(patchBody(ids.users), plausiblePatch(plausibleGroupOperation(ids.users))), async (body) => {
      const res = await f.checkWrite({ method: "PATCH", path: `/scim/v2/Groups/${ids.group}`, body });
      assert.ok([200, 204, 400, 404, 409, 412].includes(res.status), `${res.status} ${res.text}`);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      if (++n % 50 === 0) await f.healthy();
    }), { numRuns: runs(1200) });
    await f.healthy();
    // the arbitraries reach the success path too, not only the error path
    assert.ok((statuses[200] ?? 0) + (statuses[204] ?? 0) > runs(1200) / 10, JSON.stringify(statuses));
  });
});
