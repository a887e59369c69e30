// The org's sign-in doors as buttons and forms (sign-in page, invite page).
import { field, h } from "./ui.js";

/** `inviteToken`: on the invite page, the e-mail link goes to the invite's address (no address typed). */
export function methodsView(m, returnTo, inviteToken) {
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
  if (m.email) parts.push(emailLinkForm(m.email, returnTo, inviteToken));
  if (!parts.length) parts.push(h("p", {}, `${m.org.name} has no sign-in method yet. The operator signs in with a one-time link (rollcall admin-link --org ${m.org.name}) and sets up SSO.`));
  return parts;
}

function emailLinkForm(door, returnTo, inviteToken) {
  const submit = h("button.primary", { type: "submit" }, door.forInvite ? "Send me a sign-in link" : "E-mail me a sign-in link");
  const onSubmit = { submit: () => { submit.disabled = true; submit.textContent = "Sending…"; } };
  if (door.forInvite) {
    return h("form.email-link", { method: "post", action: door.startUrl, on: onSubmit },
      h("h2", {}, "Sign in by e-mail"),
      h("p.hint", {}, door.address ? `We send a one-time link to ${door.address}, the address this invite was sent to.` : "We send a one-time link to the address we know for you."),
      h("input", { type: "hidden", name: "inviteToken", value: inviteToken ?? "" }),
      h("input", { type: "hidden", name: "returnTo", value: returnTo }), submit);
  }
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true });
  return h("form.email-link", { method: "post", action: door.startUrl, on: onSubmit },
    h("h2", {}, "Sign in by e-mail"), field("E-mail address", email, "We send you a one-time link; it works for a few minutes."),
    h("input", { type: "hidden", name: "returnTo", value: returnTo }), submit);
}
