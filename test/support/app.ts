/** A real app over a real database (see store.ts), driven over HTTP with supertest. */
import supertest from "supertest";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { openTestStore, type TestStore } from "./store.ts";

export interface TestOrg {
  id: string;
  name: string;
  key: string;
}

export interface TestApp {
  store: TestStore;
  config: Config;
  http: supertest.Agent;
  org: TestOrg;
  newOrg(name?: string): Promise<TestOrg>;
  close(): Promise<void>;
}

let counter = 0;

export async function startTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const store = await openTestStore();
  const config = { ...loadConfig({}), ...overrides };
  const errors: unknown[] = [];
  const app = createApp(store, config, { log: (msg, err) => errors.push([msg, err]) });
  const http = supertest.agent(app);
  const newOrg = async (name = `org-${process.pid}-${++counter}`): Promise<TestOrg> => {
    const { org, key } = await createOrg(store.db, name);
    return { id: org.id, name: org.name, key: key.key };
  };
  const org = await newOrg();
  return {
    store, config, http, org, newOrg,
    async close() {
      await store.close();
      if (errors.length) throw new Error(`the server logged unexpected errors: ${JSON.stringify(errors.map(([m, e]: any) => [m, String(e?.stack ?? e)]))}`);
    },
  };
}

export const SCIM = "application/scim+json";
export const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error";

export const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

export function user(userName: string, extra: Record<string, unknown> = {}) {
  return { schemas: [USER_URN], userName, name: { givenName: "Given", familyName: "Family" }, emails: [{ value: `${userName.toLowerCase()}@example.com`, type: "work", primary: true }], active: true, ...extra };
}

export function patch(...Operations: unknown[]) {
  return { schemas: [PATCH_URN], Operations };
}
