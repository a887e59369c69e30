/**
 * Discovery (RFC 7644 §4, RFC 7643 §5–7): /ServiceProviderConfig, /ResourceTypes
 * and /Schemas are complete documents served as application/scim+json.
 */
import assert from "node:assert/strict";
import { ERROR_URN, GROUP_URN, startTestApp, USER_URN, type TestApp } from "../support/app.ts";

const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ROLLCALL_USER_URN = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User";
const ROLLCALL_GROUP_URN = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Group";
const TEAMS_USER_URN = "urn:ietf:params:scim:schemas:extension:teams:2.0:User";
const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

const MUTABILITY = ["readOnly", "readWrite", "immutable", "writeOnly"];
const RETURNED = ["always", "never", "default", "request"];
const UNIQUENESS = ["none", "server", "global"];
const TYPES = ["string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"];

/** Every problem with one attribute definition and, recursively, its sub-attributes. */
function attributeProblems(attr: any, path: string): string[] {
  const where = `${path}.${attr?.name}`;
  const out: string[] = [];
  if (typeof attr.name !== "string" || !attr.name) out.push(`${where}: name`);
  if (!TYPES.includes(attr.type)) out.push(`${where}: type ${attr.type}`);
  if (typeof attr.multiValued !== "boolean") out.push(`${where}: multiValued`);
  if (typeof attr.description !== "string") out.push(`${where}: description`);
  if (typeof attr.required !== "boolean") out.push(`${where}: required`);
  if (!MUTABILITY.includes(attr.mutability)) out.push(`${where}: mutability ${attr.mutability}`);
  if (!RETURNED.includes(attr.returned)) out.push(`${where}: returned ${attr.returned}`);
  if (attr.type !== "complex") {
    if (typeof attr.caseExact !== "boolean") out.push(`${where}: caseExact`);
    if (!UNIQUENESS.includes(attr.uniqueness)) out.push(`${where}: uniqueness ${attr.uniqueness}`);
  }
  if (attr.type === "reference" && (!Array.isArray(attr.referenceTypes) || attr.referenceTypes.length === 0)) out.push(`${where}: referenceTypes`);
  if (attr.type === "complex") {
    if (!Array.isArray(attr.subAttributes) || attr.subAttributes.length === 0) out.push(`${where}: subAttributes`);
  } else if (attr.subAttributes !== undefined) out.push(`${where}: subAttributes on a ${attr.type}`);
  for (const sub of attr.subAttributes ?? []) out.push(...attributeProblems(sub, where));
  return out;
}

const find = (attrs: any[], name: string) => attrs.find((a) => a.name === name);

describe("SCIM discovery", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp({ maxPageSize: 250 }); });
  after(async () => { await t.close(); });

  it("the completeness check itself catches a missing characteristic", () => {
    const ok = { name: "x", type: "string", multiValued: false, description: "", required: false, caseExact: false, mutability: "readWrite", returned: "default", uniqueness: "none" };
    assert.deepEqual(attributeProblems(ok, "s"), []);
    assert.equal(attributeProblems({ ...ok, uniqueness: undefined }, "s").length, 1);
    assert.equal(attributeProblems({ ...ok, type: "reference" }, "s").length, 1);
    const complex = { ...ok, type: "complex", caseExact: undefined, uniqueness: undefined, subAttributes: [{ ...ok, returned: undefined }] };
    assert.deepEqual(attributeProblems(complex, "s"), ["s.x.x: returned undefined"]);
  });

  it("/ServiceProviderConfig describes what the server does", async () => {
    const res = await t.http.get("/scim/v2/ServiceProviderConfig");
    assert.equal(res.status, 200);
    assert.match(res.headers["content-type"], /^application\/scim\+json/);
    const spc = res.body;
    assert.deepEqual(spc.schemas, ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig", "urn:ietf:params:scim:schemas:extension:rollcall:2.0:ServiceProviderConfig"]);
    assert.equal(spc.patch.supported, true);
    assert.equal(spc.filter.supported, true);
    assert.equal(spc.filter.maxResults, 250, "maxResults is the configured maximum page size");
    assert.equal(spc.sort.supported, true);
    assert.equal(spc.etag.supported, true);
    assert.equal(spc.changePassword.supported, false);
    assert.equal(spc.bulk.supported, true);
    assert.equal(spc.bulk.maxOperations, 1000);
    assert.equal(spc.bulk.maxPayloadSize, t.config.maxBodyBytes, "maxPayloadSize is the configured body limit");
    const types = spc.authenticationSchemes.map((s: any) => s.type).sort();
    assert.deepEqual(types, ["httpbasic", "oauthbearertoken"]);
    for (const s of spc.authenticationSchemes) {
      assert.equal(typeof s.name, "string");
      assert.equal(typeof s.description, "string");
    }
    assert.equal(spc.pagination.cursor, true);
    assert.equal(spc.pagination.index, true);
    assert.equal(spc.pagination.maxPageSize, 250);
    assert.equal(spc.pagination.defaultPaginationMethod, "index");
    assert.ok(spc.pagination.defaultPageSize <= 250);
    assert.equal(typeof spc.pagination.cursorTimeout, "number");
    assert.equal(spc.meta.resourceType, "ServiceProviderConfig");
    assert.match(spc.meta.location, /\/scim\/v2\/ServiceProviderConfig$/);
  });

  it("never advertises a default page size above the maximum", async () => {
    const tiny = await startTestApp({ maxPageSize: 5 });
    try {
      const spc = (await tiny.http.get("/scim/v2/ServiceProviderConfig")).body;
      assert.equal(spc.pagination.maxPageSize, 5);
      assert.equal(spc.pagination.defaultPageSize, 5);
      assert.equal(spc.filter.maxResults, 5);
    } finally {
      await tiny.close();
    }
  });

  it("/Bulk needs a key, like every resource endpoint", async () => {
    const res = await t.http.post("/scim/v2/Bulk").send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [] });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body.schemas, [ERROR_URN]);
  });

  it("/ResourceTypes lists User (enterprise, rollcall and W&B teams extensions) and Group", async () => {
    const res = await t.http.get("/scim/v2/ResourceTypes");
    assert.equal(res.status, 200);
    assert.match(res.headers["content-type"], /^application\/scim\+json/);
    assert.deepEqual(res.body.schemas, [LIST_URN]);
    // other resource types (e.g. Role) may be served too; User and Group must be
    assert.equal(res.body.totalResults, res.body.Resources.length);
    const byId = new Map(res.body.Resources.map((r: any) => [r.id, r]));
    const u: any = byId.get("User");
    assert.equal(u.endpoint, "/Users");
    assert.equal(u.schema, USER_URN);
    assert.deepEqual(u.schemaExtensions.map((e: any) => e.schema).sort(), [ENTERPRISE_URN, ROLLCALL_USER_URN, TEAMS_USER_URN].sort());
    assert.ok(u.schemaExtensions.every((e: any) => e.required === false));
    const g: any = byId.get("Group");
    assert.equal(g.endpoint, "/Groups");
    assert.equal(g.schema, GROUP_URN);
    assert.deepEqual(g.schemaExtensions.map((e: any) => e.schema), [ROLLCALL_GROUP_URN]);
    for (const r of res.body.Resources) {
      assert.deepEqual(r.schemas, ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"]);
      assert.match(r.meta.location, new RegExp(`/scim/v2/ResourceTypes/${r.id}$`));
    }
  });

  it("/ResourceTypes/User is the User type; an unknown type is a 404 SCIM error", async () => {
    const res = await t.http.get("/scim/v2/ResourceTypes/User");
    assert.equal(res.status, 200);
    assert.match(res.headers["content-type"], /^application\/scim\+json/);
    assert.equal(res.body.id, "User");
    assert.equal(res.body.schema, USER_URN);
    assert.equal(res.body.schemaExtensions.length, 3);
    const missing = await t.http.get("/scim/v2/ResourceTypes/Printer");
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body.schemas, [ERROR_URN]);
    assert.equal(missing.body.status, "404");
  });

  it("/Schemas lists every schema and every attribute is fully described (recursively)", async () => {
    const res = await t.http.get("/scim/v2/Schemas");
    assert.equal(res.status, 200);
    assert.match(res.headers["content-type"], /^application\/scim\+json/);
    assert.deepEqual(res.body.schemas, [LIST_URN]);
    const ids = res.body.Resources.map((s: any) => s.id);
    for (const urn of [USER_URN, ENTERPRISE_URN, ROLLCALL_USER_URN, TEAMS_USER_URN, GROUP_URN, ROLLCALL_GROUP_URN]) assert.ok(ids.includes(urn), urn);
    assert.equal(new Set(ids).size, ids.length);
    assert.equal(res.body.totalResults, ids.length);
    // every schema a resource type names is served
    const types = (await t.http.get("/scim/v2/ResourceTypes")).body.Resources;
    for (const rt of types) for (const urn of [rt.schema, ...(rt.schemaExtensions ?? []).map((e: any) => e.schema)]) assert.ok(ids.includes(urn), urn);
    const problems: string[] = [];
    for (const s of res.body.Resources) {
      assert.deepEqual(s.schemas, ["urn:ietf:params:scim:schemas:core:2.0:Schema"]);
      assert.equal(typeof s.name, "string");
      assert.equal(typeof s.description, "string");
      assert.ok(s.attributes.length > 0, s.id);
      assert.equal(s.meta.resourceType, "Schema");
      assert.match(s.meta.location, /^https?:\/\/.+\/scim\/v2\/Schemas\/urn:/);
      for (const a of s.attributes) problems.push(...attributeProblems(a, s.id));
    }
    assert.deepEqual(problems, []);
  });

  it("/Schemas/{urn} serves one schema with our characteristics", async () => {
    const user = await t.http.get(`/scim/v2/Schemas/${USER_URN}`);
    assert.equal(user.status, 200);
    assert.match(user.headers["content-type"], /^application\/scim\+json/);
    assert.equal(user.body.id, USER_URN);
    const attrs = user.body.attributes;
    const userName = find(attrs, "userName");
    assert.equal(userName.required, true);
    assert.equal(userName.uniqueness, "server");
    assert.equal(userName.caseExact, false);
    const password = find(attrs, "password");
    assert.equal(password.returned, "never");
    assert.equal(password.mutability, "writeOnly");
    assert.equal(find(attrs, "groups").mutability, "readOnly");
    assert.deepEqual(find(find(attrs, "groups").subAttributes, "$ref").referenceTypes.sort(), ["Group", "User"]);
    assert.equal(find(attrs, "emails").multiValued, true);

    const group = await t.http.get(`/scim/v2/Schemas/${GROUP_URN}`);
    assert.equal(group.status, 200);
    const members = find(group.body.attributes, "members");
    assert.deepEqual(find(members.subAttributes, "$ref").referenceTypes, ["User"]);
    assert.equal(find(members.subAttributes, "value").caseExact, true);

    for (const urn of [ENTERPRISE_URN, ROLLCALL_USER_URN, ROLLCALL_GROUP_URN]) {
      const res = await t.http.get(`/scim/v2/Schemas/${encodeURIComponent(urn)}`);
      assert.equal(res.status, 200, urn);
      assert.equal(res.body.id, urn);
      assert.deepEqual(res.body.attributes.flatMap((a: any) => attributeProblems(a, urn)), []);
    }
    const manager = find((await t.http.get(`/scim/v2/Schemas/${ENTERPRISE_URN}`)).body.attributes, "manager");
    assert.deepEqual(find(manager.subAttributes, "$ref").referenceTypes, ["User"]);
    const rollcall = (await t.http.get(`/scim/v2/Schemas/${ROLLCALL_USER_URN}`)).body;
    assert.deepEqual(find(rollcall.attributes, "organizationRole").canonicalValues, ["admin", "member", "viewer"]);
  });

  it("an unknown schema is a 404 SCIM error", async () => {
    for (const urn of ["urn:ietf:params:scim:schemas:core:2.0:Printer", "nope"]) {
      const res = await t.http.get(`/scim/v2/Schemas/${urn}`);
      assert.equal(res.status, 404);
      assert.match(res.headers["content-type"], /^application\/scim\+json/);
      assert.deepEqual(res.body.schemas, [ERROR_URN]);
      assert.equal(res.body.status, "404");
      assert.ok(res.body.detail.includes(urn));
    }
  });
});
