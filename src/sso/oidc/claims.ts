/**
 * The claims Rollcall reads from an ID token (merged with the UserInfo response),
 * through an org's claims mapping (our name → the provider's claim, dotted paths
 * for nested claims such as `realm_access.roles`).
 */
import type { ClaimsMapping, MappableClaim } from "../../org/connections/oidc-connections.ts";

export interface OidcPerson {
  sub: string;
  email: string | null;
  /** true only when the provider says exactly `true` (a string "true" is not verified) */
  emailVerified: boolean;
  name: string | null;
  givenName: string | null;
  familyName: string | null;
  preferredUsername: string | null;
  groups: string[] | undefined;
}

function pick(claims: Record<string, unknown>, mapping: ClaimsMapping, name: MappableClaim): unknown {
  const path = mapping[name];
  if (!path) return claims[name];
  if (path in claims) return claims[path];
  let v: unknown = claims;
  for (const part of path.split(".")) v = v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

const text = (v: unknown): string | null => (typeof v === "string" && v.trim() ? v.trim() : null);

export function readClaims(claims: Record<string, unknown>, mapping: ClaimsMapping): OidcPerson | null {
  const sub = text(pick(claims, mapping, "sub"));
  if (!sub) return null;
  const groups = pick(claims, mapping, "groups");
  return {
    sub,
    email: text(pick(claims, mapping, "email")),
    emailVerified: pick(claims, mapping, "email_verified") === true,
    name: text(pick(claims, mapping, "name")),
    givenName: text(pick(claims, mapping, "given_name")),
    familyName: text(pick(claims, mapping, "family_name")),
    preferredUsername: text(pick(claims, mapping, "preferred_username")),
    groups: Array.isArray(groups) ? groups.filter((g): g is string => typeof g === "string" && g.length > 0) : typeof groups === "string" && groups ? [groups] : undefined,
  };
}
