/**
 * The bounds of src/org/bounds.ts at the SCIM boundary (and in the org rules behind every
 * door), over HTTP on the real database. Each measured defect is a regression test here:
 * 5,000 e-mails were a SQLite "too many SQL variables" 500 (POST, PUT, PATCH, Bulk); 10,000
 * a PostgreSQL "bind message" 500; a 2.8 KB externalId / e-mail / displayName a PostgreSQL
 * btree 500 while SQLite stored 100 KB; a seat limit of 2^63 a PostgreSQL 500 and a rounded
 * value on SQLite. Now each is the same 400 on both databases, naming the attribute and the bound.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { BOUNDS } from "../../src/org/bounds.ts";
import { updateOrgSettings } from "../../src/org/orgs/settings.ts";
import { auth, ERROR_URN, GROUP_URN, patch, startTestApp, user, type TestApp } from "../support/app.ts";

const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const ROLE_URN = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Role";
const emails = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ({ value: `${tag}.${i}@example.com`, type: "work" }));

describe("SCIM bounds (BOUNDS at the boundary, the same on every database)", function () {
  this.timeout(120_000);
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });
  const h = () => auth(t.org.key);
  const post = (path: string, body: unknown) => t.http.post(`/scim/v2/${path}`).set(h()).send(body as object);

  /** A 400 invalidValue whose detail names the attribute and the bound. */
  function refused(res: { status: number; body: any; text: string }, attribute: string, bound: keyof typeof BOUNDS) {
    assert.equal(res.status, 400, res.text.slice(0, 300));
    assert.deepEqual(res.body.schemas, [ERROR_URN]);
    assert.equal(res.body.scimType, "invalidValue", res.text.slice(0, 300));
    assert.ok(res.body.detail.includes(attribute), `detail names ${attribute}: ${res.body.detail}`);
    assert.ok(res.body.detail.includes(String(BOUNDS[bound])) && res.body.detail.includes(bound), `detail names ${bound}: ${res.body.detail}`);
  }
  const count = async (table: "members" | "member_emails" | "teams") =>
    Number((await t.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow()).n);

  describe("multi-valued attributes", () => {
    it("POST /Users with 5,000 emails (was SQLite 'too many SQL variables') and 10,000 (was PostgreSQL 'bind message') → 400", async () => {
      const before = await count("member_emails");
      for (const n of [5_000, 10_000]) refused(await post("Users", user(`many.${n}`, { emails: emails(n, `many${n}`) })), "emails", "multiValuedItems");
      assert.equal(await count("member_emails"), before, "nothing was written");
    });

    it("exactly multiValuedItems emails is accepted and stored", async () => {
      const res = await post("Users", user("at.bound", { emails: emails(BOUNDS.multiValuedItems, "atbound") }));
      assert.equal(res.status, 201, res.text);
      const read = await t.http.get(`/scim/v2/Users/${res.body.id}`).set(h());
      assert.equal(read.body.emails.length, BOUNDS.multiValuedItems);
    });

    it("PUT, PATCH add and a Bulk operation with 5,000 emails → 400 and the user is unchanged", async () => {
      const created = await post("Users", user("put.many"));
      assert.equal(created.status, 201, created.text);
      const id = created.body.id;
      refused(await t.http.put(`/scim/v2/Users/${id}`).set(h()).send(user("put.many", { emails: emails(5_000, "put") })), "emails", "multiValuedItems");
      refused(await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "add", path: "emails", value: emails(5_000, "patch") })), "emails", "multiValuedItems");
      // one over the bound through PATCH: the existing e-mail plus 100 new ones
      refused(await t.http.patch(`/scim/v2/Users/${id}`).set(h()).send(patch({ op: "add", path: "emails", value: emails(BOUNDS.multiValuedItems, "one.over") })), "emails", "multiValuedItems");
      const bulk = await post("Bulk", { schemas: [BULK_REQUEST], Operations: [
        { method: "POST", path: "/Users", bulkId: "b1", data: user("bulk.many", { emails: emails(5_000, "bulk") }) },
        { method: "PUT", path: `/Users/${id}`, data: user("put.many", { emails: emails(5_000, "bulkput") }) },
      ] });
      assert.equal(bulk.status, 200, bulk.text);
      for (const op of bulk.body.Operations) refused({ status: Number(op.status), body: op.response, text: JSON.stringify(op) }, "emails", "multiValuedItems");
      const read = await t.http.get(`/scim/v2/Users/${id}`).set(h());
      assert.deepEqual(read.body.emails.map((e: any) => e.value), ["put.many@example.com"]);
    });

    it("a Role with more permissions than multiValuedItems → 400", async () => {
      await updateOrgSettings(t.store.db, t.org.id, { plan: "enterprise" }, { door: "cli", id: "test" });
      const permissions = Array.from({ length: BOUNDS.multiValuedItems + 1 }, () => ({ name: "run:stop" }));
      refused(await post("Roles", { schemas: [ROLE_URN], name: "Many", inheritedFrom: "member", permissions }), "permissions", "multiValuedItems");
    });
  });

  describe("string lengths (PostgreSQL's btree refuses entries over 2,704 bytes; SQLite took 100 KB)", () => {
    const long = "x".repeat(2_800);
    for (const [what, body, attribute, bound] of [
      ["User externalId", () => user("long.ext", { externalId: long }), "externalId", "identifierChars"],
      ["User e-mail", () => user("long.mail", { emails: [{ value: `${long}@example.com`, primary: true }] }), "emails[0].value", "emailChars"],
      ["User displayName", () => user("long.name", { displayName: long }), "displayName", "identifierChars"],
      ["User userName", () => user(long), "userName", "identifierChars"],
      ["User title (free text)", () => user("long.title", { title: "t".repeat(BOUNDS.textChars + 1) }), "title", "textChars"],
      ["User teamRoles teamName", () => user("long.team", { "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User": { teamRoles: [{ teamName: long, roleName: "member" }] } }), "teamName", "identifierChars"],
    ] as const) {
      it(`POST /Users with a too long ${what} → 400`, async () => {
        const before = await count("members");
        refused(await post("Users", body()), attribute, bound);
        assert.equal(await count("members"), before);
      });
    }

    it("POST /Groups with a 2.8 KB displayName or externalId → 400; PATCH replace too", async () => {
      refused(await post("Groups", { schemas: [GROUP_URN], displayName: long }), "displayName", "identifierChars");
      refused(await post("Groups", { schemas: [GROUP_URN], displayName: "ok", externalId: long }), "externalId", "identifierChars");
      const g = await post("Groups", { schemas: [GROUP_URN], displayName: "bounded" });
      assert.equal(g.status, 201, g.text);
      refused(await t.http.patch(`/scim/v2/Groups/${g.body.id}`).set(h()).send(patch({ op: "replace", path: "displayName", value: long })), "displayName", "identifierChars");
      assert.equal((await t.http.get(`/scim/v2/Groups/${g.body.id}`).set(h())).body.displayName, "bounded");
    });

    it("values exactly at the bound are stored and found, even in characters of three UTF-8 bytes that lower-case longer", async () => {
      const name = "İ".repeat(BOUNDS.identifierChars); // lower-cases to two code units each
      const mail = `${"ä".repeat(BOUNDS.emailChars - "@example.com".length)}@example.com`;
      const res = await post("Users", user(name, { externalId: "€".repeat(BOUNDS.identifierChars), displayName: "ß".repeat(BOUNDS.identifierChars), emails: [{ value: mail, primary: true }] }));
      assert.equal(res.status, 201, res.text.slice(0, 300));
      const found = await t.http.get(`/scim/v2/Users?filter=${encodeURIComponent(`emails.value eq "${mail.toUpperCase()}"`)}`).set(h());
      assert.equal(found.body.totalResults, 1);
      assert.equal(found.body.Resources[0].userName, name);
    });

    it("a Role name over roleNameChars → 400 naming the bound; exactly at it is accepted", async () => {
      refused(await post("Roles", { schemas: [ROLE_URN], name: "r".repeat(BOUNDS.roleNameChars + 1), inheritedFrom: "member" }), "name", "roleNameChars");
      refused(await post("Roles", { schemas: [ROLE_URN], name: long, inheritedFrom: "member" }), "name", "roleNameChars");
      const ok = await post("Roles", { schemas: [ROLE_URN], name: "r".repeat(BOUNDS.roleNameChars), inheritedFrom: "member" });
      assert.equal(ok.status, 201, ok.text.slice(0, 300));
    });
  });

  describe("group members per request", () => {
    let group: string;
    let ids: string[];
    before(async () => {
      // More members than one statement can bind (SQLite: 32,766 variables, 6 per row; PostgreSQL: 65,535),
      // stored directly so the test spends its time on the PATCH, not on 6,000 POSTs.
      const at = new Date().toISOString();
      ids = Array.from({ length: 6_000 }, () => crypto.randomUUID());
      for (let i = 0; i < ids.length; i += 500) {
        const part = ids.slice(i, i + 500);
        await t.store.db.insertInto("users").values(part.map((id) => ({ id, email: null, email_key: null, email_verified: 0, display_name: null, created_at: at, updated_at: at }))).execute();
        await t.store.db.insertInto("members").values(part.map((id, j) => ({
          id, org_id: t.org.id, user_id: id, user_name: `bulk.member.${i + j}`, user_name_key: `bulk.member.${i + j}`, external_id: null,
          display_name: null, display_name_key: null, given_name: null, family_name: null, active: 1, org_role: "member", models_seat: "none",
          weave_role: "none", billing_admin: 0, resource: "{}", revision: 1, created_at: at, updated_at: at,
        }))).execute();
      }
      const g = await post("Groups", { schemas: [GROUP_URN], displayName: "big team" });
      assert.equal(g.status, 201, g.text);
      group = g.body.id;
    });

    it("a PATCH adding 6,000 members in one operation is applied in chunks (no 'too many SQL variables')", async () => {
      const res = await t.http.patch(`/scim/v2/Groups/${group}`).set(h()).send(patch({ op: "add", path: "members", value: ids.map((value) => ({ value })) }));
      assert.equal(res.status, 204, res.text.slice(0, 300));
      const n = await t.store.db.selectFrom("team_members").select((eb) => eb.fn.countAll<number>().as("n")).where("team_id", "=", group).executeTakeFirstOrThrow();
      assert.equal(Number(n.n), ids.length);
    });

    it("more than groupMembersPerRequest members in one operation, PUT or POST → 400 naming the bound", async () => {
      const tooMany = Array.from({ length: BOUNDS.groupMembersPerRequest + 1 }, (_, i) => ({ value: ids[i % ids.length] + (i >= ids.length ? `-${i}` : "") }));
      refused(await t.http.patch(`/scim/v2/Groups/${group}`).set(h()).send(patch({ op: "add", path: "members", value: tooMany })), "members", "groupMembersPerRequest");
      refused(await t.http.put(`/scim/v2/Groups/${group}`).set(h()).send({ schemas: [GROUP_URN], displayName: "big team", members: tooMany }), "members", "groupMembersPerRequest");
      refused(await post("Groups", { schemas: [GROUP_URN], displayName: "too big", members: tooMany }), "members", "groupMembersPerRequest");
      const n = await t.store.db.selectFrom("team_members").select((eb) => eb.fn.countAll<number>().as("n")).where("team_id", "=", group).executeTakeFirstOrThrow();
      assert.equal(Number(n.n), ids.length, "the group kept its members");
    });

    it("a member id over identifierChars → 400, not a database error", async () => {
      refused(await t.http.patch(`/scim/v2/Groups/${group}`).set(h()).send(patch({ op: "add", path: "members", value: [{ value: "m".repeat(2_800) }] })), "members.value", "identifierChars");
    });
  });

  describe("counters set by an admin (seat limits)", () => {
    for (const raw of ["9223372036854775808", "9223372036854775807", "1e300", String(BOUNDS.maxCount + 1)]) {
      it(`PATCH /api/v1/org with a seat limit of ${raw} → 400 naming the bound, nothing stored`, async () => {
        const res = await t.http.patch("/api/v1/org").set(h()).set("Content-Type", "application/json").send(`{"fullModelsSeatLimit": ${raw}}`);
        assert.equal(res.status, 400, res.text);
        assert.match(res.body.detail, /full models seat limit/);
        assert.equal(res.body["invalid-params"]?.[0]?.name, "fullModelsSeatLimit");
        assert.match(res.body.detail, new RegExp(`at most ${BOUNDS.maxCount}\\b`));
        assert.equal((await t.http.get("/api/v1/org").set(h())).body.fullModelsSeatLimit, null);
      });
    }

    it("the bound is in the org rules, so every door gets it; maxCount itself is accepted", async () => {
      await assert.rejects(updateOrgSettings(t.store.db, t.org.id, { viewerModelsSeatLimit: 2 ** 63 }, { door: "cli", id: "test" }), /maxCount/);
      const ok = await t.http.patch("/api/v1/org").set(h()).send({ viewerModelsSeatLimit: BOUNDS.maxCount });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.viewerModelsSeatLimit, BOUNDS.maxCount);
    });
  });

  describe("published", () => {
    it("/Schemas names each attribute's bound in its description", async () => {
      const res = await t.http.get("/scim/v2/Schemas").set(h());
      const attr = (schema: string, name: string) => res.body.Resources.find((s: any) => s.id === schema).attributes.find((a: any) => a.name === name);
      const userUrn = "urn:ietf:params:scim:schemas:core:2.0:User";
      assert.match(attr(userUrn, "userName").description, new RegExp(`at most ${BOUNDS.identifierChars} characters`));
      assert.match(attr(userUrn, "emails").description, new RegExp(`at most ${BOUNDS.multiValuedItems} values`));
      assert.match(attr(userUrn, "emails").subAttributes.find((a: any) => a.name === "value").description, new RegExp(`at most ${BOUNDS.emailChars} characters`));
      assert.match(attr(userUrn, "title").description, new RegExp(`at most ${BOUNDS.textChars} characters`));
      assert.match(attr(GROUP_URN, "members").description, new RegExp(`at most ${BOUNDS.groupMembersPerRequest} values`));
      assert.match(attr(ROLE_URN, "name").description, new RegExp(`at most ${BOUNDS.roleNameChars} characters`));
      // no characteristic the RFC does not define (strict clients refuse unknown ones)
      const known = new Set(["name", "type", "multiValued", "description", "required", "caseExact", "canonicalValues", "mutability", "returned", "uniqueness", "referenceTypes", "subAttributes"]);
      for (const s of res.body.Resources) for (const a of s.attributes) for (const k of Object.keys(a)) assert.ok(known.has(k), `${s.id} ${a.name}: ${k}`);
    });

    it("/ServiceProviderConfig has only the fields of RFC 7643 §5 and RFC 9865 (scim2-client and other strict clients refuse others)", async () => {
      const res = await t.http.get("/scim/v2/ServiceProviderConfig");
      assert.equal(res.status, 200);
      const rfc = ["schemas", "documentationUri", "patch", "bulk", "filter", "changePassword", "sort", "etag", "authenticationSchemes", "meta", "pagination",
        "securityEvents"]; // RFC 9967 §2.3 adds it to the ServiceProviderConfig
      // anything else is an extension that `schemas` declares (strict clients read it from /Schemas)
      assert.deepEqual(Object.keys(res.body).filter((k) => !rfc.includes(k) && !res.body.schemas.includes(k)), []);
      assert.deepEqual(res.body.schemas.slice(1), ["urn:ietf:params:scim:schemas:extension:rollcall:2.0:ServiceProviderConfig"]);
      assert.deepEqual(Object.keys(res.body.bulk).sort(), ["maxOperations", "maxPayloadSize", "supported"]);
      assert.deepEqual(Object.keys(res.body.filter).sort(), ["maxResults", "supported"]);
    });
  });
});
