// SSO: set-up an Okta or Entra admin can follow. The addresses to enter at the provider come first
// (before anything is saved); each form has "Test connection" (nothing is saved) and Save. Forms that
// need a secret are shown disabled, with the server's reason, when the server cannot store secrets.
import { ApiError, get, post, put } from "../api.js";
import { busy, copy, field, h, messageArea, section, toggle } from "../ui.js";

const orNull = (p) => p.catch((e) => { if (e instanceof ApiError && e.status === 404) return null; throw e; });

/** A labelled address with a Copy button. */
export function address(label, value, msg) {
  const b = h("button.small", { type: "button", "aria-label": `Copy ${label}` }, "Copy");
  b.addEventListener("click", () => copy(value, msg));
  return [h("dt", {}, label), h("dd", {}, h("code", {}, value), " ", b)];
}

/** The results of a connection test, one line per step. */
function checkList(checks) {
  return h("ul.check", {}, checks.map((c) => h(`li.${c.ok ? "ok" : "fail"}`, {}, c.message)));
}

const steps = (title, items) => h("details", {}, h("summary", {}, title), h("ol", {}, items.map((i) => h("li", {}, i))));

export async function render({ me }) {
  const [setup, oidc, ldap] = await Promise.all([get("/sso/setup"), orNull(get("/sso/oidc")), orNull(get("/sso/ldap"))]);
  const noSecrets = me?.unavailable?.ssoSecrets;
  const am = messageArea(); const om = messageArea(); const lm = messageArea();
  const t = (v, name, type = "text") => h("input", { type, name, value: v ?? "", autocomplete: "off" });

  const addresses = section("Addresses for your identity provider",
    h("p.hint", {}, "Enter these at the provider before saving anything here. They use the organization's stable address: renaming the organization changes none of them."),
    h("dl.props", {}, address("Redirect URI (sign-in redirect)", setup.redirectUri, am), address("Sign-in URL (initiate login)", setup.oidcLoginUrl, am),
      address("Console sign-in page", setup.consoleLoginUrl, am)), am.el);

  const issuer = t(oidc?.issuer, "issuer", "url"); const clientId = t(oidc?.clientId, "clientId");
  const secret = h("input", { type: "password", name: "clientSecret", autocomplete: "new-password", placeholder: oidc ? "unchanged" : "" });
  const scopes = t(oidc?.scopes ?? "openid email profile", "scopes");
  const results = h("div");
  const testO = h("button", { type: "button" }, "Test connection");
  const saveO = h("button.primary", { type: "submit" }, "Save OpenID Connect");
  const oidcBody = () => { const b = { issuer: issuer.value.trim(), clientId: clientId.value.trim() }; if (secret.value) b.clientSecret = secret.value; return b; };
  testO.addEventListener("click", () => { om.clear(); results.replaceChildren(); busy(testO, om, async () => {
    const r = await post("/sso/oidc/test", oidcBody());
    results.replaceChildren(checkList(r.checks));
    if (r.ok) om.ok("The connection works. Save it to let people sign in."); else om.error("The connection does not work yet; see the steps above.");
  }); });
  const oidcForm = h("form", { on: { submit: (e) => { e.preventDefault(); om.clear(); busy(saveO, om, async () => {
    await put("/sso/oidc", { ...oidcBody(), scopes: scopes.value.trim() });
    om.ok("Saved: people can sign in with single sign-on now.");
  }); } } },
  noSecrets ? h("p.why", {}, noSecrets) : null,
  h("fieldset.plain", { disabled: !!noSecrets }, h("legend.visually-hidden", {}, "OpenID Connect settings"),
    field("Issuer", issuer, "The provider's address, e.g. https://acme.okta.com or https://login.microsoftonline.com/<tenant>/v2.0"),
    field("Client ID", clientId), field("Client secret", secret, "Stored encrypted; never shown again."), field("Scopes", scopes),
    h("div.actions", {}, testO, saveO)), results, om.el,
  steps("Okta: step by step", [
    "Applications → Create App Integration → OIDC - OpenID Connect → Web Application.",
    ["Sign-in redirect URIs: the Redirect URI above. Initiate login URI: the Sign-in URL above."],
    "Assignments: the people or groups who may sign in.",
    "Copy the Client ID and Client secret here; the issuer is your Okta address (https://<you>.okta.com).",
    "Test connection, then Save."]),
  steps("Microsoft Entra ID: step by step", [
    "App registrations → New registration; Redirect URI (Web): the Redirect URI above.",
    "Certificates & secrets → New client secret; copy its Value (not its ID) into Client secret.",
    "Overview: copy the Application (client) ID into Client ID; the issuer is https://login.microsoftonline.com/<Directory (tenant) ID>/v2.0.",
    "Token configuration → Add optional claim → ID → email, so people are matched by a verified address.",
    "Test connection, then Save."]));

  const url = t(ldap?.url, "url"); const bindDn = t(ldap?.bindDn, "bindDn"); const baseDn = t(ldap?.baseDn, "baseDn");
  const bindPw = h("input", { type: "password", name: "bindPassword", autocomplete: "new-password", placeholder: ldap ? "unchanged" : "" });
  const filter = t(ldap?.userFilter ?? "(uid={username})", "userFilter");
  const startTls = toggle("StartTLS", !!ldap?.startTls); const trust = toggle("Trust the directory's e-mail as verified", !!ldap?.trustEmail);
  const saveL = h("button.primary", { type: "submit" }, "Save LDAP");
  const who = h("input", { type: "text", name: "username", autocomplete: "off" });
  const test = h("button", { type: "button" }, "Test connection");
  const ldapBody = () => {
    const b = { url: url.value.trim(), bindDn: bindDn.value.trim(), baseDn: baseDn.value.trim(), userFilter: filter.value.trim(), startTls: startTls.input.checked, trustEmail: trust.input.checked };
    if (bindPw.value) b.bindPassword = bindPw.value;
    return b;
  };
  const STAGES = { connect: "Could not reach the directory", bind: "The directory refused the service account", search: "Searching the directory failed", user: "That person was not found", configuration: "The set-up has a problem" };
  // The form as it is now is tested, before (or without) saving it.
  test.addEventListener("click", () => { lm.clear(); busy(test, lm, async () => {
    const r = await post("/sso/ldap/test", { connection: ldapBody(), ...(who.value.trim() ? { username: who.value.trim() } : {}) });
    if (r.ok) lm.ok(`The connection works: ${r.message}.`);
    else lm.error(`${STAGES[r.stage] ?? "The test failed"}: ${r.message}`);
  }); });
  const ldapForm = h("form", { on: { submit: (e) => { e.preventDefault(); lm.clear(); busy(saveL, lm, async () => {
    await put("/sso/ldap", ldapBody()); lm.ok("Saved: people can sign in with their directory password now.");
  }); } } },
  noSecrets ? h("p.why", {}, noSecrets) : null,
  h("fieldset.plain", { disabled: !!noSecrets }, h("legend.visually-hidden", {}, "LDAP settings"),
    field("Directory address", url, "ldap://host:389 or ldaps://host:636"), startTls.el, field("Service account (bind DN)", bindDn), field("Service account password", bindPw),
    field("Where people are (base DN)", baseDn), field("How a person is found (user filter)", filter), trust.el,
    h("div.row", {}, field("Try with a user name (optional)", who)), h("div.actions", {}, test, saveL)), lm.el);
  return h("div", {}, addresses, section("OpenID Connect", oidcForm), section("LDAP", ldapForm));
}
