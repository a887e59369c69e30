import assert from "node:assert/strict";
import { startTestApp, type TestApp } from "./support/app.ts";

describe("health probes", () => {
  let t: TestApp;
  before(async () => { t = await startTestApp(); });
  after(async () => { await t.close(); });

  it("/healthz answers without a key", async () => {
    const res = await t.http.get("/healthz");
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "ok");
  });

  it("/readyz is ready when the database answers and migrations are current", async () => {
    const res = await t.http.get("/readyz");
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "ready");
    assert.equal(res.body.database, t.store.dialect);
  });
});
