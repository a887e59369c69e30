/**
 * The cast of the authorization matrix: one enterprise org with two teams
 * (alpha, beta) and every principal kind, each reachable through every door
 * that offers it: an API key, a console session (cookie + CSRF header; members
 * and the operator), SCIM (keys), and the CLI (the operator).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express from "express";
import supertest from "supertest";
import { createApp } from "../../src/app.ts";
import { CSRF_HEADER, sessionMiddleware, signIn } from "../../src/http/session.ts";
import { auth, SCIM, user, type TestApp } from "../support/app.ts";
import { addMember, API, as, expectOk, type TestMember } from "../admin/principals.ts";

export type Name = "orgAdmin" | "member" | "viewer" | "teamAdmin" | "customMgr" | "orgSA" | "teamSA" | "operator";
export const NAMES: Name[] = ["orgAdmin", "member", "viewer", "teamAdmin", "customMgr", "orgSA", "teamSA", "operator"];
export const MEMBER_NAMES = ["orgAdmin", "member", "viewer", "teamAdmin", "customMgr"] as const;
export type Door = "key" | "session";

type Method = "get" | "post" | "patch" | "put" | "delete";

/** One principal through one door. */
export interface Caller {
  name: Name;
  door: Door;
  call(method: Method, path: string, body?: object): Promise<supertest.Response>;
  /** sessions: the same request without the CSRF header */
  withoutCsrf?(method: Method, path: string, body?: object): Promise<supertest.Response>;
}

export interface Cast {
  alpha: string;
  beta: string;
  members: Record<(typeof MEMBER_NAMES)[number], TestMember>;
  teamSaKey: string;
  /** the org admin's key: sets things up */
  admin: ReturnType<typeof as>;
  callers: Caller[];
  keyOf(name: Name): string | null;
}

/** createApp behind a test-only sign-in (POST /test/login), as test/support/session.ts, that can also sign the operator in. */
function appWithLogin(t: TestApp): express.Express {
  const outer = express();
  const sessions = sessionMiddleware(t.store, t.config);
  outer.post("/test/login", express.json(), sessions, async (req, res) => {
    const b = req.body as { orgId: string; memberId: string | null; userId: string; operator?: boolean };
    await signIn(req, b.operator || !b.memberId
      ? { orgId: b.orgId, memberId: null, userId: null, door: "admin-link", operator: true }
      : { orgId: b.orgId, memberId: b.memberId, userId: b.userId, door: "oidc" });
    res.json({ ok: true });
  });
  outer.use(createApp(t.store, t.config, { log: () => {} }));
  return outer;
}

async function sessionCaller(app: express.Express, name: Name, who: { orgId: string; memberId: string | null; userId: string; operator?: boolean }): Promise<Caller> {
  const agent = supertest.agent(app);
  expectOk(await agent.post("/test/login").send(who));
  const me = expectOk(await agent.get(`${API}/me`));
  const csrf = me.csrfToken as string;
  assert.ok(csrf, "a session has a CSRF token");
  return {
    name, door: "session",
    call: (method, p, body) => {
      const r = agent[method](API + p).set(CSRF_HEADER, csrf);
      return method === "get" || method === "delete" ? r : r.send(body ?? {});
    },
    withoutCsrf: (method, p, body) => {
      const r = agent[method](API + p);
      return method === "get" || method === "delete" ? r : r.send(body ?? {});
    },
  };
}

function keyCaller(t: TestApp, name: Name, key: string): Caller {
  return {
    name, door: "key",
    call: (method, p, body) => {
      const r = t.http[method](p.startsWith("/scim/") ? p : API + p).set(auth(key));
      if (method === "get" || method === "delete") return r;
      return p.startsWith("/scim/") ? r.type(SCIM).send(body ?? {}) : r.send(body ?? {});
    },
  };
}

export async function makeCast(t: TestApp): Promise<Cast> {
  const orgAdmin = await addMember(t, "m-admin", "admin");
  const admin = as(t, orgAdmin.key);
  const member = await addMember(t, "m-member", "member");
  const viewer = await addMember(t, "m-viewer", "member");
  expectOk(await admin.patch(`/members/${viewer.id}`, { orgRole: "viewer" }));
  const teamAdmin = await addMember(t, "m-lead", "member");
  const customMgr = await addMember(t, "m-keeper", "member");
  const alpha = expectOk(await admin.post("/teams", { name: "alpha" }), 201).id as string;
  const beta = expectOk(await admin.post("/teams", { name: "beta" }), 201).id as string;
  expectOk(await admin.post("/roles", { name: "Team keeper", inheritedFrom: "member", permissions: ["team:manage-members", "run:delete"] }), 201);
  for (const [m, role] of [[member, "member"], [viewer, "view-only"], [teamAdmin, "admin"], [customMgr, "Team keeper"]] as const)
    expectOk(await admin.put(`/teams/${alpha}/members/${m.id}`, { role }), 201);
  expectOk(await admin.put(`/teams/${beta}/members/${member.id}`, { role: "member" }), 201);
  const home = expectOk(await admin.post("/teams", { name: "home", domainMatching: true }), 201).id as string;
  expectOk(await admin.patch("/org", { defaultTeamId: home }));
  const teamSaKey = expectOk(await admin.post("/service-accounts", { name: "alpha-bot", teamId: alpha }), 201).key.key as string;
  const members = { orgAdmin, member, viewer, teamAdmin, customMgr };
  const keys: Record<Name, string | null> = {
    orgAdmin: orgAdmin.key, member: member.key, viewer: viewer.key, teamAdmin: teamAdmin.key, customMgr: customMgr.key,
    orgSA: t.org.key, teamSA: teamSaKey, operator: null,
  };
  const app = appWithLogin(t);
  const callers: Caller[] = [];
  for (const n of NAMES) if (keys[n]) callers.push(keyCaller(t, n, keys[n]!));
  for (const n of MEMBER_NAMES) callers.push(await sessionCaller(app, n, { orgId: t.org.id, memberId: members[n].id, userId: members[n].userId }));
  callers.push(await sessionCaller(app, "operator", { orgId: t.org.id, memberId: null, userId: "operator", operator: true }));
  return { alpha, beta, members, teamSaKey, admin, callers, keyOf: (n) => keys[n] };
}

let counter = 0;
export const unique = (prefix: string) => `${prefix}-${process.pid}-${++counter}`;

/** A fresh member (through SCIM with the org's key), for rows that change or remove one. */
export async function freshMember(t: TestApp): Promise<string> {
  const res = await t.http.post("/scim/v2/Users").set(auth(t.org.key)).type(SCIM).send(user(unique("spare")));
  assert.equal(res.status, 201, res.text);
  return res.body.id as string;
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The operator's CLI as a real process against the test database. */
export function cli(t: TestApp, ...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: t.store.url };
  return new Promise((resolve) => {
    execFile(path.join(ROOT, "node_modules", ".bin", "tsx"), [path.join(ROOT, "src", "cli.ts"), ...args], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
