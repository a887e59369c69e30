import assert from "node:assert/strict";
import { buildRegistry } from "../../src/admin/router.ts";
import { startTestApp, type TestApp } from "../support/app.ts";

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
});
