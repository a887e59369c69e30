/** Callers of the admin API in tests: members with an org role and their own key, team admins, HTTP helpers. */
import assert from "node:assert/strict";
import type supertest from "supertest";
import { createKey } from "../../src/org/security/keys.ts";
import { auth, SCIM, user, type TestApp, type TestOrg } from "../support/app.ts";

export interface TestMember {
  id: string;
  userId: string;
  userName: string;
  key: string;
}

/** A member created through SCIM, given `orgRole`, with an API key of their own. */
export async function addMember(t: TestApp, userName: string, orgRole: "admin" | "member" | "viewer" = "member", org: TestOrg = t.org): Promise<TestMember> {
  const res = await t.http.post("/scim/v2/Users").set(auth(org.key)).type(SCIM).send(user(userName));
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const id = res.body.id as string;
  await t.store.db.updateTable("members").set({ org_role: orgRole }).where("id", "=", id).execute();
  const m = await t.store.db.selectFrom("members").select("user_id").where("id", "=", id).executeTakeFirstOrThrow();
  const key = await createKey(t.store.db, { orgId: org.id, memberId: id });
  return { id, userId: m.user_id, userName, key: key.key };
}

export const API = "/api/v1";

/** Admin API calls as the holder of `key`. */
export function as(t: TestApp, key: string) {
  const h = auth(key);
  return {
    get: (path: string) => t.http.get(API + path).set(h),
    post: (path: string, body?: object) => t.http.post(API + path).set(h).send(body ?? {}),
    patch: (path: string, body: object) => t.http.patch(API + path).set(h).send(body),
    put: (path: string, body: object) => t.http.put(API + path).set(h).send(body),
    delete: (path: string) => t.http.delete(API + path).set(h),
  };
}

/**
 * Asserts a problem+json response with this status whose detail — the plain words,
 * or the fields for API clients (`invalid-params`, read as `"name" reason`) — matches.
 */
export function problem(res: supertest.Response, status: number, detail?: RegExp): void {
  assert.equal(res.status, status, `${res.status} ${JSON.stringify(res.body)}`);
  assert.match(String(res.headers["content-type"]), /application\/problem\+json/);
  const body = JSON.parse(res.text) as { status: number; detail: string; "invalid-params"?: { name: string; reason: string }[] };
  assert.equal(body.status, status);
  if (!detail) return;
  const fields = (body["invalid-params"] ?? []).map((p) => (/^unknown /.test(p.reason) ? p.reason.replace(/^unknown (field|query parameter)/, `unknown $1 "${p.name}"`) : `"${p.name}" ${p.reason}`));
  assert.ok([body.detail, ...fields].some((text) => detail.test(text)), `neither the detail nor a field matches ${detail}: ${res.text}`);
}

export const expectOk = (res: supertest.Response, status = 200): any => {
  assert.equal(res.status, status, `${res.status} ${res.text}`);
  return res.body;
};

/** The newest audit event with this action in the org. */
export async function lastAudit(t: TestApp, action: string, orgId = t.org.id): Promise<{ actor: string; door: string; target_id: string | null; detail: any }> {
  const row = await t.store.db.selectFrom("audit_events").selectAll().where("org_id", "=", orgId).where("action", "=", action)
    .orderBy("id", "desc").limit(1).executeTakeFirstOrThrow();
  return { actor: row.actor, door: row.door, target_id: row.target_id, detail: row.detail ? JSON.parse(row.detail) : null };
}
