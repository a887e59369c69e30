/**
 * Conditional writes (PUT, PATCH, DELETE with If-Match) have exactly one winner: writer A
 * is paused inside its transaction right after it locked the row and checked If-Match,
 * writer B with the same If-Match runs into A's lock, then A commits. Users, Groups and
 * Roles share one revision rule (src/org/revision.ts), so one table of cases runs on each.
 * The same cases run on SQLite and PostgreSQL (DATABASE_URL).
 */
import assert from "node:assert/strict";
import type supertest from "supertest";
import { auth, GROUP_URN, patch, startTestApp, user, type TestApp } from "../support/app.ts";
import { race } from "./race.ts";

const ROLE_URN = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Role";

interface Kind {
  path: string;
  /** the race-point prefix of its org functions */
  point: string;
  /** the status of a successful PATCH */
  patched: number;
  create(n: number): Record<string, unknown>;
  /** a PUT body that sets the changed attribute to `value` */
  put(n: number, value: string): Record<string, unknown>;
  /** the attribute PUT and PATCH change, and how to read it back */
  attribute: string;
}

const KINDS: Kind[] = [
  {
    path: "Users", point: "member", patched: 200, attribute: "displayName",
    create: (n) => user(`racer${n}`),
    put: (n, value) => user(`racer${n}`, { displayName: value }),
  },
  {
    path: "Groups", point: "team", patched: 204, attribute: "displayName",
    create: (n) => ({ schemas: [GROUP_URN], displayName: `Race team ${n}` }),
    put: (_n, value) => ({ schemas: [GROUP_URN], displayName: value }),
  },
  {
    path: "Roles", point: "role", patched: 200, attribute: "description",
    create: (n) => ({ schemas: [ROLE_URN], name: `Race role ${n}`, inheritedFrom: "member" }),
    put: (n, value) => ({ schemas: [ROLE_URN], name: `Race role ${n}`, inheritedFrom: "member", description: value }),
  },
];

describe("conditional writes under a race: exactly one winner", () => {
  let t: TestApp;
  let n = 0;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });
  const h = () => auth(t.org.key);

  for (const k of KINDS) {
    describe(`/${k.path} (${process.env.DATABASE_URL?.startsWith("postgres") ? "PostgreSQL" : "SQLite"})`, () => {
      /** A fresh resource: its id, URL and ETag. */
      const fresh = async () => {
        const i = ++n;
        const res = await t.http.post(`/scim/v2/${k.path}`).set(h()).send(k.create(i));
        assert.equal(res.status, 201, JSON.stringify(res.body));
        return { i, url: `/scim/v2/${k.path}/${res.body.id as string}`, etag: res.headers.etag as string };
      };
      const patchTo = (url: string, etag: string, value: string): supertest.Test =>
        t.http.patch(url).set(h()).set("If-Match", etag).send(patch({ op: "replace", path: k.attribute, value }));
      const del = (url: string, etag: string): supertest.Test => t.http.delete(url).set(h()).set("If-Match", etag);
      const read = async (url: string) => t.http.get(url).set(h());

      it("PATCH then DELETE with the same If-Match: the PATCH wins, the DELETE is 412", async () => {
        const r = await fresh();
        const { a, b } = await race(t, `${k.point}.update.locked`, () => patchTo(r.url, r.etag, `patched ${r.i}`), () => del(r.url, r.etag));
        assert.equal(a.status, k.patched, JSON.stringify(a.body));
        assert.equal(b.status, 412, JSON.stringify(b.body));
        assert.match(b.body.detail, /revision/);
        const now = await read(r.url);
        assert.equal(now.status, 200, "the resource survived the losing DELETE");
        assert.equal(now.body[k.attribute], `patched ${r.i}`);
        assert.equal(now.headers.etag, a.headers.etag, "the losing write left no trace on the version");
      });

      it("DELETE then PATCH with the same If-Match: the DELETE wins, the PATCH is 404", async () => {
        const r = await fresh();
        const { a, b } = await race(t, `${k.point}.delete.locked`, () => del(r.url, r.etag), () => patchTo(r.url, r.etag, `too late ${r.i}`));
        assert.equal(a.status, 204, JSON.stringify(a.body));
        assert.equal(b.status, 404, JSON.stringify(b.body));
        assert.equal((await read(r.url)).status, 404);
      });

      it("two identical conditional DELETEs: one 204, one 404", async () => {
        const r = await fresh();
        const { a, b } = await race(t, `${k.point}.delete.locked`, () => del(r.url, r.etag), () => del(r.url, r.etag));
        assert.deepEqual([a.status, b.status], [204, 404], JSON.stringify(b.body));
        assert.equal(b.body.status, "404");
        assert.equal((await read(r.url)).status, 404);
      });

      it("two PUTs with the same If-Match: the first wins, the second is 412 and changes nothing", async () => {
        const r = await fresh();
        const { a, b } = await race(t, `${k.point}.update.locked`,
          () => t.http.put(r.url).set(h()).set("If-Match", r.etag).send(k.put(r.i, `first ${r.i}`)),
          () => t.http.put(r.url).set(h()).set("If-Match", r.etag).send(k.put(r.i, `second ${r.i}`)));
        assert.equal(a.status, 200, JSON.stringify(a.body));
        assert.equal(b.status, 412, JSON.stringify(b.body));
        const now = await read(r.url);
        assert.equal(now.body[k.attribute], `first ${r.i}`);
        assert.equal(now.headers.etag, a.headers.etag);
      });

      it("two PUTs with If-Match *: both win, one after the other (* asks only that the row exists)", async () => {
        const r = await fresh();
        const { a, b } = await race(t, `${k.point}.update.locked`,
          () => t.http.put(r.url).set(h()).set("If-Match", "*").send(k.put(r.i, `first ${r.i}`)),
          () => t.http.put(r.url).set(h()).set("If-Match", "*").send(k.put(r.i, `second ${r.i}`)));
        assert.deepEqual([a.status, b.status], [200, 200], JSON.stringify(b.body));
        const rev = (etag: string) => Number(/"(\d+)"/.exec(etag)![1]);
        assert.equal(rev(b.headers.etag as string), rev(a.headers.etag as string) + 1, "B ran after A, on A's row");
        assert.equal((await read(r.url)).body[k.attribute], `second ${r.i}`);
      });

      it("a DELETE with If-Match * against a DELETE: one 204, one 404", async () => {
        const r = await fresh();
        const { a, b } = await race(t, `${k.point}.delete.locked`, () => del(r.url, "*"), () => del(r.url, "*"));
        assert.deepEqual([a.status, b.status], [204, 404]);
      });
    });
  }
});
