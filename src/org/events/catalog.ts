/**
 * Which changes are provisioning events, and what each is called: the audit action
 * (the webhook `type`) and, for the SCIM resources, the RFC 9967 event URI a SET carries.
 * Rollcall's own changes (keys, settings, connections, …) have a `urn:rollcall:event:` URI.
 */

export const RFC9967 = "urn:ietf:params:scim:event:prov:";
const OWN = "urn:rollcall:event:";

/** The RFC 9967 events Rollcall emits (advertised in /ServiceProviderConfig `securityEvents`). */
export const SCIM_EVENT_URIS = ["create:notice", "patch:notice", "delete", "activate", "deactivate"].map((e) => RFC9967 + e);

/** Audit actions that record a refusal, not a change: they are not events. */
export const isEvent = (action: string): boolean => !action.endsWith(".refused");

/** The SCIM endpoint of an audit target type, when it is a SCIM resource. */
const SCIM_PATHS: Record<string, string> = { member: "Users", team: "Groups", role: "Roles" };

export function scimPath(targetType: string, targetId: string | null): string | null {
  const endpoint = SCIM_PATHS[targetType];
  return endpoint && targetId ? `/${endpoint}/${targetId}` : null;
}

/** The event URI of an audit action on a target type. */
export function eventUri(action: string, targetType: string): string {
  if (!SCIM_PATHS[targetType]) return OWN + action;
  const verb = action.split(".").at(-1) ?? action;
  if (verb === "create" && action.split(".").length === 2) return `${RFC9967}create:notice`;
  if (action === "member.remove" || (verb === "delete" && action.split(".").length === 2)) return `${RFC9967}delete`;
  if (action === "member.deactivate") return `${RFC9967}deactivate`;
  if (action === "member.reactivate" || action === "member.activate") return `${RFC9967}activate`;
  return `${RFC9967}patch:notice`;
}

/** Deliveries of one resource go in order; this names the resource. */
export const resourceKey = (orgId: string, targetType: string, targetId: string | null): string => `${targetType}:${targetId ?? orgId}`;

/**
 * How a receiver's event types are stored: ",a,b," so one LIKE finds a member. Types are
 * audit actions ("member.create") or RFC 9967 URIs; a URI stands for every action mapped to it.
 */
export function storedTypes(types: string[] | undefined): string {
  if (!types || types.length === 0 || types.includes("*")) return "*";
  return `,${[...new Set(types)].join(",")},`;
}

export const typesList = (stored: string): string[] => (stored === "*" ? ["*"] : stored.split(",").filter(Boolean));
