/**
 * Console API fuzzing: the routes src/console/router.ts answers before anyone is signed in
 * (`/admin/api/sign-in-methods?org=`, `/admin/api/invite?token=`, `/admin/link/:token`) and the
 * static files under /admin, with extreme query values and paths (NUL bytes, strings over every
 * bound, percent-encoding that decodes to nothing valid, repeated parameters).
 * Properties: never a 5xx; a 4xx of /admin/api is problem+json whose detail says what was wrong,
 * a 4xx page (/admin/link, unknown files) is a page that says so; the app stays up.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { extremeNumberLiteral, urlExtremeString } from "./arbitraries.ts";
import { q, runs, startFuzzApp, type FuzzApp, type Request } from "./harness.ts";

const urlText = fc.oneof(urlExtremeString, extremeNumberLiteral).map(q);
const oddParam = fc.oneof({ weight: 6, arbitrary: urlText }, { weight: 1, arbitrary: fc.constantFrom("%", "%C0%AF", "%E0%A4%A", "%FF", "%00", "") });

describe("fuzz: console API (/admin/api, /admin/link, /admin)", function () {
  this.timeout(120_000);
  let f: FuzzApp;
  let orgName: string;
  before(async () => {
    f = await startFuzzApp();
    orgName = (await f.store.db.selectFrom("orgs").select("name").where("id", "=", f.orgId).executeTakeFirstOrThrow()).name;
  });
  after(async () => { await f.close(); });

  const unauthenticated = (path: string): Request => ({ method: "GET", path, auth: null });

  for (const [route, param] of [["/admin/api/sign-in-methods", "org"], ["/admin/api/invite", "token"]] as const) {
    it(`GET ${route}?${param}=…: no 5xx, every 4xx is problem+json naming what was wrong`, async () => {
      const values = fc.oneof({ weight: 8, arbitrary: oddParam }, { weight: 1, arbitrary: fc.constant(q(orgName)) });
      await fc.assert(fc.asyncProperty(values, fc.option(fc.tuple(fc.constantFrom(param, "org", "token", "x"), oddParam), { nil: undefined }), async (v, extra) => {
        const query = `?${param}=${v}${extra ? `&${extra[0]}=${extra[1]}` : ""}`;
        await f.checkProblem(unauthenticated(`${route}${query}`));
      }), { numRuns: runs(150) });
      await f.healthy();
    });
  }

  it("the org's own name still answers 200 (the fuzzing above reaches the real lookup)", async () => {
    const res = await f.checkProblem(unauthenticated(`/admin/api/sign-in-methods?org=${q(orgName)}`));
    assert.equal(res.status, 200, res.text);
  });

  it("GET /admin/link/:token and unknown /admin paths: no 5xx, a 4xx page says what happened", async () => {
    await fc.assert(fc.asyncProperty(oddParam, fc.boolean(), async (token, link) => {
      const req = unauthenticated(link ? `/admin/link/${token || "x"}` : `/admin/${token || "x"}`);
      const res = await f.send(req);
      assert.ok(res.status < 500, `no 5xx: ${res.status} for ${req.path.slice(0, 300)}\n→ ${res.text.slice(0, 300)}`);
      if (res.status >= 400) assert.ok(res.text.replace(/<[^>]*>/g, "").trim().length > 0, `a ${res.status} says what happened: ${req.path.slice(0, 300)}`);
    }), { numRuns: runs(150) });
    await f.healthy();
  });
});
