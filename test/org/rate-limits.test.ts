/** Sign-in rate limits in the database: the limit, Retry-After in seconds, two instances counting together. */
import assert from "node:assert/strict";
import { openDatabase } from "../../db/connect.ts";
import { DEFAULT_SIGNIN_LIMITS, hit, signInLimits } from "../../src/org/security/rate-limits.ts";
import { openTestStore, type TestStore } from "../support/store.ts";

describe("sign-in rate limits", () => {
  let store: TestStore;
  before(async () => { store = await openTestStore(); });
  after(async () => { await store?.close(); });

  it("allows `limit` attempts in a window, then refuses with the seconds left in the window; a new window starts over", async () => {
    const t0 = Date.parse("2030-01-01T00:00:10Z"); // 10 s into a 60 s window
    for (let i = 0; i < 3; i++) assert.deepEqual(await hit(store.db, "k:limit", 3, 60, t0 + i), { ok: true });
    assert.deepEqual(await hit(store.db, "k:limit", 3, 60, t0 + 5_000), { ok: false, retryAfterSeconds: 45 });
    assert.deepEqual(await hit(store.db, "k:limit", 3, 60, t0 + 49_500), { ok: false, retryAfterSeconds: 1 });
    assert.deepEqual(await hit(store.db, "k:limit", 3, 60, t0 + 50_000), { ok: true }); // next window
    const row = await store.db.selectFrom("rate_limits").selectAll().where("key", "=", "k:limit").executeTakeFirstOrThrow();
    assert.deepEqual([row.window_start, Number(row.count)], ["2030-01-01T00:01:00.000Z", 1]);
  });

  it("is shared by two instances (two connections to the same database), also under concurrent attempts", async () => {
    const second = openDatabase(store.url);
    try {
      const at = Date.now();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => hit(i % 2 ? second.db : store.db, "k:shared", 6, 300, at)));
      assert.equal(results.filter((r) => r.ok).length, 6);
      assert.ok(!(await hit(second.db, "k:shared", 6, 300, at)).ok);
    } finally {
      await second.close();
    }
  });

  it("the limits come from the environment; the defaults are 20 per address and 10 per account in 5 minutes (the doors' 429s are tested through them: test/sso)", () => {
    assert.deepEqual(signInLimits({}), { ...DEFAULT_SIGNIN_LIMITS });
    assert.deepEqual(signInLimits({ SIGNIN_LIMIT_PER_ADDRESS: "5", SIGNIN_LIMIT_PER_ACCOUNT: "2", SIGNIN_LIMIT_WINDOW_SECONDS: "60" }), { perAddress: 5, perAccount: 2, windowSeconds: 60 });
  });
});
