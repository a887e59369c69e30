/**
 * Query-parameter and header fuzzing: startIndex/count/sortBy/sortOrder/attributes/
 * excludedAttributes/cursor garbage; If-Match garbage, Content-Type variants, Authorization garbage.
 * Properties: never a 5xx; 4xx are SCIM errors; rejected writes change nothing; the app stays up.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { anyText, ATTRIBUTES, extremeNumberLiteral, headerText, urlExtremeString } from "./arbitraries.ts";
import { PATCH_URN, q, runs, seed, startFuzzApp, USER_URN, type FuzzApp } from "./harness.ts";

const PARAMS = ["startIndex", "count", "sortBy", "sortOrder", "attributes", "excludedAttributes", "cursor", "filter", "STARTINDEX", "Count", "x"];

const paramValue = fc.oneof(
  fc.integer({ min: -5, max: 2000 }).map(String),
  fc.constantFrom("", "0", "-1", "1e3", "1.5", "NaN", "Infinity", "9007199254740993", "99999999999999999999", " 1", "0x10", "ascending", "DESCENDING", "up", "userName", "name.familyName", "emails.value", "meta.lastModified", "displayName,userName", "emails[type eq \"work\"]", "%", "%zz", "[]", "{}"),
  fc.constantFrom(...ATTRIBUTES),
  fc.array(fc.constantFrom(...ATTRIBUTES), { maxLength: 4 }).map((a) => a.join(",")),
  fc.base64String({ maxLength: 60 }),
  anyText(30),
  extremeNumberLiteral,
  // NUL bytes and strings over every bound, sized for a URL
  urlExtremeString,
);

const contentTypes = fc.oneof(
  fc.constantFrom("application/scim+json", "application/json", "application/scim+json; charset=utf-8", "application/json; charset=latin1", "application/json; charset=utf-16",
    "APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/vnd.foo+json", "application/xml", "*/*", ";", "application/json;;;"),
  headerText(40),
);

const authorization = (key: string) => fc.oneof(
  { weight: 3, arbitrary: fc.constant(`Bearer ${key}`) },
  { weight: 1, arbitrary: fc.constantFrom("", "Bearer", "Bearer ", `bearer ${key}`, `Bearer  ${key}`, `Bearer ${key}x`, `Bearer ${key.slice(0, -1)}`, `Basic ${Buffer.from(`x:${key}`).toString("base64")}`, "Basic !!!", "Basic Og==", `Token ${key}`, `Bearer ${"a".repeat(5000)}`) },
  { weight: 1, arbitrary: headerText(80).map((s) => `Bearer ${s}`) },
  { weight: 1, arbitrary: headerText(80) },
);

const ifMatch = fc.oneof(fc.constantFrom("*", 'W/"1"', '"1"', 'W/"999"', "W/", '""', "W/\"abc\"", "1", ",", '"1", W/"2"', "W/\"-1\"", "W/\"1e3\""), headerText(40));

describe("fuzz: query parameters and headers", function () {
  this.timeout(300_000);
  let f: FuzzApp;
  let ids: { users: string[]; group: string };
  before(async () => { f = await startFuzzApp(); ids = await seed(f, 4); });
  after(async () => { await f.close(); });

  it("list and read with garbage query parameters", async () => {
    let n = 0;
    const path = fc.constantFrom("/scim/v2/Users", "/scim/v2/Groups", "/scim/v2/Roles", "/scim/v2/Users/ID", "/scim/v2/Groups/GID", "/scim/v2/Users/%zz", "/scim/v2/Users/..%2f", "/scim/v2/Schemas", "/scim/v2/ResourceTypes/User");
    await fc.assert(fc.asyncProperty(path, fc.array(fc.tuple(fc.constantFrom(...PARAMS), paramValue), { maxLength: 4 }), async (p, params) => {
      const url = p.replace("GID", ids.group).replace("ID", ids.users[0]!);
      // Raw "%…" values probe malformed percent-encoding; they must still be legal on the
      // request line (visible ASCII only), or the HTTP client refuses to send them.
      const query = params.map(([k, v]) => `${k}=${/^%[\x21-\x7e]*$/.test(v) ? v : q(v)}`).join("&");
      const res = await f.check({ method: "GET", path: `${url}${query ? `?${query}` : ""}` });
      assert.ok([200, 400, 404].includes(res.status), `${res.status} ${url}?${query} ${res.text}`);
      if (++n % 50 === 0) await f.healthy();
    }), { numRuns: runs(1800) });
    await f.healthy();
  });

  it("writes and reads with garbage If-Match, Content-Type and Authorization", async () => {
    let n = 0;
    const request = fc.record({
      kind: fc.constantFrom("get", "patch", "put", "delete-missing", "post", "search"),
      contentType: fc.option(contentTypes, { nil: undefined }),
      ifMatch: fc.option(ifMatch, { nil: undefined }),
      auth: fc.option(authorization(f.key), { nil: null }),
      raw: fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom("", "{", "null", "[]", "\"str\"", "{\"a\":1,}", "\u0000", "1") }),
    });
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const user = ids.users[1]!;
      const headers: Record<string, string> = {};
      if (r.contentType !== undefined) headers["Content-Type"] = r.contentType;
      if (r.ifMatch !== undefined) headers["If-Match"] = r.ifMatch;
      const harmless = { schemas: [PATCH_URN], Operations: [{ op: "replace", path: "title", value: "Same" }] };
      const req = {
        get: { method: "GET", path: `/scim/v2/Users/${user}` },
        patch: { method: "PATCH", path: `/scim/v2/Users/${user}`, body: r.raw ?? harmless },
        put: { method: "PUT", path: `/scim/v2/Users/${user}`, body: r.raw ?? { schemas: [USER_URN], userName: "put.target", title: "Same", active: true } },
        "delete-missing": { method: "DELETE", path: "/scim/v2/Users/00000000-0000-0000-0000-000000000000" },
        post: { method: "POST", path: "/scim/v2/Users", body: r.raw ?? { schemas: [USER_URN], userName: `hdr.${n}` } },
        search: { method: "POST", path: "/scim/v2/Users/.search", body: r.raw ?? { filter: 'userName sw "s"' } },
      }[r.kind];
      const res = await f.checkWrite({ ...req, headers, auth: r.auth });
      assert.ok([200, 201, 204, 400, 401, 403, 404, 409, 412, 415].includes(res.status), `${res.status} ${res.text}`);
      if (res.status === 401) assert.match(res.text, /API key/);
      if (++n % 50 === 0) await f.healthy();
    }), { numRuns: runs(1800) });
    await f.healthy();
  });
});
