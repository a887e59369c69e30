/** Helpers for tests of roles and seats: members created over SCIM, admins with their own API keys, org settings set directly. */
import assert from "node:assert/strict";
import { createKey } from "../../src/org/security/keys.ts";
import { auth, user, type TestApp, type TestOrg } from "./app.ts";

export const ROLLCALL_USER_URN = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User";

/** Creates a User over SCIM (with the org's service-account key); returns its id. */
export async function scimUser(t: TestApp, org: TestOrg, userName: string, ext: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Promise<string> {
  const body = user(userName, { ...extra, ...(Object.keys(ext).length ? { [ROLLCALL_USER_URN]: ext } : {}) });
  const res = await t.http.post("/scim/v2/Users").set(auth(org.key)).send(body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

/** A member made org admin in the database, with an API key of their own. */
export async function adminMember(t: TestApp, org: TestOrg, userName: string): Promise<{ id: string; key: string }> {
  const id = await scimUser(t, org, userName);
  await t.store.db.updateTable("members").set({ org_role: "admin" }).where("id", "=", id).execute();
  const key = await createKey(t.store.db, { orgId: org.id, memberId: id });
  return { id, key: key.key };
}

/** A plain member (or viewer) with an API key of their own. */
export async function memberWithKey(t: TestApp, org: TestOrg, userName: string, orgRole = "member"): Promise<{ id: string; key: string }> {
  const id = await scimUser(t, org, userName);
  await t.store.db.updateTable("members").set({ org_role: orgRole }).where("id", "=", id).execute();
  const key = await createKey(t.store.db, { orgId: org.id, memberId: id });
  return { id, key: key.key };
}

export async function setOrg(t: TestApp, org: TestOrg, fields: { plan?: string; full_models_seat_limit?: number | null; viewer_models_seat_limit?: number | null }): Promise<void> {
  await t.store.db.updateTable("orgs").set(fields).where("id", "=", org.id).execute();
}

export async function memberRow(t: TestApp, id: string) {
  return t.store.db.selectFrom("members").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function createTeam(t: TestApp, org: TestOrg, displayName: string): Promise<string> {
  const res = await t.http.post("/scim/v2/Groups").set(auth(org.key)).send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.id as string;
}

export async function teamRole(t: TestApp, teamId: string, memberId: string): Promise<{ role: string; custom_role_id: string | null } | undefined> {
  return t.store.db.selectFrom("team_members").select(["role", "custom_role_id"]).where("team_id", "=", teamId).where("member_id", "=", memberId).executeTakeFirst();
}

export async function auditActions(t: TestApp, org: TestOrg): Promise<string[]> {
  const rows = await t.store.db.selectFrom("audit_events").select("action").where("org_id", "=", org.id).orderBy("id").execute();
  return rows.map((r) => r.action);
}
