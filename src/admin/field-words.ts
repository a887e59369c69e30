/**
 * The admin API's fields in words, for the `detail` a person reads ("Choose an
 * org role: admin, member or viewer."); the field names themselves go to
 * `invalid-params` for API clients. A field not listed is read from its name
 * (`seatOverflow` → "seat overflow").
 */
const WORDS: Record<string, string> = {
  name: "name", label: "label", keyLabel: "key label", plan: "plan", email: "e-mail address", userName: "user name",
  displayName: "display name", orgRole: "org role", modelsSeat: "Models seat", weaveRole: "Weave access", role: "role",
  teamRoles: "team roles", teamIds: "teams", teamId: "team", memberId: "member", ids: "people", remove: "removal",
  autoProvisioning: "auto-provisioning", defaultTeamId: "default team", teamJoiningAtSignup: "team joining at sign-up",
  emailLinkSignIn: "e-mail link sign-in", seatOverflow: "when seats run out", syncGroupsToTeams: "group sync to teams",
  domainMatching: "domain matching", membersCanInvite: "members can invite", storageType: "storage",
  issuer: "issuer", clientId: "client ID", clientSecret: "client secret", scopes: "scopes", claimsMapping: "claim mapping",
  serviceAccountId: "service account", expiresAt: "expiry date", tokenLifetimeMinutes: "token lifetime", jwks: "public keys",
  jwksUri: "address of the public keys", audience: "audience", subject: "subject", rateLimitPerMinute: "rate limit",
  inheritedFrom: "role it builds on", permissions: "permissions", priority: "priority", limit: "page size",
  offset: "starting row", sort: "sort order", order: "sort direction", q: "search", active: "active", domain: "domain",
  permission: "permission", checks: "checks", grants: "what to do with its grants",
};

const ORDINAL = (n: number): string => { const s = ["th", "st", "nd", "rd"]; const v = n % 100; return `${n}${s[(v - 20) % 10] ?? s[v] ?? s[0]}`; };

/** `seatOverflow` → "seat overflow", `surprise_field` → "surprise field". */
export const wordsOfName = (key: string): string =>
  WORDS[key] ?? key.replace(/Ids?$/, "").replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").toLowerCase().trim();

/** A path into a body (`["teamRoles", 1, "role"]`) in words: "the role of the 2nd team roles entry". */
export function wordsOfPath(path: readonly PropertyKey[]): string {
  const keys = path.filter((k): k is string => typeof k === "string");
  const index = [...path].reverse().find((k) => typeof k === "number") as number | undefined;
  const last = wordsOfName(keys.at(-1) ?? "value");
  const owner = keys.length > 1 ? wordsOfName(keys.at(-2)!) : undefined;
  if (index !== undefined && typeof path.at(-1) === "number") return `the ${ORDINAL(index + 1)} of the ${last}`;
  if (index !== undefined && owner) return `the ${last} in the ${ORDINAL(index + 1)} of the ${owner}`;
  if (owner) return `the ${last} of the ${owner}`;
  return `the ${last}`;
}
