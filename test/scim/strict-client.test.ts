/**
 * A strict-model SCIM client, as python-scim's scim2-client is: discovery documents are
 * parsed with models of RFC 7643 §5–7 (and RFC 9865) that refuse every attribute they do
 * not define; an extension is allowed only when `schemas` names it and /Schemas defines
 * each of its attributes. Then the checker's requests: PATCH of an extension whose value
 * carries `schemas`, POST /.search at the root, and a Role's externalId.
 */
import assert from "node:assert/strict";
import { z } from "zod";
import { auth, GROUP_URN, patch, startTestApp, USER_URN, type TestApp, type TestOrg } from "../support/app.ts";
import { scimUser, setOrg } from "../support/members.ts";

const SPC_URN = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RT_URN = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ROLE_URN = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Role";
const SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

const supported = z.strictObject({ supported: z.boolean() });
const meta = z.strictObject({ resourceType: z.string(), location: z.string().url(), created: z.string().optional(), lastModified: z.string().optional(), version: z.string().optional() });
/** RFC 7643 §5, with RFC 9865's pagination. (RFC 9967's securityEvents may join it: another branch adds it.) */
const SPC_CORE = {
  schemas: z.array(z.string()).min(1),
  documentationUri: z.string().url().optional(),
  patch: supported,
  bulk: z.strictObject({ supported: z.boolean(), maxOperations: z.number().int(), maxPayloadSize: z.number().int() }),
  filter: z.strictObject({ supported: z.boolean(), maxResults: z.number().int() }),
  changePassword: supported,
  sort: supported,
  etag: supported,
  authenticationSchemes: z.array(z.strictObject({
    type: z.string(), name: z.string(), description: z.string(), specUri: z.string().url().optional(), documentationUri: z.string().url().optional(), primary: z.boolean().optional(),
  })).min(1),
  pagination: z.strictObject({
    cursor: z.boolean(), index: z.boolean(), defaultPaginationMethod: z.enum(["cursor", "index"]).optional(),
    defaultPageSize: z.number().int().optional(), maxPageSize: z.number().int().optional(), cursorTimeout: z.number().int().optional(),
  }).optional(),
  securityEvents: z.unknown().optional(),
  meta,
};
interface AttrDoc { name: string; type: string; multiValued: boolean; description: string; required: boolean; mutability: string; returned: string; caseExact?: boolean; uniqueness?: string; referenceTypes?: string[]; subAttributes?: AttrDoc[]; canonicalValues?: string[] }
const attribute: z.ZodType<AttrDoc> = z.lazy(() => z.strictObject({
  name: z.string(), type: z.enum(["string", "boolean", "decimal", "integer", "dateTime", "binary", "reference", "complex"]),
  multiValued: z.boolean(), description: z.string(), required: z.boolean(), canonicalValues: z.array(z.string()).optional(),
  caseExact: z.boolean().optional(), mutability: z.enum(["readOnly", "readWrite", "immutable", "writeOnly"]),
  returned: z.enum(["always", "never", "default", "request"]), uniqueness: z.enum(["none", "server", "global"]).optional(),
  referenceTypes: z.array(z.string()).optional(), subAttributes: z.array(attribute).optional(),
}));
const schemaModel = z.strictObject({ schemas: z.tuple([z.literal(SCHEMA_URN)]), id: z.string(), name: z.string(), description: z.string(), attributes: z.array(attribute).min(1), meta });
const resourceTypeModel = z.strictObject({
  schemas: z.tuple([z.literal(RT_URN)]), id: z.string(), name: z.string(), description: z.string().optional(), endpoint: z.string(),
  schema: z.string(), schemaExtensions: z.array(z.strictObject({ schema: z.string(), required: z.boolean() })).optional(), meta,
});
const listOf = <T extends z.ZodType>(item: T) => z.strictObject({
  schemas: z.tuple([z.literal("urn:ietf:params:scim:api:messages:2.0:ListResponse")]), totalResults: z.number().int(), itemsPerPage: z.number().int(), startIndex: z.number().int(), Resources: z.array(item),
});

type SchemaDoc = z.infer<typeof schemaModel>;
/** A strict model of one extension's value, from its /Schemas definition. */
function extensionModel(def: SchemaDoc): z.ZodType {
  const scalar = (a: { type: string }) => ({ integer: z.number().int(), decimal: z.number(), boolean: z.boolean() } as Record<string, z.ZodType>)[a.type] ?? z.string();
  return z.strictObject(Object.fromEntries(def.attributes.map((a) => [a.name, a.required ? scalar(a) : scalar(a).optional()])));
}

describe("a strict-model SCIM client (scim2-client's models)", () => {
  let t: TestApp;
  let org: TestOrg;
  let schemas: SchemaDoc[];
  before(async () => {
    t = await startTestApp();
    org = await t.newOrg();
    await setOrg(t, org, { plan: "enterprise" });
    schemas = listOf(schemaModel).parse((await t.http.get("/scim/v2/Schemas")).body).Resources;
  });
  after(async () => { await t.close(); });
  const h = () => auth(org.key);

  it("the strict models refuse what RFC 7643 does not define (the check itself can fail)", () => {
    assert.throws(() => z.strictObject(SPC_CORE).parse({ schemas: [SPC_URN], filter: { supported: true, maxResults: 1, maxFilterLength: 10 } }));
    assert.throws(() => extensionModel({ schemas: [SCHEMA_URN], id: "x", name: "x", description: "", attributes: [{ name: "a", type: "integer", multiValued: false, description: "", required: true, mutability: "readOnly", returned: "default" }], meta: { resourceType: "Schema", location: "http://x/y" } }).parse({ a: 1, b: 2 }));
  });

  it("parses /ServiceProviderConfig: RFC 7643 and RFC 9865 attributes only, our limits in a declared extension", async () => {
    const spc = (await t.http.get("/scim/v2/ServiceProviderConfig")).body;
    const extensions = spc.schemas.filter((s: string) => s !== SPC_URN);
    assert.equal(spc.schemas[0], SPC_URN);
    const model = z.strictObject({
      ...SPC_CORE,
      ...Object.fromEntries(extensions.map((urn: string) => {
        const def = schemas.find((s) => s.id === urn);
        assert.ok(def, `${urn} is named in schemas and served by /Schemas`);
        return [urn, extensionModel(def)];
      })),
    });
    const parsed = model.parse(spc) as unknown as Record<string, Record<string, number>>;
    const limits = parsed["urn:ietf:params:scim:schemas:extension:rollcall:2.0:ServiceProviderConfig"];
    assert.equal(limits?.maxFilterLength, 4096);
    assert.equal(limits?.maxGroupMembersPerRequest, 10_000);
    assert.equal(spc.interopProfileConformant, undefined, "not claimed: README says which points Rollcall departs from and why");
  });

  it("parses /ResourceTypes; every schema they name is served by /Schemas; id equals name", async () => {
    const types = listOf(resourceTypeModel).parse((await t.http.get("/scim/v2/ResourceTypes")).body).Resources;
    const ids = new Set(schemas.map((s) => s.id));
    for (const rt of types) {
      assert.equal(rt.id, rt.name);
      for (const urn of [rt.schema, ...(rt.schemaExtensions ?? []).map((e) => e.schema)]) assert.ok(ids.has(urn), `${rt.id}: ${urn}`);
    }
    for (const id of ["User", "Group", "Role"]) resourceTypeModel.parse((await t.http.get(`/scim/v2/ResourceTypes/${id}`)).body);
  });

  it("parses /Schemas and /Schemas/{id}; typed attributes declare their canonical types", async () => {
    for (const s of schemas) schemaModel.parse((await t.http.get(`/scim/v2/Schemas/${encodeURIComponent(s.id)}`)).body);
    const user = schemas.find((s) => s.id === USER_URN)!;
    for (const name of ["emails", "phoneNumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509Certificates"]) {
      const a = user.attributes.find((x) => x.name === name);
      const type = a?.subAttributes?.find((s) => s.name === "type");
      assert.ok(type?.canonicalValues?.length, `${name}.type declares its canonical values`);
    }
  });

  it("PATCH with path = an extension URN and a value that carries schemas", async () => {
    const id = await scimUser(t, org, "strict.ext");
    const res = await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "add", path: ENTERPRISE, value: { schemas: [ENTERPRISE], department: "Research", employeeNumber: "42" } }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body[ENTERPRISE].department, "Research");
    assert.equal(res.body[ENTERPRISE].schemas, undefined);
    const row = await t.store.db.selectFrom("members").select("resource").where("id", "=", id).executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.resource)[ENTERPRISE], { department: "Research", employeeNumber: "42" });
  });

  it("POST /.search at the root searches Users and Groups, paged over both", async () => {
    const uid = await scimUser(t, org, "root.search.user");
    const g = await t.http.post("/scim/v2/Groups").set(h()).send({ schemas: [GROUP_URN], displayName: "root.search.group", members: [{ value: uid }] });
    assert.equal(g.status, 201);
    const search = (body: Record<string, unknown>) => t.http.post("/scim/v2/.search").set(h()).send({ schemas: [SEARCH_URN], ...body });
    let res = await search({ filter: 'userName sw "root.search" or displayName sw "root.search"' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.totalResults, 2);
    assert.deepEqual(res.body.Resources.map((r: { id: string }) => r.id), [uid, g.body.id]);
    assert.deepEqual(res.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType), ["User", "Group"]);
    res = await search({ filter: 'userName eq "root.search.user"' }); // only Users have userName: Groups match nothing
    assert.deepEqual(res.body.Resources.map((r: { id: string }) => r.id), [uid]);
    res = await search({ filter: 'displayName sw "root.search" or userName sw "root.search"', startIndex: 2, count: 1 });
    assert.equal(res.body.totalResults, 2);
    assert.deepEqual(res.body.Resources.map((r: { id: string }) => r.id), [g.body.id]);
    const bad = await search({ filter: 'shoeSize eq "9"' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.scimType, "invalidFilter");
    assert.equal((await t.http.post("/scim/v2/.search").send({ schemas: [SEARCH_URN] })).status, 401);
  });

  it("a Role's externalId is stored by POST, PATCH and PUT, filterable case-exactly", async () => {
    const created = await t.http.post("/scim/v2/Roles").set(h()).send({ schemas: [ROLE_URN], name: "Ext Role", inheritedFrom: "member", externalId: "Ext-1" });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.externalId, "Ext-1");
    const id = created.body.id;
    const stored = async () => (await t.store.db.selectFrom("custom_roles").select("external_id").where("id", "=", id).executeTakeFirstOrThrow()).external_id;
    assert.equal(await stored(), "Ext-1");
    let res = await t.http.patch(`/scim/v2/Roles/${id}`).set(h()).send(patch({ op: "replace", path: "externalId", value: "Ext-2" }));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.externalId, "Ext-2");
    assert.equal(await stored(), "Ext-2");
    const found = await t.http.get(`/scim/v2/Roles?filter=${encodeURIComponent('externalId eq "Ext-2"')}`).set(h());
    assert.deepEqual(found.body.Resources.map((r: { id: string }) => r.id), [id]);
    const otherCase = await t.http.get(`/scim/v2/Roles?filter=${encodeURIComponent('externalId eq "ext-2"')}`).set(h());
    assert.equal(otherCase.body.totalResults, 0, "externalId is case-exact");
    res = await t.http.put(`/scim/v2/Roles/${id}`).set(h()).send({ schemas: [ROLE_URN], name: "Ext Role", inheritedFrom: "member", externalId: "Ext-3" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(await stored(), "Ext-3");
    res = await t.http.put(`/scim/v2/Roles/${id}`).set(h()).send({ schemas: [ROLE_URN], name: "Ext Role", inheritedFrom: "member" });
    assert.equal(res.body.externalId, undefined);
    assert.equal(await stored(), null, "a PUT without externalId clears it");
  });
});
