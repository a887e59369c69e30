/** Translates between SCIM User bodies and member fields/rows. */
import type { Member } from "../../../db/types.ts";
import type { MemberInput } from "../../org/members/members.ts";
import { accessOf, teamRoleName, type MemberTeam } from "../../org/members/member-view.ts";
import type { Json } from "../json.ts";
import { badRequest } from "../errors.ts";
import { URN } from "../schemas.ts";
import { etagOf } from "../versioning.ts";


/** A User's groups are the member's teams (src/org/members/member-view.ts). */
export type GroupRef = MemberTeam;

/** Attributes kept in columns; everything else stays in the member's resource document. */
const COLUMN_ATTRS = new Set(["userName", "externalId", "active", URN.rollcallUser]);

export function toMemberInput(body: Json): MemberInput {
  const emails = ((body.emails as Json[] | undefined) ?? []).map((e, i) => {
    if (typeof e.value !== "string" || !e.value.trim()) throw badRequest("invalidValue", `"emails[${i}].value" is required`);
    return { value: e.value, type: typeof e.type === "string" ? e.type : null, primary: e.primary === true };
  });
  const resource: Json = {};
  for (const [k, v] of Object.entries(body)) if (!COLUMN_ATTRS.has(k)) resource[k] = v;
  const ext = (body[URN.rollcallUser] as Json | undefined) ?? {};
  return {
    userName: body.userName,
    externalId: body.externalId ?? null,
    displayName: body.displayName ?? null,
    givenName: body.name?.givenName ?? null,
    familyName: body.name?.familyName ?? null,
    active: body.active ?? true,
    emails,
    resource,
    // Checked (case-insensitively, allowed values named on error) by the org rules.
    orgRole: ext.organizationRole,
    modelsSeat: ext.modelsSeat,
    weaveRole: ext.weaveRole,
    teamRoles: ext.teamRoles,
  };
}

export function toScimUser(m: Member, groups: GroupRef[], baseUrl: string): Json {
  const resource = JSON.parse(m.resource) as Json;
  const schemas: string[] = [URN.user];
  if (resource[URN.enterprise]) schemas.push(URN.enterprise);
  schemas.push(URN.rollcallUser);
  return {
    schemas,
    id: m.id,
    ...(m.external_id !== null ? { externalId: m.external_id } : {}),
    userName: m.user_name,
    ...resource,
    active: m.active === 1,
    groups: groups.map((g) => ({ value: g.id, display: g.name, $ref: `${baseUrl}/Groups/${g.id}`, type: "direct" })),
    [URN.rollcallUser]: { ...extensionOf(m), teamRoles: teamRolesOf(groups), billingAdmin: accessOf(m).billingAdmin },
    meta: {
      resourceType: "User",
      created: m.created_at,
      lastModified: m.updated_at,
      location: `${baseUrl}/Users/${m.id}`,
      version: etagOf(m.revision),
    },
  };
}

/** The team roles as the User extension shows them. */
export const teamRolesOf = (groups: GroupRef[]) => groups.map((g) => ({ teamName: g.name, roleName: teamRoleName(g) }));

/** The extension's access attributes, from the member's access view. */
function extensionOf(m: Member) {
  const { orgRole, modelsSeat, weaveRole } = accessOf(m);
  return { organizationRole: orgRole, modelsSeat, weaveRole };
}

/** The JSON a PATCH starts from: the resource as a client would PUT it (team roles included, so paths into them work). */
export function toPatchable(m: Member, groups: GroupRef[] = []): Json {
  return {
    ...(m.external_id !== null ? { externalId: m.external_id } : {}),
    userName: m.user_name,
    ...(JSON.parse(m.resource) as Json),
    active: m.active === 1,
    [URN.rollcallUser]: { ...extensionOf(m), ...(groups.length ? { teamRoles: teamRolesOf(groups) } : {}) },
  };
}
