/**
 * What the org's plan and the server's configuration do not allow, each with the
 * reason in words — so the console can show these options disabled, with the
 * reason, before anyone submits. The reasons come from the same functions the
 * writes refuse with (requireEnterprise, requireEncryptionKey): one rule, two readers.
 */
import type { Org } from "../../../db/types.ts";
import { enterpriseRefusal } from "../members/member-roles.ts";
import { encryptionKeyMissing } from "../security/secrets.ts";

/** Option name → why it is unavailable; an option missing here is available. */
export type UnavailableOptions = Partial<Record<"orgRole:viewer" | "teamRole:view-only" | "customRoles" | "ssoSecrets", string>>;

export function unavailableOptions(org: Pick<Org, "plan">, config: { encryptionKey?: Buffer }): UnavailableOptions {
  const out: UnavailableOptions = {};
  const put = (k: keyof UnavailableOptions, reason: string | null) => { if (reason) out[k] = sentence(reason); };
  put("orgRole:viewer", enterpriseRefusal(org, "the Viewer org role"));
  put("teamRole:view-only", enterpriseRefusal(org, "the View-Only team role"));
  put("customRoles", enterpriseRefusal(org, "custom roles"));
  put("ssoSecrets", encryptionKeyMissing(config.encryptionKey, "a client secret or bind password"));
  return out;
}

const sentence = (s: string) => `${s[0]?.toUpperCase() ?? ""}${s.slice(1)}.`;
