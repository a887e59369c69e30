/**
 * The last sign-in of a member (migration 0018), shown on the member page.
 * Written by the arrival decision, inside its transaction, for every door a
 * person signs in through; a SCIM push is the directory's, not a sign-in.
 */
import type { Transaction } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";

export async function recordSignIn(trx: Transaction<Database>, memberId: string, door: string): Promise<void> {
  await trx.updateTable("members").set({ last_sign_in_at: now(), last_sign_in_door: door }).where("id", "=", memberId).execute();
}
