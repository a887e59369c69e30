// The org's sign-in doors as buttons and forms (sign-in page, invite page).
import { field, h } from "./ui.js";

export function methodsView(m, returnTo) {
  const parts = [];
  if (m.oidc) {
    parts.push(h("a.button.primary.block", { href: `${m.oidc.loginUrl}?returnTo=${encodeURIComponent(returnTo)}` }, "Sign in with SSO"));
  }
  if (m.ldap) {
    const user = h("input", { type: "text", name: "username", autocomplete: "username", required: true });
    const pass = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    const submit = h("button.primary", { type: "submit" }, "Sign in with directory account");
    parts.push(h("form.ldap", { method: "post", action: m.ldap.loginUrl, on: { submit: () => { submit.disabled = true; submit.textContent = "Signing in…"; } } },
      h("h2", {}, "Directory (LDAP)"), field("User name", user), field("Password", pass),
      h("input", { type: "hidden", name: "returnTo", value: returnTo }), submit));
  }
  if (!parts.length) parts.push(h("p", {}, `${m.org.name} has no sign-in method yet. The operator signs in with a one-time link (rollcall admin-link --org ${m.org.name}) and sets up SSO.`));
  return parts;
}
