/**
 * The access policy: ONE decision, asked by every door (SCIM, admin API,
 * console session, CLI, SSO). `can(principal, action, target)` answers
 * allowed (and why) or refused (and what would allow it); `ensureCan` throws
 * the domain `forbidden` error (403 everywhere) on a refusal.
 *
 * Who acts for the whole org: the operator, org-scoped service accounts and
 * active members with org role admin. Team administration comes from the
 * member's permissions in that team (permissions.ts: team role admin, or a
 * custom role that adds `team:manage-*`), or from being that team's own
 * service account. The plan is the operator's alone.
 *
 * @example
 * const d = can(principal, "team:manage-members", { teamId });
 * if (!d.allowed) console.log(d.reason); // "only org admins, admins of this team and … may manage this team's members; …"
 * ensureCan(principal, "audit:read");     // throws forbidden(...) for a plain member
 */
import { ACTIONS, ORG_ACTIONS, type Action, type ActionTargets, type InviteTarget, type TeamTarget } from "./actions.ts";
import { allow, enforce, refuse, type Decision } from "./decision.ts";
import { checkPermission, holdsInTeam } from "./permissions.ts";
import { describe, type Principal } from "./principals.ts";

type Args<A extends Action> = ActionTargets[A] extends undefined ? [] : [ActionTargets[A]];
type Rule<A extends Action> = (p: Principal, target: ActionTargets[A]) => Decision;

const ORG_WIDE = "org admins, org-scoped service accounts and the operator";
const ASK_ADMIN = "an org admin can make you an admin";

/** Why `p` acts for the whole org, or null when it does not. */
function orgWide(p: Principal): string | null {
  if (p.kind === "operator") return "the operator";
  if (p.kind === "org-service-account") return "an org-scoped service account acts for the whole organization";
  if (p.kind === "member" && p.facts.active && p.facts.orgRole === "admin") return "org role admin";
  return null;
}

const deactivated = (p: Principal): string | null =>
  p.kind === "member" && !p.facts.active ? `${p.facts.userName} is deactivated and may do nothing in the organization` : null;

/** Org admins (and the other org-wide principals) only. */
const orgAdmins = (action: Action): Rule<Action> => (p) => {
  const why = orgWide(p);
  if (why) return allow(why);
  const off = deactivated(p);
  if (off) return refuse(off);
  const who = p.kind === "team-service-account" ? "a team-scoped service account acts only within its own team" : `${describe(p)} is not one (${ASK_ADMIN})`;
  return refuse(`only ${ORG_WIDE} may ${ACTIONS[action]}; ${who}`);
};

/** Everyone in the org: members of any role and the org-wide principals; not a team-scoped service account. */
const orgReaders = (action: Action): Rule<Action> => (p) => {
  const why = orgWide(p);
  if (why) return allow(why);
  const off = deactivated(p);
  if (off) return refuse(off);
  if (p.kind === "member") return allow(`every member of the organization may ${ACTIONS[action]}`);
  return refuse(`only members of the organization and ${ORG_WIDE} may ${ACTIONS[action]}; a team-scoped service account acts only within its own team`);
};

/** Team administration: org-wide principals, the team's own service account, members holding the permission in the team. */
function teamAdmin(permission: "team:manage-members" | "team:manage-settings" | "team:manage-service-accounts"): Rule<Action> {
  return (p, target) => {
    const { teamId } = target as TeamTarget;
    const why = orgWide(p);
    if (why) return allow(why);
    const off = deactivated(p);
    if (off) return refuse(off);
    const what = ACTIONS[permission];
    if (p.kind === "team-service-account")
      return p.teamId === teamId ? allow("the team's own service account") : refuse(`a team-scoped service account may ${what} only for its own team`);
    if (p.kind !== "member") return refuse(`only ${ORG_WIDE} may ${what}`);
    const d = checkPermission(p.facts, permission, teamId);
    if (!d.allowed) return refuse(`only org admins, admins of this team and members holding ${permission} in it (a custom role that adds it) may ${what}: ${d.reason}`);
    const beyond = ((target as TeamTarget).grants ?? []).filter((g) => !holdsInTeam(p.facts, g, teamId));
    if (beyond.length)
      return refuse(`${p.facts.userName} may manage this team's members but not hand out or take away a team role holding more than they hold themselves (${beyond.slice(0, 5).join(", ")}${beyond.length > 5 ? ", …" : ""}); a team admin or an org admin can`);
    return d;
  };
}

/** May `p` put someone into this team through an invite? */
function mayInviteInto(p: Principal, team: TeamTarget): Decision {
  const manage = teamAdmin("team:manage-members")(p, team);
  if (manage.allowed || p.kind !== "member") return manage;
  const g = p.facts.teams.get(team.teamId);
  if (team.membersCanInvite && g && g.role !== "view-only" && p.facts.orgRole !== "viewer")
    return allow(`the team lets its members invite, and ${p.facts.userName} is a member of it`);
  return refuse(`you may not invite into team ${team.teamId}: only org admins, members holding team:manage-members there (and its members, when the team lets members invite) may`);
}

const inviteCreate: Rule<Action> = (p, target) => {
  const { orgRole, teams } = target as InviteTarget;
  const why = orgWide(p);
  if (why) return allow(why);
  const off = deactivated(p);
  if (off) return refuse(off);
  if (orgRole.toLowerCase() === "admin") return refuse(`only ${ORG_WIDE} may invite someone as an org admin`);
  if (!teams.length) return refuse(`only ${ORG_WIDE} may invite without a team; team admins invite into their teams`);
  const reasons: string[] = [];
  for (const t of teams) {
    const d = mayInviteInto(p, t);
    if (!d.allowed) return d;
    reasons.push(d.because);
  }
  return allow([...new Set(reasons)].join("; "));
};

/** Reading, resending and revoking an invite: org-wide principals; team managers for non-admin invites into teams they all manage. */
const inviteManage = (action: "invite:read" | "invite:manage"): Rule<Action> => (p, target) => {
  const { orgRole, teams } = target as InviteTarget;
  const why = orgWide(p);
  if (why) return allow(why);
  const off = deactivated(p);
  if (off) return refuse(off);
  if (orgRole.toLowerCase() === "admin") return refuse(`only ${ORG_WIDE} may ${ACTIONS[action]}: it makes someone an org admin`);
  if (!teams.length) return refuse(`only ${ORG_WIDE} may ${ACTIONS[action]}: it names no team`);
  for (const t of teams) {
    const d = teamAdmin("team:manage-members")(p, t);
    if (!d.allowed) return refuse(`only ${ORG_WIDE} and those who manage the members of all the invite's teams may ${ACTIONS[action]}`);
  }
  return allow("manages the members of every team of the invite");
};

/** Listing invites or service accounts: org-wide principals, a team-scoped service account, members who manage some team. */
const listsTeamThings = (action: Action, permission: "team:manage-members" | "team:manage-service-accounts"): Rule<Action> => (p) => {
  const why = orgWide(p);
  if (why) return allow(why);
  const off = deactivated(p);
  if (off) return refuse(off);
  if (p.kind === "team-service-account") return allow("the team's own service account (sees its team's)");
  if (p.kind === "member" && [...p.facts.teams.keys()].some((teamId) => checkPermission(p.facts, permission, teamId).allowed))
    return allow(`holds ${permission} in a team (sees that team's)`);
  return refuse(`only ${ORG_WIDE}, and members holding ${permission} in a team (team role admin, or a custom role that adds it), may ${ACTIONS[action]}`);
};

const RULES: { [A in Action]: Rule<A> } = {
  "org:read-settings": orgReaders("org:read-settings"),
  "org:change-settings": orgAdmins("org:change-settings"),
  "org:change-plan": (p) => p.kind === "operator"
    ? allow("the plan is the operator's decision")
    : refuse("the plan is the operator's decision: only the operator may change the organization's plan (rollcall org set-plan <org> <plan> on the server); ask whoever runs this deployment"),
  "seats:read": orgAdmins("seats:read"),
  "members:read": orgReaders("members:read"),
  "member:change-access": orgAdmins("member:change-access"),
  "member:remove": orgAdmins("member:remove"),
  "member:set-billing-admin": orgAdmins("member:set-billing-admin"),
  "member:read-permissions": (p, { memberId, teamId }) => {
    const why = orgWide(p);
    if (why) return allow(why);
    const off = deactivated(p);
    if (off) return refuse(off);
    if (p.kind === "member" && p.memberId === memberId) return allow("a member may ask about themself");
    if (p.kind === "team-service-account" && teamId === p.teamId) return allow("the team's own service account, asking about its team");
    return refuse(`only ${ORG_WIDE} (a team-scoped service account: for its own team) and the member themself may ${ACTIONS["member:read-permissions"]}`);
  },
  "team:read": (p, { teamId }) => {
    if (p.kind === "team-service-account")
      return p.teamId === teamId ? allow("the team's own service account") : refuse("a team-scoped service account acts only within its own team");
    return orgReaders("team:read")(p, undefined);
  },
  "team:create": orgAdmins("team:create"),
  "team:delete": orgAdmins("team:delete"),
  "team:manage-members": teamAdmin("team:manage-members"),
  "team:manage-settings": teamAdmin("team:manage-settings"),
  "team:manage-service-accounts": teamAdmin("team:manage-service-accounts"),
  "invite:create": inviteCreate,
  "invites:list": listsTeamThings("invites:list", "team:manage-members"),
  "invite:read": inviteManage("invite:read"),
  "invite:manage": inviteManage("invite:manage"),
  "domains:read": orgReaders("domains:read"),
  "domains:manage": orgAdmins("domains:manage"),
  "roles:read": orgReaders("roles:read"),
  "roles:manage": orgAdmins("roles:manage"),
  "audit:read": orgAdmins("audit:read"),
  "events:read": orgAdmins("events:read"),
  "events:manage": orgAdmins("events:manage"),
  "service-accounts:list": listsTeamThings("service-accounts:list", "team:manage-service-accounts"),
  "service-accounts:manage": (p, { teamId }) => teamId === null
    ? orgAdmins("service-accounts:manage")(p, undefined)
    : teamAdmin("team:manage-service-accounts")(p, { teamId }),
  "member-keys:create": (p, { memberId }) => {
    const off = deactivated(p);
    if (off) return refuse(off);
    return p.kind === "member" && p.memberId === memberId
      ? allow("a member creates their own keys")
      : refuse("only the member themself may create an API key that acts as them (nobody else may mint their rights)");
  },
  "member-keys:manage": (p, { memberId }) => {
    const off = deactivated(p);
    if (off) return refuse(off);
    if (p.kind === "member" && p.memberId === memberId) return allow("a member manages their own keys");
    const why = orgWide(p);
    return why ? allow(why) : refuse(`only the key's own member and ${ORG_WIDE} may ${ACTIONS["member-keys:manage"]}`);
  },
  "sso:manage": orgAdmins("sso:manage"),
  "scim-auth:manage": orgAdmins("scim-auth:manage"),
  "role-mappings:read": orgAdmins("role-mappings:read"),
  "role-mappings:manage": orgAdmins("role-mappings:manage"),
  "scim-connections:manage": orgAdmins("scim-connections:manage"),
  "scim:read": scim("scim:read"),
  "scim:write": scim("scim:write"),
  "me:read": (p) => {
    if (p.kind === "operator") return allow("the operator's session");
    const off = deactivated(p);
    if (off) return refuse(off);
    if (p.kind === "member") return allow("a member");
    return refuse("/me is for members (signed in, or with their own API key) and the operator; service accounts have no /me");
  },
};

function scim(action: "scim:read" | "scim:write"): Rule<Action> {
  return (p) => {
    if (p.kind === "team-service-account") return refuse("a team-scoped service account key cannot use SCIM; use an org-scoped key");
    const why = orgWide(p);
    if (why) return allow(why);
    const off = deactivated(p);
    if (off) return refuse(off);
    return refuse(`only org admins and org-scoped service accounts may use SCIM (${ACTIONS[action]}); ${describe(p)} is not one (${ASK_ADMIN})`);
  };
}

/** The decision: may `principal` do `action` (to `target`)? */
export function can<A extends Action>(principal: Principal, action: A, ...target: Args<A>): Decision {
  return (RULES[action] as Rule<A>)(principal, target[0] as ActionTargets[A]);
}

/** The org-wide actions (actions.ts ORG_ACTIONS) this principal may do. */
export function allowedOrgActions(principal: Principal): string[] {
  return ORG_ACTIONS.filter((a) => can(principal, a).allowed);
}

/** `can`, throwing the domain `forbidden` error on a refusal; returns why it was allowed. */
export function ensureCan<A extends Action>(principal: Principal, action: A, ...target: Args<A>): string {
  return enforce(can(principal, action, ...target));
}
