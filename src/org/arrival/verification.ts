/**
 * Where an address's verification came from (migration 0009). A source is a
 * short string: `oidc <issuer>` / `ldap <url>` (a sign-in whose claim was
 * verified), `email` (an e-mail link proved the mailbox), `scim <orgId>` (an
 * org's own directory, which vouches only inside that org), `legacy` (rows
 * from before this record existed; never a link target).
 */
import type { Transaction } from "kysely";
import type { Database } from "../../../db/types.ts";
import { now } from "../clock.ts";
import type { Arrival } from "./arrive.ts";

type Trx = Transaction<Database>;

/** The source a verified claim of this arrival stands for (null: the door vouches for nothing). */
export function sourceOf(a: Arrival): string | null {
  if (a.door === "email") return "email";
  if ((a.door === "oidc" || a.door === "ldap") && a.identity) return `${a.identity.provider} ${a.identity.issuer}`;
  return null;
}

/** `member_emails.verified_by` of an address the org's own directory gave. */
export const DIRECTORY = "scim";

/** Sources that vouch for an address across orgs: verified sign-ins and e-mail links, not another org's directory or legacy rows. */
export function vouchesAcrossOrgs(source: string): boolean {
  return source === "email" || source.startsWith("oidc ") || source.startsWith("ldap ");
}

/** Records that `source` verified `emailKey` for the user (once per source). */
export async function recordVerification(trx: Trx, userId: string, emailKey: string, source: string, orgId: string | null): Promise<void> {
  await trx.insertInto("email_verifications").values({ user_id: userId, email_key: emailKey, source, org_id: orgId, verified_at: now() })
    .onConflict((oc) => oc.columns(["user_id", "email_key", "source"]).doNothing()).execute();
}
