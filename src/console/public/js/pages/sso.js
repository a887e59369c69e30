// SSO: the OIDC connection (saving runs discovery: that is its connection test) and the LDAP connection with a test button.
import { ApiError, get, post, put } from "../api.js";
import { busy, field, h, messageArea, section, toggle } from "../ui.js";

const orNull = (p) => p.catch((e) => { if (e instanceof ApiError && e.status === 404) return null; throw e; });

export async function render({ me, reload }) {
  const [oidc, ldap] = await Promise.all([orNull(get("/sso/oidc")), orNull(get("/sso/ldap"))]);
  const om = messageArea(); const lm = messageArea();
  const t = (v, name, type = "text") => h("input", { type, name, value: v ?? "", autocomplete: "off" });
  const issuer = t(oidc?.issuer, "issuer", "url"); const clientId = t(oidc?.clientId, "clientId");
  const secret = h("input", { type: "password", name: "clientSecret", autocomplete: "new-password", placeholder: oidc ? "unchanged" : "" });
  const scopes = t(oidc?.scopes ?? "openid email profile", "scopes");
  const saveO = h("button.primary", { type: "submit" }, "Save and test OIDC");
  const oidcForm = h("form", { on: { submit: (e) => { e.preventDefault(); busy(saveO, om, async () => {
    const b = { issuer: issuer.value.trim(), clientId: clientId.value.trim(), scopes: scopes.value.trim() };
    if (secret.value) b.clientSecret = secret.value;
    const v = await put("/sso/oidc", b);
    om.ok(`Discovery succeeded; saved. Register this redirect URI at the provider: ${v.redirectUri}`);
  }); } } }, field("Issuer", issuer), field("Client id", clientId), field("Client secret", secret, "Stored encrypted; never shown again."), field("Scopes", scopes), saveO,
  oidc ? h("p.hint", {}, "Redirect URI: ", h("code", {}, oidc.redirectUri), " · sign-in: ", h("code", {}, oidc.loginUrl)) : null, om.el);

  const url = t(ldap?.url, "url"); const bindDn = t(ldap?.bindDn, "bindDn"); const baseDn = t(ldap?.baseDn, "baseDn");
  const bindPw = h("input", { type: "password", name: "bindPassword", autocomplete: "new-password", placeholder: ldap ? "unchanged" : "" });
  const filter = t(ldap?.userFilter ?? "(uid={username})", "userFilter");
  const startTls = toggle("StartTLS", !!ldap?.startTls); const trust = toggle("Trust the directory's e-mail as verified", !!ldap?.trustEmail);
  const saveL = h("button.primary", { type: "submit" }, "Save LDAP");
  const who = h("input", { type: "text", name: "username", autocomplete: "off" });
  const test = h("button", { type: "button" }, "Test connection");
  test.addEventListener("click", () => busy(test, lm, async () => {
    const r = await post("/sso/ldap/test", who.value.trim() ? { username: who.value.trim() } : {});
    if (r.ok) lm.ok(`Connection works${r.user ? `: found ${r.user.dn ?? who.value}` : ""}.`);
    else lm.error(`${({ connect: "Could not connect", bind: "Bind refused", search: "Search failed", user: "User not found", configuration: "Configuration problem" })[r.stage] ?? "Failed"}: ${r.message}`);
  }));
  const ldapForm = h("form", { on: { submit: (e) => { e.preventDefault(); busy(saveL, lm, async () => {
    const b = { url: url.value.trim(), bindDn: bindDn.value.trim(), baseDn: baseDn.value.trim(), userFilter: filter.value.trim(), startTls: startTls.input.checked, trustEmail: trust.input.checked };
    if (bindPw.value) b.bindPassword = bindPw.value;
    await put("/sso/ldap", b); lm.ok("Saved."); 
  }); } } }, field("URL", url, "ldap://host:389 or ldaps://host:636"), startTls.el, field("Service bind DN", bindDn), field("Bind password", bindPw), field("Base DN", baseDn), field("User filter", filter), trust.el, saveL,
  h("div.row", {}, field("Test with user name (optional)", who), h("div.field", {}, h("span", { "aria-hidden": "true" }, " "), test)), lm.el);
  void reload;
  const slug = me?.org?.slug ?? "";
  const consoleLogin = `${location.origin}/admin/login?org=${encodeURIComponent(slug)}`;
  const addresses = h("p.hint", {}, "These addresses use the organization's stable address ", h("code", {}, slug),
    ": renaming the organization changes none of them. Console sign-in page: ", h("code", {}, consoleLogin));
  return h("div", {}, addresses, section("OpenID Connect", oidcForm), section("LDAP", ldapForm));
}
