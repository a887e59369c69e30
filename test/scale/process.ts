/**
 * Real server processes for the scale tests: `node --import tsx src/server.ts` spawned
 * directly (no tsx wrapper), so `child.pid` IS the server and SIGKILL kills the server
 * itself. Plus a fresh, unmigrated database the children reach through DATABASE_URL
 * (a SQLite file, or a PostgreSQL schema selected with `?options=-c search_path=…`),
 * and a small HTTP client over keep-alive agents.
 */
import { spawn, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { openDatabase, type Store } from "../../db/connect.ts";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const SERVER = path.join(ROOT, "src", "server.ts");
export const PG = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? "");
export const USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait for the exit */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

/** Kills whatever a failed test left running (SIGKILL is safe: no wrapper, no orphan). */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((c) => new Promise<void>((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once("exit", () => resolve());
    c.kill("SIGKILL");
  })));
}

export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const base = { ...process.env };
  for (const k of ["DATABASE_URL", "ROLLCALL_BOOTSTRAP_KEY", "ROLLCALL_CURSOR_SECRET", "ROLLCALL_ORG_NAME", "PORT", "HOST"]) delete base[k];
  const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
    cwd: ROOT, env: { ...base, PORT: "0", HOST: "127.0.0.1", ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => { out += d.toString(); for (const l of listeners) l(); };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => { running.delete(child); for (const l of listeners) l(); resolve({ code, signal }); }));
  const port = await new Promise<number>((resolve, reject) => {
    const check = () => {
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) { listeners.delete(check); clearTimeout(timer); resolve(Number(m[1])); }
      else if (child.exitCode !== null || child.signalCode !== null) { listeners.delete(check); clearTimeout(timer); reject(new Error(`server exited before listening; output:\n${out}`)); }
    };
    const timer = setTimeout(() => { listeners.delete(check); reject(new Error(`server did not listen within 30 s; output:\n${out}`)); }, 30_000);
    listeners.add(check);
    check();
  });
  return {
    child, pid: child.pid!, port, exited,
    output: () => out,
    async stop() { child.kill("SIGTERM"); return exited; },
  };
}

export interface TestDatabase {
  /** DATABASE_URL for a child process */
  url: string;
  /** a connection from the test process (close it yourself) */
  open(): Store;
  /** the SQLite file, when on SQLite */
  file?: string;
  /** the PostgreSQL schema, when on PostgreSQL */
  schema?: string;
  drop(): Promise<void>;
}

/** An empty, unmigrated database: a fresh SQLite file, or a fresh PostgreSQL schema. */
export async function freshDatabase(label: string): Promise<TestDatabase> {
  if (PG) {
    const base = process.env.DATABASE_URL!;
    const schema = `t_${label}_${crypto.randomBytes(5).toString("hex")}`;
    const admin = openDatabase(base, { pgPoolSize: 1 });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    await admin.close();
    return {
      url: `${base}${base.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      schema,
      open: () => openDatabase(base, { pgSchema: schema, pgPoolSize: 2 }),
      async drop() {
        const c = openDatabase(base, { pgPoolSize: 1 });
        await sql`drop schema ${sql.id(schema)} cascade`.execute(c.db);
        await c.close();
      },
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `rollcall-${label}-`));
  const file = path.join(dir, "rollcall.db");
  return {
    url: `sqlite:${file}`,
    file,
    open: () => openDatabase(`sqlite:${file}`),
    async drop() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

export interface Reply {
  /** 0 when the request failed without a response (connection reset, refused) */
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json(): any;
  error?: Error;
}

/** One request; never rejects (a transport error is status 0 with `error`). */
export function request(
  agent: http.Agent | false, port: number, key: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const done = (status: number, h: http.IncomingHttpHeaders, text: string, error?: Error) =>
      resolve({ status, headers: h, body: text, error, json: () => JSON.parse(text) });
    const req = http.request({
      host: "127.0.0.1", port, method, path: p, agent,
      headers: {
        authorization: `Bearer ${key}`, ...headers,
        ...(data ? { "content-type": "application/scim+json", "content-length": Buffer.byteLength(data) } : {}),
      },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => { text += d; });
      res.on("end", () => done(res.statusCode!, res.headers, text));
      res.on("error", (err) => done(0, {}, text, err));
    });
    req.on("error", (err) => done(0, {}, "", err));
    req.end(data);
  });
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight. */
export async function pool<T>(total: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      out[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return out;
}

export const describeRequest = (method: string, p: string, r: Reply) =>
  `${method} ${p} → ${r.status}${r.error ? ` (${r.error.message})` : ""} ${r.body.slice(0, 500)}`;
