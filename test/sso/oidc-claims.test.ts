import assert from "node:assert/strict";
import { parseClaimsMapping, parseIssuer, parseScopes } from "../../src/org/connections/oidc-connections.ts";
import { readClaims } from "../../src/sso/oidc/claims.ts";

describe("OIDC claims and connection input", () => {
  it("reads the standard claims; email_verified is true only when it is the boolean true", () => {
    const p = readClaims({ sub: "s1", email: "a@x.example", email_verified: true, name: "A B", given_name: "A", family_name: "B", preferred_username: "ab", groups: ["g1", 2, "g2"] }, {});
    assert.deepEqual(p, { sub: "s1", email: "a@x.example", emailVerified: true, name: "A B", givenName: "A", familyName: "B", preferredUsername: "ab", groups: ["g1", "g2"] });
    for (const v of ["true", 1, "1", undefined, null]) assert.equal(readClaims({ sub: "s", email_verified: v }, {})!.emailVerified, false, String(v));
    assert.equal(readClaims({ email: "no-sub@x.example" }, {}), null);
    assert.equal(readClaims({ sub: "s" }, {})!.groups, undefined);
  });

  it("applies the claims mapping, with dotted paths for nested claims", () => {
    const p = readClaims({ sub: "s", mail: "m@x.example", upn: "m", realm_access: { roles: ["admins"] }, "custom:flat.name": "F" }, { email: "mail", preferred_username: "upn", groups: "realm_access.roles", name: "custom:flat.name" });
    assert.equal(p!.email, "m@x.example");
    assert.equal(p!.preferredUsername, "m");
    assert.deepEqual(p!.groups, ["admins"]);
    assert.equal(p!.name, "F");
  });

  it("validates issuers, scopes and mappings", () => {
    assert.deepEqual(parseIssuer("https://idp.example.com/tenant"), { issuer: "https://idp.example.com/tenant", allowInsecure: false });
    for (const loop of ["http://127.0.0.1:8080", "http://localhost:9000/x", "http://[::1]:1234"]) assert.equal(parseIssuer(loop).allowInsecure, true, loop);
    assert.throws(() => parseIssuer("http://idp.example.com"), /must use https/);
    assert.throws(() => parseIssuer("https://idp.example.com/?a=1"), /query or a fragment/);
    assert.throws(() => parseIssuer("ftp://idp.example.com"), /https/);
    assert.equal(parseScopes(undefined), "openid email profile");
    assert.equal(parseScopes(" openid  groups openid "), "openid groups");
    assert.throws(() => parseScopes("email"), /openid/);
    assert.throws(() => parseScopes('openid "x"'), /scope names/);
    assert.deepEqual(parseClaimsMapping({ groups: "roles" }), { groups: "roles" });
    assert.throws(() => parseClaimsMapping(["x"]), /must be an object/);
    assert.throws(() => parseClaimsMapping({ email: 5 }), /claim name/);
  });
});
