/**
 * The actions the access policy decides, named after what they do, with the
 * target each one is about. `ACTIONS` holds the words refusals use.
 */
/** A team as the policy sees it (for invites: whether its members may invite). */
export interface TeamTarget {
  teamId: string;
  membersCanInvite?: boolean;
  /** managing members: the permissions of the team roles being handed out or taken away (a manager must hold them all) */
  grants?: string[];
}

/** An invite: the org role it grants and the teams it puts the person in. */
export interface InviteTarget {
  orgRole: string;
  teams: TeamTarget[];
}

/** Each action and its target (undefined: the action is about the caller's whole org). */
export interface ActionTargets {
  "org:read-settings": undefined;
  "org:change-settings": undefined;
  "org:change-plan": undefined;
  "seats:read": undefined;
  "members:read": undefined;
  "member:change-access": undefined;
  "member:remove": undefined;
  "member:set-billing-admin": undefined;
  "member:read-permissions": { memberId: string; teamId: string | null };
  "team:read": { teamId: string };
  "team:create": undefined;
  "team:delete": undefined;
  "team:manage-members": TeamTarget;
  "team:manage-settings": TeamTarget;
  "team:manage-service-accounts": TeamTarget;
  "invite:create": InviteTarget;
  "invites:list": undefined;
  "invite:read": InviteTarget;
  "invite:manage": InviteTarget;
  "domains:read": undefined;
  "domains:manage": undefined;
  "roles:read": undefined;
  "roles:manage": undefined;
  "audit:read": undefined;
  "events:read": undefined;
  "events:manage": undefined;
  "service-accounts:list": undefined;
  "service-accounts:manage": { teamId: string | null };
  "member-keys:create": { memberId: string };
  "member-keys:manage": { memberId: string };
  "sso:manage": undefined;
  "scim-auth:manage": undefined;
  "role-mappings:read": undefined;
  "role-mappings:manage": undefined;
  "scim-connections:manage": undefined;
  "scim:read": undefined;
  "scim:write": undefined;
  "me:read": undefined;
}

export type Action = keyof ActionTargets;

/** What each action does, as refusals say it ("only … may <this>"). */
export const ACTIONS: Record<Action, string> = {
  "org:read-settings": "read the organization's settings",
  "org:change-settings": "change the organization's settings",
  "org:change-plan": "change the organization's plan",
  "seats:read": "read seat usage",
  "members:read": "read members",
  "member:change-access": "change a member's org role, seats or active state",
  "member:remove": "remove a member",
  "member:set-billing-admin": "choose the billing admin",
  "member:read-permissions": "read a member's effective permissions",
  "team:read": "see this team",
  "team:create": "create teams",
  "team:delete": "delete teams",
  "team:manage-members": "manage this team's members",
  "team:manage-settings": "change this team's settings",
  "team:manage-service-accounts": "manage this team's service accounts",
  "invite:create": "create this invite",
  "invites:list": "list invites",
  "invite:read": "read this invite",
  "invite:manage": "resend or revoke this invite",
  "domains:read": "read the claimed domains",
  "domains:manage": "claim, verify and release domains (and see their verification tokens)",
  "roles:read": "read custom roles and the permission catalog",
  "roles:manage": "create, change and delete custom roles",
  "audit:read": "read the audit log",
  "events:read": "see the event receivers and their deliveries",
  "events:manage": "register, pause, delete and replay event receivers",
  "service-accounts:list": "list service accounts",
  "service-accounts:manage": "read and manage these service accounts and their keys",
  "member-keys:create": "create an API key that acts as this member",
  "member-keys:manage": "list and revoke this member's API keys",
  "scim-auth:manage": "manage OAuth clients, their secrets and federated trusts for SCIM",
  "sso:manage": "configure single sign-on (OIDC, LDAP)",
  "role-mappings:read": "read the role mapping rules",
  "role-mappings:manage": "create, dry-run and delete role mapping rules",
  "scim-connections:manage": "list, create and remove SCIM connections",
  "scim:read": "read through SCIM",
  "scim:write": "provision through SCIM",
  "me:read": "use /me",
};

export const ACTION_NAMES = Object.keys(ACTIONS) as Action[];

/** The actions about the caller's whole org (no target): what a console shows or hides. */
export const ORG_ACTIONS = [
  "org:read-settings", "org:change-settings", "org:change-plan", "seats:read", "members:read", "member:change-access", "member:remove",
  "member:set-billing-admin", "team:create", "team:delete", "invites:list", "domains:read", "domains:manage", "roles:read", "roles:manage",
  "audit:read", "events:read", "events:manage", "service-accounts:list", "sso:manage", "scim-auth:manage", "role-mappings:read", "role-mappings:manage", "scim-connections:manage", "scim:read", "scim:write", "me:read",
] as const satisfies readonly { [A in Action]: ActionTargets[A] extends undefined ? A : never }[Action][];
