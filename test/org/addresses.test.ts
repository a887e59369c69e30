/**
 * Stable org addresses: every org has a slug, chosen once from its first name and
 * never changed by a rename; sign-in and console URLs use it; a former name keeps
 * leading to the org (a redirect to the slug's URL); an upgrade keeps the URLs an
 * existing org already uses (its slug is its name at migration time).
 */
import assert from "node:assert/strict";
import { Migrator, type Migration } from "kysely";
import { openDatabase } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import * as m0001 from "../../db/migrations/0001-init.ts";
import * as m0003 from "../../db/migrations/0003-invites-domains.ts";
import * as m0004 from "../../db/migrations/0004-sessions.ts";
import * as m0005 from "../../db/migrations/0005-oidc.ts";
import * as m0006 from "../../db/migrations/0006-ldap.ts";
import * as m0007 from "../../db/migrations/0007-prefix-indexes.ts";
import { findOrgByAddress } from "../../src/org/orgs/addresses.ts";
import { slugFrom } from "../../src/org/orgs/slug.ts";
import { createOrg, getOrgByName } from "../../src/org/orgs/orgs.ts";
import { updateOrgSettings } from "../../src/org/orgs/settings.ts";
import { as, expectOk, problem } from "../admin/principals.ts";
import { startTestApp, type TestApp } from "../support/app.ts";
import { emptyDatabaseUrl } from "../support/store.ts";

const actor = { door: "cli" as const, id: "test" };
let n = 0;
const uniq = () => `${process.pid}x${++n}`;

describe("org addresses: slugs", () => {
  it("a slug is the first name in lower-case letters, digits and dashes", () => {
    assert.equal(slugFrom("Acme Corp."), "acme-corp");
    assert.equal(slugFrom("  Société Générale  "), "societe-generale");
    assert.equal(slugFrom("R&D / ML"), "r-d-ml");
    assert.equal(slugFrom("株式会社"), "org");
    assert.equal(slugFrom("x".repeat(100)).length, 60);
  });

  describe("on a database", () => {
    let t: TestApp;
    before(async () => { t = await startTestApp(); });
    after(async () => t?.close());

    it("each org gets a free slug at creation; a taken one gets a number", async () => {
      const u = uniq();
      const { org: a } = await createOrg(t.store.db, `Globex ${u}`);
      const { org: b } = await createOrg(t.store.db, `Globex-${u}`);
      assert.equal(a.slug, `globex-${u}`);
      assert.equal(b.slug, `globex-${u}-2`);
      const { org: c } = await createOrg(t.store.db, `株式会社 ${u}`);
      assert.match(c.slug, new RegExp(`^${u}$`));
    });

    it("a rename keeps the slug; slug, current name, former name and id all find the org", async () => {
      const u = uniq();
      const { org } = await createOrg(t.store.db, `Initech ${u}`);
      const after = await updateOrgSettings(t.store.db, org.id, { name: `Initrode ${u}` }, actor);
      assert.equal(after.slug, org.slug);
      assert.equal(after.name, `Initrode ${u}`);
      for (const [ref, via] of [[org.slug, "slug"], [`INITRODE ${u}`, "name"], [`initech ${u}`, "former"], [org.id, "id"], [org.slug.toUpperCase(), "slug"]] as const) {
        const found = await findOrgByAddress(t.store.db, ref);
        assert.deepEqual([found?.org.id, found?.via], [org.id, via], ref);
      }
      assert.equal((await getOrgByName(t.store.db, `Initech ${u}`)).id, org.id, "operators (CLI, ROLLCALL_ORG_NAME) find it by an old name");
      assert.equal(await findOrgByAddress(t.store.db, `nobody ${u}`), undefined);

      // renamed twice, both old names lead here; renamed back, the name is current again
      await updateOrgSettings(t.store.db, org.id, { name: `Intertrode ${u}` }, actor);
      assert.equal((await findOrgByAddress(t.store.db, `Initech ${u}`))?.org.id, org.id);
      assert.equal((await findOrgByAddress(t.store.db, `Initrode ${u}`))?.via, "former");
      await updateOrgSettings(t.store.db, org.id, { name: `Initech ${u}` }, actor);
      assert.equal((await findOrgByAddress(t.store.db, `Initech ${u}`))?.via, "name");
    });

    it("a new org may take a former name: its current name wins over the old one; the old org keeps its slug", async () => {
      const u = uniq();
      const { org: old } = await createOrg(t.store.db, `Hooli ${u}`);
      await updateOrgSettings(t.store.db, old.id, { name: `Hooli XYZ ${u}` }, actor);
      const { org: fresh } = await createOrg(t.store.db, `Hooli ${u}`);
      assert.notEqual(fresh.slug, old.slug, "the new org's slug avoids the old one's");
      assert.equal((await findOrgByAddress(t.store.db, `Hooli ${u}`))?.org.id, fresh.id);
      assert.equal((await findOrgByAddress(t.store.db, old.slug))?.org.id, old.id);
    });
  });
});

describe("org addresses over HTTP", () => {
  let t: TestApp;
  let oldName = "";
  let newName = "";
  let slug = "";
  before(async () => {
    t = await startTestApp();
    const u = uniq();
    const created = await t.newOrg(`Umbrella Corp ${u}`);
    const key = created.key;
    oldName = created.name;
    slug = (await t.store.db.selectFrom("orgs").select("slug").where("id", "=", created.id).executeTakeFirstOrThrow()).slug;
    assert.equal(slug, `umbrella-corp-${u}`);
    newName = `Umbrella Health ${u}`;
    const renamed = expectOk(await as(t, key).patch("/org", { name: newName }));
    assert.equal(renamed.slug, slug, "GET/PATCH /org show the stable address");
    problem(await as(t, key).patch("/org", { slug: "something-else" }), 400, /unknown field "slug"/);
  });
  after(async () => t?.close());

  it("an old name in /auth/{org}/… redirects to the slug (302 for GET, 307 keeps a POST a POST), with the rest of the URL", async () => {
    const get = await t.http.get(`/auth/${encodeURIComponent(oldName)}/oidc/login?returnTo=%2Fadmin%2F%23%2Fteams`);
    assert.equal(get.status, 302);
    assert.equal(get.headers.location, `/auth/${slug}/oidc/login?returnTo=%2Fadmin%2F%23%2Fteams`);
    const post = await t.http.post(`/auth/${encodeURIComponent(oldName.toUpperCase())}/ldap/login`).send({ username: "u", password: "p" });
    assert.equal(post.status, 307);
    assert.equal(post.headers.location, `/auth/${slug}/ldap/login`);
    // the slug and the current name are served, not redirected (no sign-in door configured: 404 in words)
    problem(await t.http.post(`/auth/${slug}/ldap/login`).send({ username: "u", password: "p" }), 404, /has no LDAP sign-in here/);
    problem(await t.http.post(`/auth/${encodeURIComponent(newName)}/ldap/login`).send({ username: "u", password: "p" }), 404, /has no LDAP sign-in here/);
    problem(await t.http.post("/auth/no-such-org-at-all/ldap/login").send({ username: "u", password: "p" }), 404, /has no LDAP sign-in here/);
  });

  it("the console sign-in page of an old name redirects to ?org=<slug>; its methods name the slug's URLs", async () => {
    const res = await t.http.get(`/admin/login?org=${encodeURIComponent(oldName)}&returnTo=%2Fadmin%2F`);
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, `/admin/login?org=${slug}&returnTo=%2Fadmin%2F`);
    const page = await t.http.get(`/admin/login?org=${slug}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<h1>Sign in<\/h1>/);
    const methods = expectOk(await t.http.get(`/admin/api/sign-in-methods?org=${encodeURIComponent(oldName)}`));
    // the name is echoed as asked (no enumeration, src/console/router.ts); the doors' URLs use the slug
    assert.equal(methods.org.name, oldName);
    for (const door of [methods.oidc, methods.ldap].filter(Boolean)) assert.match(door.loginUrl, new RegExp(`^/auth/${slug}/`));
  });
});

describe("migration 0008 on an existing database", () => {
  it("gives existing orgs their current name as slug (URLs registered before the upgrade keep working) and pending claims an expiry", async () => {
    const { url, cleanup } = await emptyDatabaseUrl("m0008");
    const store = openDatabase(url, { pgPoolSize: 1 });
    try {
      const before: Record<string, Migration> = {};
      for (const [name, m] of Object.entries({ "0001-init": m0001, "0003-invites-domains": m0003, "0004-sessions": m0004, "0005-oidc": m0005, "0006-ldap": m0006, "0007-prefix-indexes": m0007 }))
        before[name] = { up: (db) => m.up(db, store.dialect) };
      const { error } = await new Migrator({ db: store.db, provider: { getMigrations: async () => before } }).migrateToLatest();
      assert.ifError(error);
      const t = new Date().toISOString();
      const db = store.db as any;
      await db.insertInto("orgs").values({ id: "o1", name: "Acme Corp", name_key: "acme corp", created_at: t, updated_at: t }).execute();
      await db.insertInto("domains").values({ id: "d1", org_id: "o1", domain: "acme.example", token: "tok", created_at: t }).execute();
      assert.equal((await migrateToLatest(store))[0], "0008-addresses");
      const org = await store.db.selectFrom("orgs").selectAll().where("id", "=", "o1").executeTakeFirstOrThrow();
      assert.equal(org.slug, "Acme Corp");
      assert.equal((await findOrgByAddress(store.db, "Acme Corp"))?.via, "slug");
      const d = await store.db.selectFrom("domains").selectAll().where("id", "=", "d1").executeTakeFirstOrThrow();
      assert.ok(d.expires_at && Date.parse(d.expires_at) > Date.now() + 6 * 86_400_000, "a pending claim gets the default lifetime from now");
      // a second org may now claim the same domain while it is pending, and only one claim per domain can be verified
      await store.db.insertInto("orgs").values({ id: "o2", name: "Other", name_key: "other", slug: "other", created_at: t, updated_at: t }).execute();
      await store.db.insertInto("domains").values({ id: "d2", org_id: "o2", domain: "acme.example", token: "tok2", created_at: t, verified_at: t, verified_by: "dns", expires_at: null }).execute();
      await assert.rejects(store.db.updateTable("domains").set({ verified_at: t }).where("id", "=", "d1").execute(), /unique|UNIQUE/);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
