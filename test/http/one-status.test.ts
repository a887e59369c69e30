/**
 * One refusal, one status, at every door (issue 9 item 7): a seat limit refuses through
 * SCIM, the admin API and an OIDC sign-in (the real OpenID Provider) with the same status
 * and the same reason; and every domain error kind gets the same status from each door's
 * translator.
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import supertest from "supertest";
import { toProblem } from "../../src/admin/errors.ts";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { problemOf } from "../../src/http/problems.ts";
import { DomainError, type DomainErrorKind } from "../../src/org/errors.ts";
import { createOrg } from "../../src/org/orgs/orgs.ts";
import { toScimError } from "../../src/scim/errors.ts";
import { auth, SCIM, user } from "../support/app.ts";
import { addMember, as } from "../admin/principals.ts";
import { scimUser, setOrg } from "../support/members.ts";
import { openTestStore, type TestStore } from "../support/store.ts";
import { Browser, signInThrough, startOidcProvider, type TestProvider } from "../sso/oidc-provider.ts";

// the sign-in door adds what an admin can do; the refusal and its status are the same
const SEATS_FULL = /^seat limit reached: 2 of 2 full Models seats in use($|[ ;])/;

describe("one refusal, one status, at every door", function () {
  this.timeout(30_000);
  let store: TestStore;
  let server: http.Server;
  let base: string;
  let agent: supertest.Agent;
  let op: TestProvider;
  let org: { id: string; name: string; key: string };
  const logged: unknown[] = [];

  before(async () => {
    store = await openTestStore();
    const config = loadConfig({ ROLLCALL_ENCRYPTION_KEY: crypto.randomBytes(32).toString("base64") });
    const app = createApp(store, config, { log: (msg, err) => logged.push([msg, err]) });
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    agent = supertest.agent(app);
    const created = await createOrg(store.db, `one-status-${process.pid}`);
    org = { id: created.org.id, name: created.org.name, key: created.key.key };
    op = await startOidcProvider({
      redirectUris: [`${base}/auth/${encodeURIComponent(org.name)}/oidc/callback`],
      accounts: [{ sub: "late-sub", email: "late@one-status.example", email_verified: true, name: "Late Comer", preferred_username: "late" }],
    });
  });
  after(async () => {
    await op?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await store?.close();
    assert.deepEqual(logged, [], "no door logged an unexpected error");
  });

  it("a full seat limit: the same 409 and reason through SCIM, the admin API and an OIDC sign-in", async () => {
    const t = { store, http: agent, org, config: loadConfig({}), newOrg: async () => org, close: async () => {} };
    const admin = await addMember(t, "seats-admin", "admin", org);
    const viewer = await scimUser(t, org, "seats-viewer", { modelsSeat: "viewer" });
    await setOrg(t, org, { full_models_seat_limit: 2 }); // the admin and the org's first full seat…
    await scimUser(t, org, "seats-full"); // …now both full seats are taken

    const scim = await agent.post("/scim/v2/Users").set(auth(org.key)).type(SCIM).send(user("seats-one-more"));
    const adminApi = await as(t, admin.key).patch(`/members/${viewer}`, { modelsSeat: "full" });
    const oidcPut = await as(t, admin.key).put("/sso/oidc", { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret });
    assert.equal(oidcPut.status, 200, oidcPut.text);
    const signIn = (await signInThrough(new Browser("application/json"), `${base}/auth/${encodeURIComponent(org.name)}/oidc/login`, op, "late-sub")).callback;

    const answers = [
      { door: "SCIM POST /Users", status: scim.status, detail: JSON.parse(scim.text).detail, scimStatus: JSON.parse(scim.text).status },
      { door: "admin API PATCH /members/{id}", status: adminApi.status, detail: JSON.parse(adminApi.text).detail },
      { door: "OIDC sign-in", status: signIn.status, detail: JSON.parse(signIn.text).detail },
    ];
    for (const a of answers) {
      assert.equal(a.status, 409, `${a.door}: ${JSON.stringify(a)}`);
      assert.match(a.detail, SEATS_FULL, `${a.door}: ${a.detail}`);
    }
    assert.equal(answers[0]!.scimStatus, "409");
    const late = await store.db.selectFrom("members").select("id").where("org_id", "=", org.id).where("user_name", "=", "late").execute();
    assert.equal(late.length, 0, "the refused sign-in created no member");
  });

  it("every domain error kind: the same status from the SCIM and admin API translators as from the one the sign-in doors use", async () => {
    const kinds: DomainErrorKind[] = ["invalid", "not_found", "conflict", "rule", "forbidden", "precondition", "unauthorized"];
    const seen = new Set<number>();
    for (const kind of kinds) {
      const err = new DomainError(kind, `a ${kind} refusal`);
      const status = problemOf(err).status;
      assert.equal(toScimError(err).status, status, `SCIM: ${kind}`);
      assert.equal(toProblem(err).status, status, `admin API: ${kind}`);
      assert.ok(status >= 400 && status < 500, `${kind} is a client error`);
      seen.add(status);
    }
    assert.deepEqual([...seen].sort(), [400, 401, 403, 404, 409, 412]);
  });
});
