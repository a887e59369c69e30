/**
 * How the arrival decision says no. A `Refusal` is thrown inside the arrival's
 * transaction (rolling everything back) and becomes `{ ok: false, reason }` for
 * the sign-in doors; the SCIM door gets domain errors instead (409, 400).
 * Each message names what the person or an admin can do.
 */
export class Refusal extends Error {}

export const refusals = {
  noOrg: (_orgId: string) => new Refusal("this organization does not exist (it may have been removed)"),
  noUser: (_userId: string) => new Refusal("the account this sign-in belongs to no longer exists; an admin can invite you again"),
  identityOfAnother: () => new Refusal("this login identity belongs to another user"),
  deactivated: (orgName: string) => new Refusal(`your membership in ${orgName} is deactivated; an admin can reactivate it`),
  otherOrgInvite: () => new Refusal("this invite is for another organization"),
  userNameTaken: (userName: string, orgName: string) =>
    new Refusal(`the user name "${userName}" is already taken in ${orgName} by another person; an admin can rename or remove that member, or send you an invite`),
  notOpen: (orgName: string) =>
    new Refusal(`${orgName} does not add people on their own sign-in: an admin of ${orgName} can turn on auto-provisioning, or send you an invite`),
};
