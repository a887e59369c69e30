/**
 * The provisioning decision: every way a person arrives (SCIM create, OIDC
 * login, LDAP login, invite acceptance) goes through `provision`. See DESIGN.md:
 * 1. known login identity → that user; else a user with the same VERIFIED
 *    e-mail → link (an unverified e-mail never links, captures or joins);
 * 2. already a member → sign in (inactive members are refused);
 * 3. pending invite → join with its role and teams, not the default team;
 * 4. auto-provisioning on → join as Member (+ default team when the e-mail
 *    domain is claimed and verified by this org and the user is new);
 * 5. otherwise refuse, naming what an admin can do.
 */
import type { Kysely } from "kysely";
import type { Database } from "../../db/types.ts";
import type { Actor } from "./audit.ts";

export interface Arrival {
  door: "scim" | "oidc" | "ldap" | "invite";
  orgId: string;
  /** the login identity (OIDC issuer + sub, LDAP server URL + DN) */
  identity?: { provider: "oidc" | "ldap"; issuer: string; subject: string };
  email?: string | null;
  /** only a verified e-mail links, captures a domain or matches an invite */
  emailVerified: boolean;
  userName?: string | null;
  displayName?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  /** invite acceptance: the token from the link */
  inviteToken?: string;
  /** directory groups (OIDC `groups` claim, LDAP groups), for the optional team sync */
  groups?: string[];
}

export type ProvisionOutcome =
  | { ok: true; decision: "signed_in" | "joined_by_invite" | "joined" | "joined_with_default_team"; userId: string; memberId: string; newUser: boolean; linked: boolean }
  | { ok: false; decision: "refused"; reason: string };

export async function provision(_db: Kysely<Database>, _arrival: Arrival, _actor: Actor): Promise<ProvisionOutcome> {
  throw new Error("provision: not implemented yet");
}
