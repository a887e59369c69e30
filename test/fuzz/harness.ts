/**
 * One real app per fuzz file, listening on 127.0.0.1 and driven with fetch over keep-alive
 * connections (supertest would open a server per request, too slow for thousands of cases).
 * Each response is checked for the fuzz properties: never a 5xx; a 4xx is a SCIM error body;
 * a rejected write leaves the database as it was; the app keeps answering /healthz.
 */
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { createApp } from "../../src/app.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

export const ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error";
export const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
export const ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** FUZZ_SCALE=0.1 for a quick run, 10 for a long one; the default meets the ≥10,000-case budget. */
export const runs = (n: number): number => Math.max(1, Math.round(n * Number(process.env.FUZZ_SCALE ?? 1)));

export interface Reply {
  status: number;
  contentType: string;
  text: string;
  body: any;
}

export interface Request {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** sent as is (a string), or JSON-encoded */
  body?: unknown;
  /** default: the org's admin key */
  auth?: string | null;
}

export interface FuzzApp {
  store: TestStore;
  config: Config;
  key: string;
  orgId: string;
  send(req: Request): Promise<Reply>;
  /** send + the properties every reply must have */
  check(req: Request): Promise<Reply>;
  /** send + no 5xx, and a 4xx is problem+json with a detail (admin API, console API) */
  checkProblem(req: Request): Promise<Reply>;
  /** counts and max revisions of the provisioning tables */
  fingerprint(): Promise<string>;
  /** check() a write and, when it is rejected (4xx), that the database did not change */
  checkWrite(req: Request): Promise<Reply>;
  healthy(): Promise<void>;
  close(): Promise<void>;
}

const describeReq = (r: Request) => `${r.method} ${r.path} ${JSON.stringify(r.headers ?? {})} ${typeof r.body === "string" ? r.body : JSON.stringify(r.body)}`.slice(0, 2000);

export function assertScimError(req: Request, res: Reply): void {
  const where = `${res.status} for ${describeReq(req)}\n→ ${res.text.slice(0, 500)}`;
  assert.match(res.contentType, /^application\/scim\+json/, `a SCIM error has the SCIM media type: ${where}`);
  assert.ok(res.body && typeof res.body === "object", `a 4xx body is JSON: ${where}`);
  assert.deepEqual(res.body.schemas, [ERROR_URN], where);
  assert.equal(res.body.status, String(res.status), where);
  assert.equal(typeof res.body.detail, "string", where);
  assert.ok(res.body.detail.trim().length > 0, `a 4xx detail names what was wrong: ${where}`);
  if (res.body.scimType !== undefined) assert.equal(typeof res.body.scimType, "string", where);
}

/** An admin API / console API refusal: RFC 9457 problem+json whose detail says what was wrong. */
export function assertProblem(req: Request, res: Reply): void {
  const where = `${res.status} for ${describeReq(req)}\n→ ${res.text.slice(0, 500)}`;
  assert.match(res.contentType, /^application\/problem\+json/, `an admin/console API error is problem+json: ${where}`);
  assert.ok(res.body && typeof res.body === "object", `a 4xx body is JSON: ${where}`);
  assert.equal(res.body.status, res.status, where);
  assert.equal(typeof res.body.detail, "string", where);
  assert.ok(res.body.detail.trim().length > 0, `a 4xx detail names what was wrong: ${where}`);
}

export async function startFuzzApp(overrides: Partial<Config> = {}): Promise<FuzzApp> {
  const store = await openTestStore();
  const config = { ...loadConfig({}), ...overrides };
  const errors: unknown[] = [];
  const app = createApp(store, config, { logger: false, log: (msg, err) => errors.push([msg, String((err as Error)?.stack ?? err)]) });
  const server = http.createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  // Node's own client: keep-alive, no per-request server (supertest) and less overhead than fetch.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const { org, key } = await createOrg(store.db, `fuzz-${process.pid}-${Date.now()}`);

  const send = async (req: Request): Promise<Reply> => {
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    const authValue = req.auth === undefined ? `Bearer ${key.key}` : req.auth;
    if (authValue !== null && !Object.keys(headers).some((h) => h.toLowerCase() === "authorization")) headers.Authorization = authValue;
    let body: string | undefined;
    if (req.body !== undefined) {
      body = typeof req.body === "string" ? req.body : JSON.stringify(req.body);
      if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["Content-Type"] = "application/scim+json";
      // Node's client sends a GET or DELETE body without framing unless told its length
      headers["Content-Length"] = String(Buffer.byteLength(body));
    }
    const res = await new Promise<{ status: number; contentType: string; text: string }>((resolve, reject) => {
      const r = http.request({ host: "127.0.0.1", port, method: req.method, path: req.path, headers, agent }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (c: Buffer) => chunks.push(c));
        incoming.on("end", () => resolve({ status: incoming.statusCode ?? 0, contentType: String(incoming.headers["content-type"] ?? ""), text: Buffer.concat(chunks).toString("utf8") }));
        incoming.on("error", reject);
      });
      r.on("error", reject);
      r.end(body);
    });
    const text = res.text;
    let parsed: unknown;
    try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
    return { status: res.status, contentType: res.contentType, text, body: parsed };
  };

  const check = async (req: Request): Promise<Reply> => {
    const res = await send(req);
    assert.ok(res.status < 500, `no 5xx: ${res.status} for ${describeReq(req)}\n→ ${res.text.slice(0, 500)}\nlogged: ${JSON.stringify(errors).slice(0, 2000)}`);
    if (res.status >= 400) assertScimError(req, res);
    return res;
  };

  const checkProblem = async (req: Request): Promise<Reply> => {
    const res = await send({ ...req, headers: { "Content-Type": "application/json", ...(req.headers ?? {}) } });
    assert.ok(res.status < 500, `no 5xx: ${res.status} for ${describeReq(req)}\n→ ${res.text.slice(0, 500)}\nlogged: ${JSON.stringify(errors).slice(0, 2000)}`);
    if (res.status >= 400) assertProblem(req, res);
    return res;
  };

  const count = (table: string) => sql<number>`(select count(*) from ${sql.table(table)})`;
  const fingerprint = async (): Promise<string> => {
    const { rows } = await sql<Record<string, unknown>>`select
      ${count("members")} as members, (select coalesce(max(revision), 0) from members) as member_rev,
      (select coalesce(sum(revision), 0) from members) as member_revs,
      ${count("member_emails")} as emails,
      ${count("teams")} as teams, (select coalesce(max(revision), 0) from teams) as team_rev,
      (select coalesce(sum(revision), 0) from teams) as team_revs,
      ${count("team_members")} as team_members, (select coalesce(sum(length(role)), 0) from team_members) as tm_roles,
      ${count("audit_events")} as audit`.execute(store.db);
    return JSON.stringify(rows[0], (_k, v) => (typeof v === "bigint" ? String(v) : typeof v === "number" ? String(v) : v));
  };

  const checkWrite = async (req: Request): Promise<Reply> => {
    const before = await fingerprint();
    const res = await check(req);
    if (res.status >= 400) assert.equal(await fingerprint(), before, `a rejected write (${res.status}) changed the database: ${describeReq(req)}\n→ ${res.text.slice(0, 300)}`);
    return res;
  };

  return {
    store, config, key: key.key, orgId: org.id, send, check, checkProblem, fingerprint, checkWrite,
    async healthy() {
      const res = await send({ method: "GET", path: "/healthz", auth: null });
      assert.equal(res.status, 200);
      assert.equal(res.body?.status, "ok");
    },
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
      await store.close();
      assert.deepEqual(errors, [], "the server logged unexpected errors");
    },
  };
}

/** Creates `n` users and one group holding them; returns their ids. */
export async function seed(f: FuzzApp, n = 3): Promise<{ users: string[]; group: string }> {
  const users: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await f.check({ method: "POST", path: "/scim/v2/Users", body: { schemas: [USER_URN], userName: `seed.${i}.${Date.now()}`, name: { givenName: "Seed", familyName: String(i) }, emails: [{ value: `seed${i}.${Date.now()}@example.com`, type: "work", primary: true }], active: true } });
    assert.equal(res.status, 201, res.text);
    users.push(res.body.id);
  }
  const g = await f.check({ method: "POST", path: "/scim/v2/Groups", body: { schemas: [GROUP_URN], displayName: `seed-group-${Date.now()}`, members: users.map((value) => ({ value })) } });
  assert.equal(g.status, 201, g.text);
  return { users, group: g.body.id };
}

/** encodeURIComponent that tolerates lone surrogates (a URL cannot carry them; they become U+FFFD). */
export const q = (s: string): string =>
  encodeURIComponent(s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd"));
