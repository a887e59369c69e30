/**
 * Replays Microsoft Entra ID's provisioning service, request by request, in the
 * order it sends them ("Tutorial: Develop and plan provisioning for a SCIM endpoint
 * in Microsoft Entra ID"; "Known issues and resolutions with SCIM 2.0 protocol
 * compliance": the `aadOptscim062020` flag on the tenant URL). Every request goes
 * to a URL carrying that flag, with the capitalised ops, string booleans, dotted
 * path-less keys and value-list member removal Entra sends. Every step checks the
 * response and then the state by reading it back.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { auth, ERROR_URN, GROUP_URN, PATCH_URN, startTestApp, USER_URN, type TestApp } from "../support/app.ts";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const FLAG = "aadOptscim062020";
const q = (filter: string) => encodeURIComponent(filter);

/** `/scim/v2/<path>` with the flag Entra appends to the tenant URL, before or among other parameters. */
function url(path: string, query = ""): string {
  return `/scim/v2/${path}?${FLAG}${query ? `&${query}` : ""}`;
}

/** The body Entra POSTs to /Users with the default attribute mappings. */
function entraUser(userName: string, externalId: string, managerId: string) {
  return {
    schemas: [USER_URN, ENT],
    externalId,
    userName,
    active: true,
    displayName: "Test User",
    emails: [{ primary: true, type: "work", value: userName }],
    meta: { resourceType: "User" },
    name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
    roles: [],
    [ENT]: { employeeNumber: "701984", department: "Tour Operations", manager: { value: managerId } },
  };
}

const entraPatch = (...Operations: unknown[]) => ({ schemas: [PATCH_URN], Operations });

describe("Entra ID conformance (?aadOptscim062020)", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });
  const h = () => auth(t.org.key);
  const get = (u: string) => t.http.get(u).set(h());

  it("the connection test: a filter on a random GUID userName is 200 with an empty list (not 404)", async () => {
    const res = await get(url("Users", `filter=${q(`userName eq "${crypto.randomUUID()}"`)}`));
    assert.equal(res.status, 200);
    assert.match(res.headers["content-type"], /^application\/scim\+json/);
    assert.deepEqual(res.body.schemas, [LIST_URN]);
    assert.equal(res.body.totalResults, 0);
    assert.deepEqual(res.body.Resources, []);
  });

  it("the flag alone, as the only query parameter, lists as without it", async () => {
    const withFlag = await get(url("Users"));
    const without = await get("/scim/v2/Users");
    assert.equal(withFlag.status, 200);
    assert.deepEqual(withFlag.body, without.body);
  });

  describe("user lifecycle", () => {
    const userName = "Test_User_ab6490ee@testuser.com";
    const externalId = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef";
    const managerId = crypto.randomUUID();
    let id = "";

    it("looks the user up by userName before creating: empty list", async () => {
      const res = await get(url("Users", `filter=${q(`userName eq "${userName}"`)}`));
      assert.equal(res.status, 200);
      assert.equal(res.body.totalResults, 0);
      assert.deepEqual(res.body.Resources, []);
    });

    it("creates the user with Entra's body (enterprise extension, meta, empty roles): 201", async () => {
      const res = await t.http.post(url("Users")).set(h()).send(entraUser(userName, externalId, managerId));
      assert.equal(res.status, 201, JSON.stringify(res.body));
      id = res.body.id;
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.userName, userName);
      assert.equal(res.body.externalId, externalId);
      assert.equal(res.body.active, true);
      assert.deepEqual(res.body.name, { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" });
      assert.deepEqual(res.body.emails, [{ primary: true, type: "work", value: userName }]);
      assert.ok(res.body.schemas.includes(ENT));
      assert.deepEqual(res.body[ENT], { employeeNumber: "701984", department: "Tour Operations", manager: { value: managerId } });
      assert.equal(res.body.meta.resourceType, "User");
      assert.match(res.headers.location, new RegExp(`/scim/v2/Users/${id}$`));
      const read = await get(url(`Users/${id}`));
      assert.equal(read.status, 200);
      assert.deepEqual(read.body[ENT], res.body[ENT]);
      assert.equal(read.body.externalId, externalId);
    });

    it("finds the user by externalId and by userName (case-insensitively)", async () => {
      const byExt = await get(url("Users", `filter=${q(`externalId eq "${externalId}"`)}`));
      assert.equal(byExt.status, 200);
      assert.equal(byExt.body.totalResults, 1);
      assert.equal(byExt.body.Resources[0].id, id);
      const byName = await get(url("Users", `filter=${q(`userName eq "${userName.toUpperCase()}"`)}`));
      assert.equal(byName.body.totalResults, 1);
      assert.equal(byName.body.Resources[0].id, id);
    });

    it("PATCH with capitalised ops: Replace and Add", async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch(
        { op: "Replace", path: "displayName", value: "Replaced Name" },
        { op: "Add", path: "title", value: "Engineer" },
        { op: "Add", path: `${ENT}:manager`, value: "another-manager-id" },
      ));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.displayName, "Replaced Name");
      assert.equal(res.body.title, "Engineer");
      const after = (await get(url(`Users/${id}`))).body;
      assert.equal(after.displayName, "Replaced Name");
      assert.equal(after.title, "Engineer");
      assert.deepEqual(after[ENT].manager, { value: "another-manager-id" });
      assert.equal(after[ENT].department, "Tour Operations");
    });

    it("path-less replace with dotted keys applies every key", async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch({
        op: "replace",
        value: {
          displayName: "X",
          "name.givenName": "Y",
          'emails[type eq "work"].value': "new@x.com",
          [`${ENT}:department`]: "D",
        },
      }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const after = (await get(url(`Users/${id}`))).body;
      assert.equal(after.displayName, "X");
      assert.equal(after.name.givenName, "Y");
      assert.equal(after.name.familyName, "familyName");
      assert.deepEqual(after.emails, [{ primary: true, type: "work", value: "new@x.com" }]);
      assert.equal(after[ENT].department, "D");
      assert.equal(after[ENT].employeeNumber, "701984");
      const byEmail = await get(url("Users", `filter=${q('emails.value eq "NEW@x.com"')}`));
      assert.equal(byEmail.body.totalResults, 1, "the e-mail index follows the patch");
    });

    it('Add on emails[type eq "work"].value replaces the work e-mail; on a missing type it creates one', async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch(
        { op: "Add", path: 'emails[type eq "work"].value', value: "work2@x.com" },
        { op: "Add", path: 'emails[type eq "other"].value', value: "other@x.com" },
      ));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const after = (await get(url(`Users/${id}`))).body;
      assert.deepEqual(after.emails, [
        { primary: true, type: "work", value: "work2@x.com" },
        { type: "other", value: "other@x.com" },
      ]);
    });

    it("adds a phone number through a filtered Add on a user that has none", async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch(
        { op: "Add", path: 'phoneNumbers[type eq "mobile"].value', value: "+1 555 0100" },
        { op: "Add", path: 'addresses[type eq "work"].locality', value: "Redmond" },
      ));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const after = (await get(url(`Users/${id}`))).body;
      assert.deepEqual(after.phoneNumbers, [{ type: "mobile", value: "+1 555 0100" }]);
      assert.deepEqual(after.addresses, [{ type: "work", locality: "Redmond" }]);
    });

    it("removes the manager with Remove on its URN path, keeping the other enterprise attributes", async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch({ op: "Remove", path: `${ENT}:manager` }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const after = (await get(url(`Users/${id}`))).body;
      assert.equal(after[ENT].manager, undefined);
      assert.equal(after[ENT].department, "D");
      // And sets it back with a dotted path-less key holding the manager's id as a string.
      const back = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch({ op: "Replace", value: { [`${ENT}:manager`]: managerId } }));
      assert.equal(back.status, 200, JSON.stringify(back.body));
      assert.deepEqual((await get(url(`Users/${id}`))).body[ENT].manager, { value: managerId });
    });

    it('roles with primary "True" (a string) are stored as booleans', async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch({
        op: "Add", path: "roles",
        value: [{ primary: "True", type: "WindowsAzureActiveDirectoryRole", display: "Admin", value: "Admin" }],
      }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const after = (await get(url(`Users/${id}`))).body;
      assert.deepEqual(after.roles, [{ primary: true, type: "WindowsAzureActiveDirectoryRole", display: "Admin", value: "Admin" }]);
    });

    it('the single-app-role mapping: roles[primary eq "True"].value with Add, then Replace, then Remove', async () => {
      const fresh = (await t.http.post(url("Users")).set(h()).send(entraUser("role.user@testuser.com", crypto.randomUUID(), managerId))).body;
      const add = await t.http.patch(url(`Users/${fresh.id}`)).set(h()).send(entraPatch({ op: "Add", path: 'roles[primary eq "True"].value', value: "Admin" }));
      assert.equal(add.status, 200, JSON.stringify(add.body));
      assert.deepEqual((await get(url(`Users/${fresh.id}`))).body.roles, [{ primary: true, value: "Admin" }]);
      const replace = await t.http.patch(url(`Users/${fresh.id}`)).set(h()).send(entraPatch({ op: "Replace", path: 'roles[primary eq "True"].value', value: "Reader" }));
      assert.equal(replace.status, 200, JSON.stringify(replace.body));
      assert.deepEqual((await get(url(`Users/${fresh.id}`))).body.roles, [{ primary: true, value: "Reader" }]);
      const dotted = await t.http.patch(url(`Users/${fresh.id}`)).set(h()).send(entraPatch({ op: "replace", value: { 'roles[primary eq "True"].value': "Writer" } }));
      assert.equal(dotted.status, 200, JSON.stringify(dotted.body));
      assert.deepEqual((await get(url(`Users/${fresh.id}`))).body.roles, [{ primary: true, value: "Writer" }]);
      const remove = await t.http.patch(url(`Users/${fresh.id}`)).set(h()).send(entraPatch({ op: "Remove", path: 'roles[primary eq "True"]' }));
      assert.equal(remove.status, 200, JSON.stringify(remove.body));
      assert.equal((await get(url(`Users/${fresh.id}`))).body.roles, undefined);
      // A quoted "True" compared with a string sub-attribute stays a string.
      const typed = await t.http.patch(url(`Users/${fresh.id}`)).set(h()).send(entraPatch({ op: "Add", path: 'roles[type eq "True"].value', value: "Odd" }));
      assert.equal(typed.status, 200, JSON.stringify(typed.body));
      assert.deepEqual((await get(url(`Users/${fresh.id}`))).body.roles, [{ type: "True", value: "Odd" }]);
    });

    it('{op: "Replace", path: "active", value: "False"} deactivates (soft delete)', async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch({ op: "Replace", path: "active", value: "False" }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.active, false);
      const after = (await get(url(`Users/${id}`))).body;
      assert.equal(after.active, false);
      assert.equal(after.displayName, "X", "nothing else changes");
      const inactive = await get(url("Users", `filter=${q(`externalId eq "${externalId}" and active eq false`)}`));
      assert.equal(inactive.body.totalResults, 1);
    });

    it('path-less {op: "Replace", value: {active: "False"}} deactivates too', async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch({ op: "Replace", value: { active: "False" } }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await get(url(`Users/${id}`))).body.active, false);
    });

    it('{op: "Replace", path: "active", value: "True"} reactivates', async () => {
      const res = await t.http.patch(url(`Users/${id}`)).set(h()).send(entraPatch({ op: "Replace", path: "active", value: "True" }));
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal((await get(url(`Users/${id}`))).body.active, true);
    });
  });

  describe("groups", () => {
    const uids: string[] = [];
    let gid = "";
    before(async () => {
      for (const n of ["grp.one@testuser.com", "grp.two@testuser.com"]) {
        const res = await t.http.post(url("Users")).set(h()).send(entraUser(n, crypto.randomUUID(), crypto.randomUUID()));
        assert.equal(res.status, 201, JSON.stringify(res.body));
        uids.push(res.body.id);
      }
    });
    const memberIds = async () => ((await get(url(`Groups/${gid}`))).body.members ?? []).map((m: any) => m.value).sort();

    it("looks the group up (excludedAttributes=members) before creating: empty list", async () => {
      const res = await get(url("Groups", `excludedAttributes=members&filter=${q('displayName eq "Group1DisplayName"')}`));
      assert.equal(res.status, 200);
      assert.equal(res.body.totalResults, 0);
      assert.deepEqual(res.body.Resources, []);
    });

    it("creates the group with Entra's body (schemas, externalId, displayName, members: [])", async () => {
      const res = await t.http.post(url("Groups")).set(h()).send({
        schemas: [GROUP_URN], externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", displayName: "Group1DisplayName", members: [],
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      gid = res.body.id;
      assert.equal(res.body.externalId, "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
      assert.equal(res.body.displayName, "Group1DisplayName");
      assert.deepEqual(res.body.members, []);
      assert.deepEqual(await memberIds(), []);
    });

    it('PATCH {op: "Add", path: "members", value: [{value}]} adds', async () => {
      const res = await t.http.patch(url(`Groups/${gid}`)).set(h()).send(entraPatch({ op: "Add", path: "members", value: uids.map((value) => ({ value })) }));
      assert.ok(res.status === 200 || res.status === 204, `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await memberIds(), [...uids].sort());
    });

    it("adding a member who is already in the group changes nothing (Entra retries)", async () => {
      const res = await t.http.patch(url(`Groups/${gid}`)).set(h()).send(entraPatch({ op: "Add", path: "members", value: [{ value: uids[0] }] }));
      assert.ok(res.status === 200 || res.status === 204, `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await memberIds(), [...uids].sort());
    });

    it('PATCH {op: "Remove", path: "members", value: [{value}]} removes only those', async () => {
      const res = await t.http.patch(url(`Groups/${gid}`)).set(h()).send(entraPatch({ op: "Remove", path: "members", value: [{ value: uids[0] }] }));
      assert.ok(res.status === 200 || res.status === 204, `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.deepEqual(await memberIds(), [uids[1]]);
      assert.deepEqual((await get(url(`Users/${uids[0]}`))).body.groups, []);
      // Back in, for the delete test below.
      await t.http.patch(url(`Groups/${gid}`)).set(h()).send(entraPatch({ op: "Add", path: "members", value: [{ value: uids[0] }] }));
      assert.deepEqual(await memberIds(), [...uids].sort());
    });

    it('PATCH {op: "Replace", path: "displayName"} renames and keeps the members', async () => {
      const res = await t.http.patch(url(`Groups/${gid}`)).set(h()).send(entraPatch({ op: "Replace", path: "displayName", value: "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName" }));
      assert.ok(res.status === 200 || res.status === 204, `status ${res.status}: ${JSON.stringify(res.body)}`);
      const after = (await get(url(`Groups/${gid}`))).body;
      assert.equal(after.displayName, "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName");
      assert.equal(after.externalId, "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");
      assert.deepEqual(await memberIds(), [...uids].sort());
    });

    it("GET /Groups?excludedAttributes=members&filter=displayName eq … has no members key", async () => {
      const res = await get(url("Groups", `excludedAttributes=members&filter=${q('displayName eq "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"')}`));
      assert.equal(res.status, 200);
      assert.equal(res.body.totalResults, 1);
      const g = res.body.Resources[0];
      assert.equal(g.id, gid);
      assert.equal(g.displayName, "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName");
      assert.ok(!("members" in g), JSON.stringify(g));
      const one = await get(url(`Groups/${gid}`, "excludedAttributes=members"));
      assert.equal(one.status, 200);
      assert.ok(!("members" in one.body));
    });

    it("DELETE /Users/{id}: 204, the user is gone, and gone from the group", async () => {
      const res = await t.http.delete(url(`Users/${uids[0]}`)).set(h());
      assert.equal(res.status, 204);
      assert.equal((await get(url(`Users/${uids[0]}`))).status, 404);
      assert.deepEqual(await memberIds(), [uids[1]]);
      const withMember = await get(url("Groups", `filter=${q(`members.value eq "${uids[0]}"`)}`));
      assert.equal(withMember.body.totalResults, 0);
    });

    it("DELETE /Groups/{id}: 204 and 404 after", async () => {
      assert.equal((await t.http.delete(url(`Groups/${gid}`)).set(h())).status, 204);
      assert.equal((await get(url(`Groups/${gid}`))).status, 404);
      assert.deepEqual((await get(url(`Users/${uids[1]}`))).body.groups, []);
    });
  });

  it("GET /Users/{id} of a user that does not exist: 404 with a SCIM error body", async () => {
    const res = await get(url(`Users/${crypto.randomUUID()}`));
    assert.equal(res.status, 404);
    assert.match(res.headers["content-type"], /^application\/scim\+json/);
    assert.deepEqual(res.body.schemas, [ERROR_URN]);
    assert.equal(res.body.status, "404");
    assert.equal(typeof res.body.detail, "string");
  });
});
