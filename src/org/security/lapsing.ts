/**
 * Credentials of an org that lapse soon (within EXPIRY_WARNING_DAYS): API keys,
 * OAuth client secrets and federated trusts, alive and not revoked. The console
 * shows them as a warning before SCIM provisioning stops.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../../db/types.ts";
import { EXPIRY_WARNING_DAYS } from "./expiry.ts";

export interface LapsingCredential {
  kind: "api_key" | "oauth_secret" | "federation";
  id: string;
  /** what the admin recognises: key prefix and owner, client name, issuer */
  name: string;
  expiresAt: string;
}

export async function lapsingCredentials(db: Kysely<Database>, orgId: string, at: number = Date.now()): Promise<LapsingCredential[]> {
  const from = new Date(at).toISOString();
  const until = new Date(at + EXPIRY_WARNING_DAYS * 86_400_000).toISOString();
  const keys = await db.selectFrom("api_keys as k").leftJoin("service_accounts as s", "s.id", "k.service_account_id")
    .select(["k.id", "k.prefix", "k.expires_at", "s.name"]).where("k.org_id", "=", orgId).where("k.revoked_at", "is", null)
    .where("k.expires_at", ">", from).where("k.expires_at", "<=", until).execute();
  const secrets = await db.selectFrom("oauth_client_secrets as x").innerJoin("oauth_clients as c", "c.id", "x.client_ref")
    .select(["x.id", "x.prefix", "x.expires_at", "c.name"]).where("x.org_id", "=", orgId).where("x.revoked_at", "is", null)
    .where("x.expires_at", ">", from).where("x.expires_at", "<=", until).execute();
  const feds = await db.selectFrom("scim_federations").select(["id", "issuer", "subject", "expires_at"]).where("org_id", "=", orgId)
    .where("expires_at", ">", from).where("expires_at", "<=", until).execute();
  const out: LapsingCredential[] = [
    ...keys.map((k) => ({ kind: "api_key" as const, id: k.id, name: `API key ${k.prefix}…${k.name ? ` of ${k.name}` : ""}`, expiresAt: k.expires_at! })),
    ...secrets.map((s) => ({ kind: "oauth_secret" as const, id: s.id, name: `secret ${s.prefix}… of OAuth client ${s.name}`, expiresAt: s.expires_at! })),
    ...feds.map((f) => ({ kind: "federation" as const, id: f.id, name: `federation with ${f.issuer} (subject ${f.subject})`, expiresAt: f.expires_at! })),
  ];
  return out.sort((a, b) => a.expiresAt.localeCompare(b.expiresAt));
}
