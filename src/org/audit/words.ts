/**
 * Audit events in words, for people: what an action means ("changed a member"),
 * and what changed, before → after, with the domain's names for things (never a
 * database column or raw JSON). The stored detail stays as it was written: this
 * is only the reading.
 */

/** What each action did, as a verb phrase ("removed a member"). */
const ACTIONS: Record<string, string> = {
  "admin_link.used": "signed in with the operator's one-time link",
  "domain.claim": "claimed a domain", "domain.claim.end": "lost a domain claim", "domain.release": "released a domain", "domain.verify": "verified a domain",
  "invite.accept": "accepted an invite", "invite.create": "invited someone", "invite.resend": "sent an invite again", "invite.revoke": "revoked an invite",
  "key.create": "created an API key", "key.revoke": "revoked an API key",
  "member.billing_admin": "changed the billing admin", "member.create": "added a member", "member.update": "changed a member",
  "member.deactivate": "deactivated a member", "member.reactivate": "reactivated a member", "member.remove": "removed a member",
  "member.team_roles": "changed a member's team roles", "member.team_sync": "synced a member's teams from directory groups",
  "oidc.create": "set up OpenID Connect sign-in", "oidc.update": "changed the OpenID Connect sign-in", "oidc.delete": "removed the OpenID Connect sign-in",
  "ldap.create": "set up LDAP sign-in", "ldap.update": "changed the LDAP sign-in", "ldap.delete": "removed the LDAP sign-in",
  "org.update": "changed the organization's settings",
  "provision.refused": "was refused at sign-in", "provision.signed_in": "signed a member in", "provision.joined": "let a new member in",
  "provision.joined_by_invite": "let a member in with their invite", "provision.joined_with_default_team": "let a new member in, with the default team", "signin.refused": "was refused at sign-in",
  "role.create": "created a custom role", "role.update": "changed a custom role", "role.delete": "deleted a custom role",
  "service_account.create": "created a service account", "service_account.delete": "deleted a service account",
  "team.create": "created a team", "team.update": "changed a team", "team.replace": "replaced a team", "team.patch": "changed a team",
  "team.delete": "deleted a team", "team.join_at_signup": "joined a team at sign-up",
  "team.member.add": "added a member to a team", "team.member.role": "changed a team role", "team.member.remove": "removed a member from a team",
};

/** The action filter's choices: every action above, grouped by what it is about. */
export const AUDIT_ACTIONS: readonly string[] = Object.keys(ACTIONS);

export function actionInWords(action: string): string {
  if (ACTIONS[action]) return ACTIONS[action];
  if (action.startsWith("provision.")) return "signed in";
  return action.replace(/[._]/g, " ");
}

/** Names people know for the detail's fields (both the stored snake_case and camelCase spellings). */
const FIELDS: Record<string, string> = {
  org_role: "org role", orgRole: "org role", models_seat: "Models seat", modelsSeat: "Models seat", weave_role: "Weave access", weaveRole: "Weave access",
  display_name: "name", auto_provisioning: "auto-provisioning", active: "status", billing_admin: "billing admin", role: "team role", status: "status", expiresAt: "expires", name: "name", displayName: "name",
  autoProvisioning: "auto-provisioning", defaultTeamId: "default team", teamJoiningAtSignup: "team joining at sign-up", syncGroupsToTeams: "teams from directory groups",
  fullModelsSeatLimit: "full Models seat limit", viewerModelsSeatLimit: "viewer Models seat limit", emailLinkSignIn: "sign-in by e-mail link",
  seatOverflow: "when full seats are used up", plan: "plan", domain: "domain", issuer: "issuer", clientId: "client", scopes: "scopes",
  url: "directory address", bindDn: "service account", baseDn: "where people are looked up", userFilter: "user filter", startTls: "StartTLS",
  trustEmail: "trust the directory's e-mail", inheritedFrom: "inherits from", permissions: "permissions", email: "e-mail", userName: "user name",
  teamRoles: "teams", label: "label", clientSecretSet: "client secret stored", secretChanged: "client secret changed", passwordChanged: "bind password changed",
  bindPasswordSet: "bind password stored", claimsMapping: "claim names", allowInsecure: "plain http allowed (this computer only)", groupBaseDn: "where groups are",
  groupFilter: "group filter", allowedGroups: "groups allowed", attributes: "directory attributes", timeoutMs: "time limit (ms)", holders: "holders", fallback: "holders now", revoked: "revoked", revokedAt: "revoked", scope: "scope", prefix: "key",
};
/** Fields that are ids, bookkeeping or secrets' flags: never shown as a change. */
const HIDDEN = new Set(["source", "memberId", "userId", "teamId", "keyId", "serviceAccountId", "id", "createdAt", "updatedAt", "customRoleId", "slug", "memberOps", "by"]);

export interface ChangeInWords { what: string; before: string | null; after: string | null }

const SEAT_WORDS: Record<string, string> = { full: "Full", viewer: "Viewer", none: "None" };
const ROLE_WORDS: Record<string, string> = { admin: "Admin", member: "Member", viewer: "Viewer", "view-only": "View-Only" };

/** A field no one named above: its words from the camelCase or snake_case key ("seatOverflow" → "seat overflow"). */
const fieldWords = (k: string): string => FIELDS[k] ?? k.replace(/_/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

function valueInWords(field: string, v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (field === "active") return v === 1 || v === true ? "active" : "inactive";
  if (field === "billing_admin") return v === 1 || v === true ? "yes" : "no";
  if (typeof v === "boolean") return v ? "on" : "off";
  if (/seat|weave/i.test(field) && typeof v === "string") return SEAT_WORDS[v] ?? v;
  if (/role/i.test(field) && typeof v === "string") return ROLE_WORDS[v] ?? v;
  if (Array.isArray(v)) return v.length ? v.map((x) => valueInWords(field, x) ?? "").join(", ") : "none";
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if ("teamId" in o || "team" in o) return `${String(o.team ?? "a team")} (${String(o.role ?? "member")})`;
    return Object.entries(o).filter(([k]) => !HIDDEN.has(k)).map(([k, x]) => `${fieldWords(k)}: ${valueInWords(k, x) ?? "—"}`).join(", ");
  }
  return String(v);
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The changes an event's detail records: `{before: {...}, after: {...}}` objects
 * field by field, `{field: {before, after}}` pairs, and a few plain facts.
 * `names` resolves ids that appear as values (the default team) to names.
 */
export function changesInWords(detail: unknown, names: (id: string) => string | undefined = () => undefined): ChangeInWords[] {
  if (!detail || typeof detail !== "object") return [];
  const d = detail as Record<string, unknown>;
  const out: ChangeInWords[] = [];
  const shown = (field: string, v: unknown) => (field === "defaultTeamId" && typeof v === "string" ? names(v) ?? "a deleted team" : valueInWords(field, v));
  const before = d.before, after = d.after;
  const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === "object" && !Array.isArray(x);
  if (isObj(before) || isObj(after)) {
    const b = isObj(before) ? before : {}, a = isObj(after) ? after : {};
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) {
      if (HIDDEN.has(k) || same(b[k], a[k])) continue;
      out.push({ what: fieldWords(k), before: shown(k, b[k]), after: shown(k, a[k]) });
    }
  } else if (typeof before === "string" || typeof after === "string") {
    // only the billing admin records a person's name as before/after
    out.push({ what: "billing admin", before: (before as string | null) ?? null, after: (after as string | null) ?? null });
  }
  for (const [k, v] of Object.entries(d)) {
    if (k === "before" || k === "after" || HIDDEN.has(k)) continue;
    if (isObj(v) && ("before" in v || "after" in v)) out.push({ what: fieldWords(k), before: shown(k, v.before), after: shown(k, v.after) });
  }
  if (d.reason && typeof d.reason === "string") out.push({ what: "reason", before: null, after: d.reason });
  return out;
}
