/**
 * Admin API fuzzing: every route of the registry (src/admin/router.ts buildRegistry(), the list
 * the router itself mounts, so a new route is fuzzed without touching this file) with path
 * parameters that are real ids or extreme strings, query strings of odd values, and bodies made
 * from the route's own JSON schema whose fields are near-valid or extreme (NUL bytes, strings
 * over every bound, huge arrays, numbers such as 2^63 and 1e400), plus non-object bodies.
 * Properties: never a 5xx; every 4xx is problem+json whose detail says what was wrong; the app
 * stays up and logs no unexpected error.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { buildRegistry } from "../../src/admin/router.ts";
import { jsonSchemaOf, type RouteSpec } from "../../src/admin/openapi.ts";
import { startInbox, type Inbox } from "../admin/smtp.ts";
import { startTxtServer, type TxtServer } from "../admin/dns.ts";
import { extremeNumberLiteral, extremeString, extremeValue, raw, rawJson, urlExtremeString } from "./arbitraries.ts";
import { q, runs, seed, startFuzzApp, type FuzzApp } from "./harness.ts";

type Schema = { type?: string | string[]; enum?: unknown[]; items?: Schema; properties?: Record<string, Schema> };

const QUERY_NAMES = ["q", "limit", "offset", "cursor", "role", "active", "team", "modelsSeat", "weaveRole", "status", "actor", "action", "target", "since", "until", "org", "token"];

const urlText = urlExtremeString.map(q);

/** A value a client could mean for `s`: right type, odd content. */
function nearValue(s: Schema, ids: string[]): fc.Arbitrary<unknown> {
  if (s.enum) return fc.constantFrom(...s.enum, ...s.enum.filter((e) => typeof e === "string").map((e) => (e as string).toUpperCase()));
  const types = Array.isArray(s.type) ? s.type : [s.type ?? "string"];
  return fc.oneof(...types.map((t): fc.Arbitrary<unknown> => {
    switch (t) {
      case "boolean": return fc.boolean();
      case "integer": return fc.oneof(fc.nat(100), fc.integer());
      case "null": return fc.constant(null);
      case "array": return fc.array(nearValue(s.items ?? {}, ids), { maxLength: 5 });
      case "object": return fc.constant({});
      default: return fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(...ids, "admin", "member", "view-only", "a@example.com", "example.com", "http://127.0.0.1:1", "ldap://127.0.0.1:1"));
    }
  }));
}

/** A body for the route: mostly its schema's fields, each near-valid or extreme; sometimes not an object at all. */
function bodyFor(route: RouteSpec, ids: string[]): fc.Arbitrary<string | undefined> {
  const props = ((route.body ? jsonSchemaOf(route.body) as Schema : undefined)?.properties ?? {}) as Record<string, Schema>;
  const field = (s: Schema) => fc.oneof({ weight: 5, arbitrary: nearValue(s, ids) }, { weight: 4, arbitrary: extremeValue });
  const object = fc.record(Object.fromEntries(Object.entries(props).map(([k, s]) => [k, field(s)])), { requiredKeys: [] })
    .chain((o) => fc.option(fc.tuple(extremeString, extremeValue), { freq: 6 }).map((extra) => (extra ? { ...o, [extra[0]]: extra[1] } : o)));
  const garbage = fc.oneof(
    extremeNumberLiteral,
    fc.constantFrom("[]", "null", '"x"', "{", "{}}", '{"a":}', "\u0000", '{"\\u0000":1}', "true", ""),
    extremeValue.filter((v) => typeof v !== "object" || v === null || Array.isArray(v)).map(rawJson),
  );
  if (route.method === "get" || route.method === "delete") return fc.option(garbage, { freq: 8, nil: undefined });
  return fc.oneof({ weight: 9, arbitrary: object.map(rawJson) }, { weight: 1, arbitrary: garbage });
}

/** The route's path with each `:param` a real id (by name) or an extreme string, percent-encoded. */
function pathFor(route: RouteSpec, idsFor: (param: string) => string[]): fc.Arbitrary<string> {
  const params = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const one = (p: string) => {
    const ids = idsFor(p);
    return fc.oneof({ weight: ids.length ? 6 : 0, arbitrary: ids.length ? fc.constantFrom(...ids) : fc.constant("") }, { weight: 4, arbitrary: urlText })
      .map((v) => (v === "" ? "%20" : v));
  };
  return fc.tuple(...params.map(one)).map((values) => {
    let i = 0;
    return `/api/v1${route.path.replace(/:([A-Za-z0-9_]+)/g, () => values[i++]!)}`;
  });
}

const queryString = fc.array(
  fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.oneof(urlText, extremeNumberLiteral, fc.constantFrom("true", "false", "0", "-1", "1e3", "%25", ""))),
  { maxLength: 2 },
).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}` : ""));

describe("fuzz: admin API (/api/v1, every route of the registry)", function () {
  this.timeout(300_000);
  let f: FuzzApp;
  let inbox: Inbox;
  let dns: TxtServer;
  const pools: Record<string, string[]> = {};

  before(async () => {
    inbox = await startInbox();
    dns = await startTxtServer();
    f = await startFuzzApp({ smtpUrl: inbox.url, dnsResolver: dns.address });
    const { users, group } = await seed(f, 4);
    const made = async (method: string, path: string, body: unknown) => {
      const res = await f.checkProblem({ method, path: `/api/v1${path}`, body });
      assert.ok(res.status < 300, `seed ${method} ${path}: ${res.status} ${res.text}`);
      return res.body;
    };
    const team = await made("POST", "/teams", { name: "fuzz team" });
    const role = await made("POST", "/roles", { name: "fuzz role", inheritedFrom: "member", permissions: ["run:stop"] });
    // A second service account: the fuzzer may delete it and revoke its keys, never the key it uses.
    const sa = await made("POST", "/service-accounts", { name: "fuzz sa", teamId: team.id });
    const invite = await made("POST", "/invites", { email: "fuzz.invitee@example.com" });
    const domain = await made("POST", "/domains", { domain: "fuzz.example.com" });
    Object.assign(pools, {
      id: [...users, role.id], memberId: users, teamId: [group, team.id], serviceAccountId: [sa.id], keyId: [sa.key.id],
      inviteId: [invite.id], domainId: [domain.id],
    });
  });
  after(async () => {
    // the servers close even when close() reports logged errors, or mocha would never exit
    try { await f.close(); } finally { await inbox.close(); await dns.close(); }
  });

  const idsFor = (route: RouteSpec) => (param: string) => (param === "id" ? (route.path.startsWith("/roles") ? pools.id!.slice(-1) : pools.memberId!) : pools[param] ?? []);
  const everyId = () => Object.values(pools).flat();

  // Reads and writes first, deletes last, so the deletes do not take the real ids away from the others.
  const order = { get: 0, post: 1, put: 1, patch: 1, delete: 2 } as const;
  const routes = buildRegistry().routes.slice().sort((a, b) => order[a.method] - order[b.method]);

  it("the registry has every area's routes (the fuzzer sees what the router mounts)", () => {
    assert.ok(routes.length >= 40, `${routes.length} routes`);
    for (const m of ["get", "post", "put", "patch", "delete"]) assert.ok(routes.some((r) => r.method === m), m);
  });

  for (const route of routes) {
    it(`${route.method.toUpperCase()} ${route.path}: no 5xx, every 4xx names what was wrong`, async () => {
      const statuses = new Map<number, number>();
      await fc.assert(fc.asyncProperty(pathFor(route, idsFor(route)), queryString, bodyFor(route, everyId()), async (path, query, body) => {
        const res = await f.checkProblem({ method: route.method.toUpperCase(), path: path + (route.method === "get" ? query : ""), body });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }), { numRuns: runs(16) });
      await f.healthy();
      assert.ok([...statuses.keys()].every((s) => s < 500), JSON.stringify([...statuses]));
    });
  }

  it("without a key, or with a wrong one, every route is a 401 problem", async () => {
    for (const route of routes) {
      for (const auth of [null, "Bearer \u0000", `Bearer ${"x".repeat(10_000)}`, "Basic %%%"]) {
        const path = `/api/v1${route.path.replace(/:([A-Za-z0-9_]+)/g, "x")}`;
        const res = await f.checkProblem({ method: route.method.toUpperCase(), path, auth: auth === "Bearer \u0000" ? "Bearer %00" : auth, body: route.body ? "{}" : undefined });
        assert.equal(res.status, 401, `${route.method} ${path} ${auth?.slice(0, 20)}: ${res.text.slice(0, 200)}`);
      }
    }
  });

  it("seat limits beyond maxCount (2^63, 1e400, 2^64) are a 400 naming the bound, and nothing is stored", async () => {
    for (const lit of ["9223372036854775808", "1e400", "18446744073709551616", "1000000001"]) {
      const res = await f.checkProblem({ method: "PATCH", path: "/api/v1/org", body: rawJson({ fullModelsSeatLimit: raw(lit) }) });
      assert.equal(res.status, 400, `${lit}: ${res.text}`);
      assert.match(res.body.detail, /full models seat limit/);
      assert.equal(res.body["invalid-params"]?.[0]?.name, "fullModelsSeatLimit");
    }
    const org = await f.checkProblem({ method: "GET", path: "/api/v1/org" });
    assert.notEqual(org.body.fullModelsSeatLimit, 2 ** 63);
  });
});
