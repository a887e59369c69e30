/** Translates between SCIM Group bodies and team fields/rows. */
import type { Team } from "../../../db/types.ts";
import type { TeamInput } from "../../org/teams/teams.ts";
import type { Json } from "../json.ts";
import { badRequest } from "../errors.ts";
import { URN } from "../schemas.ts";
import { etagOf } from "../versioning.ts";


export interface MemberRef {
  id: string;
  display: string;
}

export function memberIdsOf(members: unknown): string[] {
  if (members === undefined) return [];
  if (!Array.isArray(members)) throw badRequest("invalidValue", '"members" must be an array');
  return members.map((m: Json, i) => {
    if (typeof m?.type === "string" && m.type.toLowerCase() === "group")
      throw badRequest("invalidValue", `"members[${i}]" is a Group: nested groups are not supported, members must be Users`);
    if (typeof m?.value !== "string" || !m.value) throw badRequest("invalidValue", `"members[${i}].value" must be a User id`);
    return m.value as string;
  });
}

export function toTeamInput(body: Json): TeamInput {
  const ext = (body[URN.rollcallGroup] as Json | undefined) ?? {};
  return {
    displayName: body.displayName,
    externalId: body.externalId ?? null,
    storageType: ext.storageType,
    membersCanInvite: ext.membersCanInvite,
    domainMatching: ext.domainMatching,
  };
}

export function toScimGroup(t: Team, members: MemberRef[] | null, baseUrl: string): Json {
  return {
    schemas: [URN.group, URN.rollcallGroup],
    id: t.id,
    ...(t.external_id !== null ? { externalId: t.external_id } : {}),
    displayName: t.display_name,
    ...(members ? { members: members.map((m) => ({ value: m.id, display: m.display, $ref: `${baseUrl}/Users/${m.id}`, type: "User" })) } : {}),
    [URN.rollcallGroup]: {
      storageType: t.storage_type,
      membersCanInvite: t.members_can_invite === 1,
      domainMatching: t.domain_matching === 1,
    },
    meta: {
      resourceType: "Group",
      created: t.created_at,
      lastModified: t.updated_at,
      location: `${baseUrl}/Groups/${t.id}`,
      version: etagOf(t.revision),
    },
  };
}

/** The small part of a group a PATCH may change in memory (members are SQL deltas). */
export function toPatchable(t: Team): Json {
  return {
    id: t.id,
    ...(t.external_id !== null ? { externalId: t.external_id } : {}),
    displayName: t.display_name,
    [URN.rollcallGroup]: { storageType: t.storage_type, membersCanInvite: t.members_can_invite === 1, domainMatching: t.domain_matching === 1 },
  };
}
