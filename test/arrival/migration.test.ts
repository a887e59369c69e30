/**
 * Migration 0009 on a database that has data from before it: a SCIM-pushed
 * member's addresses become vouched for by the directory, a signed-in
 * claimant's do not; users marked verified get `legacy` rows (which link
 * nothing); existing sessions learn their member, org and door from their JSON.
 */
import assert from "node:assert/strict";
import { Migrator, sql, type Migration } from "kysely";
import { openDatabase, type Store } from "../../db/connect.ts";
import { migrateToLatest } from "../../db/migrate.ts";
import * as m0001 from "../../db/migrations/0001-init.ts";
import * as m0003 from "../../db/migrations/0003-invites-domains.ts";
import * as m0004 from "../../db/migrations/0004-sessions.ts";
import * as m0005 from "../../db/migrations/0005-oidc.ts";
import * as m0006 from "../../db/migrations/0006-ldap.ts";
import * as m0007 from "../../db/migrations/0007-prefix-indexes.ts";
import { emptyDatabaseUrl } from "../support/store.ts";

type Step = { up(db: any, dialect: Store["dialect"]): Promise<void> };
const BEFORE: Record<string, Step> = {
  "0001-init": m0001, "0003-invites-domains": m0003, "0004-sessions": m0004, "0005-oidc": m0005, "0006-ldap": m0006, "0007-prefix-indexes": m0007,
};

describe("migration 0009 (arrival) over existing data", () => {
  it("vouches for directory-pushed addresses only, keeps old verifications as legacy, and fills in the sessions' member", async () => {
    const { url, cleanup } = await emptyDatabaseUrl("m0009");
    const store = openDatabase(url, { pgPoolSize: 1 });
    try {
      const schema = store.dialect === "postgres" ? (await sql<{ s: string }>`select current_schema() as s`.execute(store.db)).rows[0]!.s : undefined;
      const provider = { async getMigrations() {
        const out: Record<string, Migration> = {};
        for (const [name, step] of Object.entries(BEFORE)) out[name] = { up: (db) => step.up(db, store.dialect) };
        return out;
      } };
      const { error } = await new Migrator({ db: store.db, provider, ...(schema ? { migrationTableSchema: schema } : {}) }).migrateToLatest();
      assert.ifError(error);

      const t = new Date().toISOString();
      const db = store.db as any;
      await db.insertInto("orgs").values({ id: "o1", name: "o1", name_key: "o1", created_at: t, updated_at: t }).execute();
      for (const [id, verified] of [["u-scim", 0], ["u-claim", 0], ["u-verified", 1]] as const)
        await db.insertInto("users").values({ id, email: `${id}@x.example`, email_key: `${id}@x.example`, email_verified: verified, display_name: null, created_at: t, updated_at: t }).execute();
      await db.insertInto("identities").values({ id: "i1", user_id: "u-claim", provider: "oidc", issuer: "https://idp", subject: "s", created_at: t }).execute();
      for (const [id, userId] of [["m-scim", "u-scim"], ["m-claim", "u-claim"]])
        await db.insertInto("members").values({ id, org_id: "o1", user_id: userId, user_name: id, user_name_key: id, resource: "{}", created_at: t, updated_at: t }).execute();
      for (const [memberId, userId] of [["m-scim", "u-scim"], ["m-claim", "u-claim"]])
        await db.insertInto("member_emails").values({ member_id: memberId, org_id: "o1", position: 0, value: `${userId}@x.example`, value_key: `${userId}@x.example`, type: "work", is_primary: 1 }).execute();
      const future = new Date(Date.now() + 3_600_000).toISOString();
      await db.insertInto("sessions").values({ sid: "s1", data: JSON.stringify({ user: { orgId: "o1", memberId: "m-claim", userId: "u-claim", door: "oidc" } }), expires_at: future }).execute();
      await db.insertInto("sessions").values({ sid: "s2", data: JSON.stringify({ cookie: {} }), expires_at: future }).execute();

      assert.ok((await migrateToLatest(store)).includes("0009-arrival"));

      const vouched = await store.db.selectFrom("member_emails").select(["member_id", "verified_by"]).orderBy("member_id").execute();
      assert.deepEqual(vouched, [{ member_id: "m-claim", verified_by: null }, { member_id: "m-scim", verified_by: "scim" }]);
      const v = await store.db.selectFrom("email_verifications").select(["user_id", "source"]).execute();
      assert.deepEqual(v, [{ user_id: "u-verified", source: "legacy" }]);
      const s = await store.db.selectFrom("sessions").select(["sid", "member_id", "org_id", "door"]).orderBy("sid").execute();
      assert.deepEqual(s, [{ sid: "s1", member_id: "m-claim", org_id: "o1", door: "oidc" }, { sid: "s2", member_id: null, org_id: null, door: null }]);
    } finally {
      await store.close();
      await cleanup();
    }
  });
});
