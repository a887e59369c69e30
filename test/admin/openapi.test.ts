import assert from "node:assert/strict";
import { jsonSchemaOf } from "../../src/admin/openapi.ts";
import { buildRegistry } from "../../src/admin/router.ts";
import { BOUNDS } from "../../src/org/bounds.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import type supertest from "supertest";
import { problem } from "./principals.ts";

/** The machine-readable side of a 400 (`invalid-params`), as "name: reason" lines. */
const technical = (res: supertest.Response): string[] => ((JSON.parse(res.text)["invalid-params"] ?? []) as { name: string; reason: string }[]).map((p) => `${p.name}: ${p.reason}`);

/** Every path+method of /api/v1/openapi.json is a real route, and every registered route is in the document. */
describe("admin API: OpenAPI document", () => {
  let t: TestApp;
  let doc: any;
  before(async () => {
    t = await startTestApp();
    const res = await t.http.get("/api/v1/openapi.json");
    assert.equal(res.status, 200);
    doc = res.body;
  });
  after(async () => t?.close());

  const operations = (): [string, string][] =>
    Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => [p, m] as [string, string]));

  it("is OpenAPI 3.1 with bearer security and problem+json errors", () => {
    assert.equal(doc.openapi, "3.1.0");
    assert.deepEqual(doc.servers, [{ url: "/api/v1" }]);
    assert.ok(doc.components.securitySchemes.bearer);
    assert.ok(operations().length >= 25, String(operations().length));
  });

  it("every documented operation is served (never 'no admin API route')", async () => {
    for (const [p, method] of operations()) {
      const path = p.replace(/\{[^}]+\}/g, "00000000-0000-0000-0000-000000000000");
      const res = await (t.http as any)[method](`/api/v1${path}`).set("Authorization", `Bearer ${t.org.key}`).send({});
      assert.ok(!(res.status === 404 && /no admin API route/.test(res.text)), `${method.toUpperCase()} ${p}: ${res.status} ${res.text}`);
      assert.ok(res.status < 500, `${method.toUpperCase()} ${p}: ${res.status} ${res.text}`);
    }
  });

  it("an undocumented path is 'no admin API route' (the check above can fail)", async () => {
    const res = await t.http.get("/api/v1/no-such-thing").set("Authorization", `Bearer ${t.org.key}`);
    assert.equal(res.status, 404);
    assert.match(res.text, /no admin API route/);
  });

  it("documents exactly the registered routes, each once, with path parameters", () => {
    const registry = buildRegistry();
    const registered = registry.routes.map((r) => `${r.method} ${r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`).sort();
    assert.equal(new Set(registered).size, registered.length, "a route is registered twice");
    assert.deepEqual(operations().map(([p, m]) => `${m} ${p}`).sort(), registered);
    for (const [p, m] of operations()) {
      const names = [...p.matchAll(/\{([^}]+)\}/g)].map((x) => x[1]);
      const params = (doc.paths[p][m].parameters ?? []).filter((x: any) => x.in === "path").map((x: any) => x.name);
      assert.deepEqual(params, names, `${m} ${p}`);
      assert.ok(doc.paths[p][m].summary, `${m} ${p} has no summary`);
    }
  });

  it("covers every area of issue 3", () => {
    const have = new Set(operations().map(([p, m]) => `${m} ${p}`));
    for (const op of [
      "get /org", "patch /org", "get /teams", "post /teams", "get /teams/{teamId}", "patch /teams/{teamId}", "delete /teams/{teamId}",
      "get /teams/{teamId}/members", "put /teams/{teamId}/members/{memberId}", "delete /teams/{teamId}/members/{memberId}",
      "post /service-accounts", "get /service-accounts", "delete /service-accounts/{serviceAccountId}",
      "post /service-accounts/{serviceAccountId}/keys", "get /service-accounts/{serviceAccountId}/keys", "delete /keys/{keyId}",
      "post /invites", "get /invites", "post /invites/{inviteId}/resend", "delete /invites/{inviteId}",
      "post /domains", "get /domains", "post /domains/{domainId}/verify", "delete /domains/{domainId}", "get /audit",
    ]) assert.ok(have.has(op), `missing ${op}`);
  });

  const ZERO = "00000000-0000-0000-0000-000000000000";
  const url = (path: string) => `/api/v1${path.replace(/:[A-Za-z0-9_]+/g, ZERO)}`;
  const withBody = () => buildRegistry().routes.filter((r) => r.body);
  const send = (method: string, path: string) => (t.http as any)[method](url(path)).set("Authorization", `Bearer ${t.org.key}`);

  it("every route with a body documents exactly its zod schema (JSON Schema of the input), and a 415 answer", () => {
    const routes = withBody();
    assert.ok(routes.length >= 15, String(routes.length));
    for (const r of routes) {
      const op = doc.paths[r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")][r.method];
      const schema = op.requestBody?.content?.["application/json"]?.schema;
      assert.deepEqual(schema, jsonSchemaOf(r.body!), `${r.method} ${r.path}`);
      assert.equal(schema.type, "object");
      assert.equal(schema.additionalProperties, false, `${r.method} ${r.path}: strict`);
      assert.equal(op.requestBody.required, ((schema.required as string[] | undefined) ?? []).length > 0);
      assert.ok(op.responses["415"], `${r.method} ${r.path}: 415 documented`);
    }
    for (const r of buildRegistry().routes.filter((x) => !x.body)) {
      const op = doc.paths[r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")][r.method];
      assert.equal(op.requestBody, undefined, `${r.method} ${r.path} takes no body`);
    }
  });

  it("query parameters are documented from the route's query schema, with their bounds", () => {
    const routes = buildRegistry().routes.filter((r) => r.query);
    assert.deepEqual(routes.map((r) => `${r.method} ${r.path}`).sort(), ["get /audit", "get /event-receivers/:id/deliveries", "get /invites", "get /members", "get /members/:id/permissions", "get /members/export.csv", "get /sign-ins/refused", "get /teams/:teamId/members"]);
    for (const r of routes) {
      const schema = jsonSchemaOf(r.query!);
      const documented = (doc.paths[r.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")][r.method].parameters as any[]).filter((p) => p.in === "query");
      assert.deepEqual(documented.map((p) => p.name), Object.keys(schema.properties as object), r.path);
      for (const p of documented) {
        const { description: _d, ...expected } = (schema.properties as Record<string, any>)[p.name];
        assert.deepEqual(p.schema, expected, `${r.path} ${p.name}`);
      }
    }
    const limit = (doc.paths["/members"].get.parameters as any[]).find((p) => p.name === "limit");
    assert.deepEqual([limit.schema.type, limit.schema.minimum, limit.schema.maximum, limit.schema.default], ["integer", 1, 500, 50]);
    const name = doc.paths["/teams"].post.requestBody.content["application/json"].schema.properties.name;
    assert.equal(name.maxLength, BOUNDS.identifierChars);
  });

  it("every route with a body refuses an unknown field with a 400 naming it and the allowed fields", async () => {
    for (const r of withBody()) {
      const res = await send(r.method, r.path).send({ surpriseField: 1 });
      problem(res, 400, /does not take “surprise field”; leave it out/);
      const allowed = Object.keys(jsonSchemaOf(r.body!).properties as object);
      assert.equal(technical(res)[0], `surpriseField: unknown field; allowed: ${allowed.join(", ")}`, `${r.method} ${r.path}: ${res.text}`);
    }
  });

  it("every field of every body refuses a value of the wrong type with a 400 naming that field", async () => {
    let fields = 0;
    for (const r of withBody()) {
      for (const field of Object.keys(jsonSchemaOf(r.body!).properties as object)) {
        const res = await send(r.method, r.path).send({ [field]: [[true]] });
        problem(res, 400);
        assert.ok(technical(res).some((x) => new RegExp(`^${field}(\\[0\\])*: `).test(x)), `${r.method} ${r.path} ${field}: ${res.text}`);
        fields++;
      }
    }
    assert.ok(fields >= 50, String(fields));
  });

  it("wrong types and bounds are explained in words the console can show", async () => {
    const admin = (m: string, p: string, body: unknown) => send(m, p).send(body);
    const says = async (body: Promise<supertest.Response>, plain: RegExp, tech: RegExp) => {
      const res = await body;
      problem(res, 400, plain);
      assert.match(technical(res).join("; "), tech);
    };
    await says(admin("patch", "/org", { autoProvisioning: "yes" }), /^The auto-provisioning must be true or false\.$/, /^autoProvisioning: must be true or false$/);
    await says(admin("patch", "/org", { fullModelsSeatLimit: 2 ** 63 }), /^The full models seat limit must be a non-negative whole number/, new RegExp(`^fullModelsSeatLimit: must be a non-negative integer \\(at most ${BOUNDS.maxCount}\\) or null$`));
    await says(admin("patch", "/org", { plan: "gold" }), /^Choose the plan: standard or enterprise\.$/, /^plan: must be one of standard, enterprise$/);
    await says(admin("post", "/teams", { name: "x".repeat(BOUNDS.identifierChars + 1) }), new RegExp(`^The name must be text of 1 to ${BOUNDS.identifierChars} characters`), new RegExp(`^name: must be a string of 1 to ${BOUNDS.identifierChars} characters \\(got ${BOUNDS.identifierChars + 1}\\)$`));
    await says(admin("post", "/teams", {}), /^Give the name\.$/, /^name: is required$/);
    await says(admin("post", "/teams", { name: "   " }), /^The name must not be empty/, /^name: is required and must not be empty/);
    await says(admin("post", "/invites", { email: "a@example.com", teamIds: ["t", 7] }), /^The 2nd of the teams must be text of at most/, /^teamIds\[1\]: must be a string of at most/);
    await says(admin("post", "/invites", { email: "a@example.com", teamIds: Array(BOUNDS.multiValuedItems + 1).fill("t") }), /^The teams must be a list of texts/, new RegExp(`^teamIds: must be an array of strings \\(at most ${BOUNDS.multiValuedItems} items`));
    await says(admin("patch", "/org", [1, 2]), /^Send the request's details as a JSON object\.$/, /^\(body\): the request body must be a JSON object$/);
    await says(admin("patch", "/org", { plan: 1, nope: 2, autoProvisioning: null }), /^This request does not take “nope”; leave it out\. Choose the plan: standard or enterprise\. The auto-provisioning must be true or false\.$/, /^nope: unknown field; allowed: .*; plan: must be one of standard, enterprise; autoProvisioning: must be true or false$/);
    await says(admin("put", "/sso/oidc", { issuer: "https://x.example", clientId: "c", claimsMapping: { groups: 3 } }), /^The groups of the claim mapping must be text/, /^claimsMapping.groups: must be a string/);
  });

  it("query parameters: unknown, wrong type, out of bounds and repeated are each a 400 naming the parameter", async () => {
    const get = (p: string) => t.http.get(`/api/v1${p}`).set("Authorization", `Bearer ${t.org.key}`);
    const says = async (res: supertest.Response, plain: RegExp, tech: string) => { problem(res, 400, plain); assert.equal(technical(res).join("; "), tech); };
    await says(await get("/members?rol=admin"), /^This request does not take “rol”; leave it out of the address\.$/, "rol: unknown query parameter; allowed: role, modelsSeat, weaveRole, active, billingAdmin, team, q, sort, order, limit, offset");
    await says(await get("/members?limit=abc"), /^The page size must be a whole number from 1 to 500\.$/, "limit: must be an integer from 1 to 500");
    await says(await get("/members?limit=501"), /^The page size must be a whole number from 1 to 500\.$/, "limit: must be an integer from 1 to 500");
    await says(await get("/members?q=a&q=b"), /^Give the search only once in the address\.$/, "q: must be given once");
    await says(await get("/audit?limit=0"), /^The page size must be a whole number from 1 to 200\.$/, "limit: must be an integer from 1 to 200");
    assert.equal((await get("/members?role=ADMIN&limit=5&q=")).status, 200, "case-insensitive words; an empty value is not given");
  });

  it("a body that is not JSON is a 415 on every route that takes a body, and changes nothing", async () => {
    const before = (await t.http.get("/api/v1/org").set("Authorization", `Bearer ${t.org.key}`)).body;
    const res = await send("patch", "/org").type("text/plain").send("autoProvisioning=false");
    problem(res, 415, /^Send the request's details as JSON \(Content-Type: application\/json; got text\/plain/);
    assert.deepEqual((await t.http.get("/api/v1/org").set("Authorization", `Bearer ${t.org.key}`)).body, before);
    for (const r of withBody()) {
      problem(await send(r.method, r.path).type("text/plain").send("{}"), 415, /Content-Type: application\/json/);
      problem(await send(r.method, r.path).type("form").send("a=b"), 415, /application\/x-www-form-urlencoded/);
    }
    // an empty body is no body: the route reads it as {}
    assert.equal((await send("patch", "/org").type("text/plain")).status, 200);
  });
});
