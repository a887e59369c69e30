/**
 * Secrets of the deployment (session signing, cursor signing): the configured
 * value when there is one, else a random value generated once and stored in the
 * database, so every instance behind a load balancer uses the same one.
 */
import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";

export async function instanceSecret(db: Kysely<Database>, name: string, configured?: string): Promise<string> {
  if (configured) return configured;
  await db.insertInto("app_secrets")
    .values({ name, value: crypto.randomBytes(32).toString("base64url"), created_at: new Date().toISOString() })
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  const row = await db.selectFrom("app_secrets").select("value").where("name", "=", name).executeTakeFirstOrThrow();
  return row.value;
}
