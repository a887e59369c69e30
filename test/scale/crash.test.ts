/**
 * Crash safety: a server is killed with SIGKILL in the middle of an identity provider's sync
 * (POST /Users with e-mails, then the new users added to groups several at once: by PATCH to
 * one group, or by POST /Groups with members), with several requests in flight. The process
 * killed is the server itself (`node --import tsx src/server.ts`, no tsx wrapper in between).
 * After a restart on the same database (a fresh SQLite file or PostgreSQL schema, as the
 * suite runs), every write acknowledged with 2xx must be there, and no request may be
 * half-written, acknowledged or not. On PostgreSQL the dead server's open transactions must
 * also be rolled back with their locks released; on SQLite the file must pass its integrity
 * and foreign-key checks. SIGTERM draining is in test/server.test.ts.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { sql } from "kysely";
import {
  describeRequest, freshDatabase, GROUP_URN, killAll, PATCH_URN, PG, request, startServer, USER_URN,
  type Reply, type ServerProcess, type TestDatabase,
} from "./process.ts";
import type { Store } from "../../db/connect.ts";

/** Rows whose parent is missing (the foreign keys, checked by hand on either database). */
async function orphans(s: Store): Promise<{ memberships: number; emails: number; members: number }> {
  const count = async (q: Promise<unknown[]>) => (await q).length;
  return {
    memberships: await count(s.db.selectFrom("team_members as tm").leftJoin("members as m", "m.id", "tm.member_id").leftJoin("teams as t", "t.id", "tm.team_id")
      .select("tm.member_id").where((eb) => eb.or([eb("m.id", "is", null), eb("t.id", "is", null)])).execute()),
    emails: await count(s.db.selectFrom("member_emails as e").leftJoin("members as m", "m.id", "e.member_id").select("e.member_id").where("m.id", "is", null).execute()),
    members: await count(s.db.selectFrom("members as m").leftJoin("users as u", "u.id", "m.user_id").select("m.id").where("u.id", "is", null).execute()),
  };
}

/**
 * Locks other backends hold on the schema's tables, once the dead server's backends have
 * noticed their closed connections (each notices at its next read; waits up to 10 s for that).
 */
async function locksLeft(s: Store, schema: string): Promise<{ atFirst: number; left: number }> {
  const held = async () => (await sql<{ n: number }>`select count(*)::int as n from pg_locks l
    join pg_class c on c.oid = l.relation join pg_namespace ns on ns.oid = c.relnamespace
    where ns.nspname = ${schema} and l.pid <> pg_backend_pid()`.execute(s.db)).rows[0]!.n;
  const deadline = Date.now() + 10_000;
  const atFirst = await held();
  let n = atFirst;
  while (n > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    n = await held();
  }
  return { atFirst, left: n };
}

interface SentUser { userName: string; emails: string[]; acked: boolean; id?: string }
interface SentMembers { kind: "patch" | "create"; displayName?: string; ids: string[]; acked: boolean }

const WORKERS = 4;
const KILL_AFTER_ACKS = 60;
const MAX_ROUNDS = 100; // per worker; the kill comes long before

describe(`SIGKILL in the middle of a sync (${PG ? "PostgreSQL" : "SQLite"})`, function () {
  this.timeout(120_000);
  let database: TestDatabase;
  after(async () => {
    await killAll();
    await database?.drop();
  });

  it("keeps every 2xx-acknowledged write after a restart, and nothing half-written", async () => {
    database = await freshDatabase("crash");
    const key = `crash-key-${crypto.randomBytes(10).toString("hex")}`;
    const env = { DATABASE_URL: database.url, ROLLCALL_BOOTSTRAP_KEY: key };
    const server: ServerProcess = await startServer(env);
    if (fs.existsSync(`/proc/${server.pid}/cmdline`)) {
      const cmd = fs.readFileSync(`/proc/${server.pid}/cmdline`, "utf8").split("\0");
      assert.ok(cmd.some((a) => a.endsWith("src/server.ts")) && cmd[0] === process.execPath, `the pid killed is the server: ${cmd.join(" ")}`);
    }
    const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
    const call = (method: string, p: string, body?: unknown) => request(agent, server.port, key, method, p, body);
    const target = await call("POST", "/scim/v2/Groups", { schemas: [GROUP_URN], displayName: "Synced" });
    assert.equal(target.status, 201, target.body);
    const targetId = target.json().id as string;

    const users: SentUser[] = [];
    const memberWrites: SentMembers[] = [];
    const unexpected: string[] = [];
    let acks = 0;
    let inFlight = 0;
    let inFlightAtKill = -1;
    let killed = false;

    /** Sends one request; counts 2xx acks and kills the server right after the Nth. */
    const send = async (method: string, p: string, body: unknown, ok: number): Promise<Reply | null> => {
      if (killed) return null;
      inFlight++;
      const r = await call(method, p, body);
      inFlight--;
      if (r.status === ok) {
        acks++;
        if (!killed && acks >= KILL_AFTER_ACKS) {
          killed = true;
          inFlightAtKill = inFlight;
          server.child.kill("SIGKILL");
        }
        return r;
      }
      if (r.status !== 0) unexpected.push(describeRequest(method, p, r));
      return null;
    };

    const worker = async (w: number) => {
      for (let round = 0; round < MAX_ROUNDS && !killed; round++) {
        const ids: string[] = [];
        for (let j = 0; j < 3; j++) {
          const userName = `w${w}.r${round}.u${j}@crash.example`;
          const emails = [userName, `home.${userName}`];
          const u: SentUser = { userName, emails, acked: false };
          users.push(u);
          const r = await send("POST", "/scim/v2/Users", {
            schemas: [USER_URN], userName, name: { givenName: "W", familyName: `${w}-${round}-${j}` },
            emails: [{ value: emails[0], type: "work", primary: true }, { value: emails[1], type: "home" }],
          }, 201);
          if (!r) return;
          u.acked = true;
          u.id = r.json().id as string;
          ids.push(u.id);
        }
        const members = ids.map((value) => ({ value }));
        if (round % 2 === 0) {
          const m: SentMembers = { kind: "patch", ids, acked: false };
          memberWrites.push(m);
          const r = await send("PATCH", `/scim/v2/Groups/${targetId}`, { schemas: [PATCH_URN], Operations: [{ op: "add", path: "members", value: members }] }, 204);
          if (!r) return;
          m.acked = true;
        } else {
          const displayName = `team w${w} r${round}`;
          const m: SentMembers = { kind: "create", displayName, ids, acked: false };
          memberWrites.push(m);
          const r = await send("POST", "/scim/v2/Groups", { schemas: [GROUP_URN], displayName, members }, 201);
          if (!r) return;
          m.acked = true;
        }
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    agent.destroy();

    assert.deepEqual(unexpected, [], "before the kill every request succeeds");
    assert.ok(killed, `the server was killed after ${KILL_AFTER_ACKS} acks`);
    const exit = await server.exited;
    assert.equal(exit.signal, "SIGKILL", "the server process itself died of SIGKILL");
    assert.ok(inFlightAtKill >= 1, `requests were in flight at the kill (${inFlightAtKill})`);
    const ackedUsers = users.filter((u) => u.acked);
    const ackedMembers = memberWrites.filter((m) => m.acked);
    assert.ok(ackedUsers.length >= 20 && ackedMembers.length >= 3, `a real sync ran: ${ackedUsers.length} users, ${ackedMembers.length} member writes acked`);

    // The database as the crash left it, before anything opens it for writing.
    {
      const s = database.open();
      try {
        if (PG) {
          // The killed server's open transactions end with its connections: PostgreSQL rolls them
          // back and frees their locks (else the restarted server would wait on rows nobody holds).
          const since = Date.now();
          const { atFirst, left } = await locksLeft(s, database.schema!);
          console.log(`      crash: ${atFirst} locks of the dead server's transactions still held at first look, none after ${Date.now() - since} ms`);
          assert.equal(left, 0, `${left} locks on the schema's tables still held by the dead server's backends`);
        } else {
          assert.deepEqual((await sql<{ integrity_check: string }>`pragma integrity_check`.execute(s.db)).rows, [{ integrity_check: "ok" }]);
          assert.deepEqual((await sql`pragma foreign_key_check`.execute(s.db)).rows, []);
        }
        assert.deepEqual(await orphans(s), { memberships: 0, emails: 0, members: 0 }, "no row refers to a row that is not there");
      } finally {
        await s.close();
      }
    }

    const again = await startServer(env);
    try {
      assert.doesNotMatch(again.output(), /created organization|applied migrations/, again.output());
      const agent2 = new http.Agent({ keepAlive: true, maxSockets: 4 });
      const get = (p: string) => request(agent2, again.port, key, "GET", p);

      // Every acknowledged user is there, over HTTP, with both of its e-mails.
      for (const u of ackedUsers) {
        const r = await get(`/scim/v2/Users/${u.id}`);
        assert.equal(r.status, 200, `acknowledged ${u.userName}: ${describeRequest("GET", `/Users/${u.id}`, r)}`);
        assert.deepEqual((r.json().emails as { value: string }[]).map((e) => e.value), u.emails);
      }
      // Every acknowledged membership write is there in full.
      const targetNow = await get(`/scim/v2/Groups/${targetId}`);
      assert.equal(targetNow.status, 200);
      const inTarget = new Set((targetNow.json().members as { value: string }[] | undefined ?? []).map((m) => m.value));
      for (const m of ackedMembers.filter((x) => x.kind === "patch")) assert.ok(m.ids.every((id) => inTarget.has(id)), `acknowledged PATCH add of ${m.ids.join(", ")}`);
      agent2.destroy();

      // Nothing half-written, acknowledged or not, straight from the database.
      const s = database.open();
      try {
        const byName = new Map(users.map((u) => [u.userName, u]));
        const rows = await s.db.selectFrom("members").select(["id", "user_name", "user_id"]).where("user_name", "like", "%@crash.example").execute();
        const unacked = rows.filter((r) => !byName.get(r.user_name)!.acked);
        const emailRows = await s.db.selectFrom("member_emails").select(["member_id", "value", "position"]).orderBy("member_id").orderBy("position").execute();
        const emailsOf = new Map<string, string[]>();
        for (const e of emailRows) emailsOf.set(e.member_id, [...(emailsOf.get(e.member_id) ?? []), e.value]);
        const userIdsPresent = new Set((await s.db.selectFrom("users").select("id").execute()).map((r) => r.id));
        const audited = new Set((await s.db.selectFrom("audit_events").select("target_id").where("action", "=", "member.create").execute()).map((r) => r.target_id));
        for (const r of rows) {
          const sent = byName.get(r.user_name)!;
          assert.deepEqual(emailsOf.get(r.id) ?? [], sent.emails, `member ${r.user_name} has all its member_emails rows`);
          assert.ok(userIdsPresent.has(r.user_id), `member ${r.user_name} has its users row`);
          assert.ok(audited.has(r.id), `member ${r.user_name} has its audit event`);
        }
        for (const u of ackedUsers) assert.ok(rows.some((r) => r.id === u.id), `acknowledged ${u.userName} is in the database`);

        const targetRows = new Set((await s.db.selectFrom("team_members").select("member_id").where("team_id", "=", targetId).execute()).map((r) => r.member_id));
        for (const m of memberWrites.filter((x) => x.kind === "patch")) {
          const present = m.ids.filter((id) => targetRows.has(id)).length;
          assert.ok(present === 0 || present === m.ids.length, `PATCH adding ${m.ids.length} members left ${present} of them (acked: ${m.acked})`);
          if (m.acked) assert.equal(present, m.ids.length);
        }
        for (const m of memberWrites.filter((x) => x.kind === "create")) {
          const team = await s.db.selectFrom("teams").select("id").where("name_key", "=", m.displayName!.toLowerCase()).executeTakeFirst();
          if (m.acked) assert.ok(team, `acknowledged POST /Groups "${m.displayName}" exists`);
          if (!team) continue;
          const ids = (await s.db.selectFrom("team_members").select("member_id").where("team_id", "=", team.id).execute()).map((r) => r.member_id).sort();
          assert.deepEqual(ids, [...m.ids].sort(), `group "${m.displayName}" has exactly the members it was created with`);
        }
        console.log(`      crash: killed after ${acks} acks with ${inFlightAtKill} requests in flight; ${ackedUsers.length} users and ${ackedMembers.length} member writes acknowledged, ` +
          `${unacked.length} unacknowledged users found written (their responses were lost), all whole`);
      } finally {
        await s.close();
      }

      // The restarted server writes normally, also to the rows the killed requests were writing.
      const post = await request(false, again.port, key, "POST", "/scim/v2/Users", { schemas: [USER_URN], userName: "after.restart@crash.example" });
      assert.equal(post.status, 201, post.body);
      const add = await request(false, again.port, key, "PATCH", `/scim/v2/Groups/${targetId}`, { schemas: [PATCH_URN], Operations: [{ op: "add", path: "members", value: [{ value: post.json().id }] }] });
      assert.equal(add.status, 204, add.body);
    } finally {
      const stop = await again.stop();
      assert.equal(stop.code, 0, again.output());
    }
    if (!PG) {
      const s = database.open();
      try {
        assert.deepEqual((await sql<{ integrity_check: string }>`pragma integrity_check`.execute(s.db)).rows, [{ integrity_check: "ok" }]);
      } finally {
        await s.close();
      }
    }
  });
});
