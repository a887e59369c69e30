// SCIM: the base URL, keys for identity providers (org-scoped service accounts), setup notes for Okta and Entra ID.
import { post } from "../api.js";
import { busy, copy, field, h, messageArea, section } from "../ui.js";
import { keyBox } from "./service-accounts.js";

export async function render() {
  const base = `${location.origin}/scim/v2`;
  const msg = messageArea(); const shown = h("div");
  const name = h("input", { type: "text", value: "identity-provider", required: true });
  const create = h("button.primary", { type: "submit" }, "Create a SCIM key");
  const cp = h("button.small", { type: "button" }, "Copy"); cp.addEventListener("click", () => copy(base, msg));
  return h("div", {}, msg.el, shown,
    section("Base URL", h("p", {}, h("code", {}, base), " ", cp)),
    section("Keys for identity providers",
      h("form", { on: { submit: (e) => { e.preventDefault(); busy(create, msg, async () => { const sa = await post("/service-accounts", { name: name.value.trim() }); shown.replaceChildren(keyBox(sa.key.key, msg)); }); } } },
        h("div.row", {}, field("Service account name", name)), create),
      h("p.hint", {}, "Each key belongs to an org-scoped service account; revoke it on the Service accounts page.")),
    section("Okta", h("ol", {},
      h("li", {}, "App → Provisioning → Integration: SCIM connector base URL ", h("code", {}, base)),
      h("li", {}, "Unique identifier field for users: ", h("code", {}, "userName")),
      h("li", {}, "Supported actions: push new users, push profile updates, push groups"),
      h("li", {}, "Authentication mode: HTTP Header — the key as the Bearer token"))),
    section("Microsoft Entra ID", h("ol", {},
      h("li", {}, "Enterprise application → Provisioning → Automatic"),
      h("li", {}, "Tenant URL: ", h("code", {}, `${base}?aadOptscim062020`), " — the flag makes Entra send standard PATCH requests"),
      h("li", {}, "Secret Token: the key; “Test Connection” should succeed"))));
}
