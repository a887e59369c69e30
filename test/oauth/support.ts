/** OAuth tests: an app with a signing key and a public address, the org's own service account, token requests. */
import crypto from "node:crypto";
import type { Config } from "../../src/config.ts";
import { startTestApp, type TestApp, type TestOrg } from "../support/app.ts";

export const BASE = "http://rollcall.test";
export const TOKEN_ENDPOINT = `${BASE}/oauth/token`;

export function startOAuthApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  return startTestApp({ baseUrl: BASE, encryptionKey: crypto.randomBytes(32), oauthTokenLimits: { perWindow: 1000, windowSeconds: 60 }, ...overrides });
}

/** The org-scoped service account behind the org's first key (what createOrg makes). */
export async function orgServiceAccount(t: TestApp, org: TestOrg): Promise<string> {
  const row = await t.store.db.selectFrom("service_accounts").select("id").where("org_id", "=", org.id).where("team_id", "is", null).orderBy("created_at").executeTakeFirstOrThrow();
  return row.id;
}

export const basic = (id: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}` });

export const tokenRequest = (t: TestApp, form: Record<string, string>, headers: Record<string, string> = {}) =>
  t.http.post("/oauth/token").type("form").set(headers).send(form);
