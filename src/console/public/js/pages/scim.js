// SCIM: the base URL, keys for identity providers (org-scoped service accounts), OAuth and federation,
// a warning for credentials about to lapse, and setup notes for Okta and Entra ID.
import { get, post } from "../api.js";
import { busy, copy, field, fmtTime, h, messageArea, section } from "../ui.js";
import { keyBox } from "./service-accounts.js";

// Credentials that lapse within 14 days (GET /api/v1/credentials/lapsing); nothing when none or not allowed.
async function lapsingWarning() {
  let lapsing = [];
  try { ({ lapsing } = await get("/credentials/lapsing")); } catch { return h("div"); }
  if (!lapsing.length) return h("div");
  return h("div.message.warning", { role: "alert" },
    h("strong", {}, "Credentials about to lapse: "), "SCIM provisioning with them stops when they do. Rotate them now.",
    h("ul", {}, ...lapsing.map((l) => h("li", {}, `${l.name} — lapses ${fmtTime(l.expiresAt)}`))));
}

export async function render() {
  const base = `${location.origin}/scim/v2`;
  const tokenUrl = `${location.origin}/oauth/token`;
  const msg = messageArea(); const shown = h("div");
  const name = h("input", { type: "text", value: "identity-provider", required: true });
  const create = h("button.primary", { type: "submit" }, "Create a SCIM key");
  const cp = h("button.small", { type: "button" }, "Copy"); cp.addEventListener("click", () => copy(base, msg));
  return h("div", {}, await lapsingWarning(), msg.el, shown,
    section("Base URL", h("p", {}, h("code", {}, base), " ", cp)),
    section("Keys for identity providers",
      h("form", { on: { submit: (e) => { e.preventDefault(); busy(create, msg, async () => { const sa = await post("/service-accounts", { name: name.value.trim() }); shown.replaceChildren(keyBox(sa.key.key, msg)); }); } } },
        h("div.row", {}, field("Service account name", name)), create),
      h("p.hint", {}, "Each key belongs to an org-scoped service account; revoke it on the Service accounts page.")),
    section("OAuth 2.0 instead of a static key", h("ul", {},
      h("li", {}, "Client credentials: register a client for a service account (", h("code", {}, "POST /api/v1/oauth-clients"), " or ", h("code", {}, "rollcall oauth-client create"),
        "); the client gets short-lived tokens (60 minutes unless set, 5 minutes to 6 hours) at ", h("code", {}, tokenUrl), " with its secret (Basic or in the body) or a JWT signed by its registered key."),
      h("li", {}, "Several secrets may be alive at once: add a new one, move the identity provider to it, then revoke the old one. Every secret and key may carry an expiry."),
      h("li", {}, "Federation: trust another issuer's tokens for a service account (", h("code", {}, "POST /api/v1/scim-federations"),
        " with issuer, audience and subject); those tokens are accepted at the base URL as they are."),
      h("li", {}, "Metadata: ", h("code", {}, `${location.origin}/.well-known/oauth-authorization-server`)))),
    section("Okta", h("ol", {},
      h("li", {}, "App → Provisioning → Integration: SCIM connector base URL ", h("code", {}, base)),
      h("li", {}, "Unique identifier field for users: ", h("code", {}, "userName")),
      h("li", {}, "Supported actions: push new users, push profile updates, push groups"),
      h("li", {}, "Authentication mode: OAuth 2.0 client credentials — token endpoint ", h("code", {}, tokenUrl), ", the client ID and secret of an OAuth client (or HTTP Header with a key as the Bearer token)"))),
    section("Microsoft Entra ID", h("ol", {},
      h("li", {}, "Enterprise application → Provisioning → Automatic"),
      h("li", {}, "Tenant URL: ", h("code", {}, `${base}?aadOptscim062020`), " — the flag makes Entra send standard PATCH requests"),
      h("li", {}, "Workload identity federation: trust issuer ", h("code", {}, "https://login.microsoftonline.com/<tenant id>/v2.0"),
        ", the audience of the app Entra provisions with and its subject (the app's object id) for a service account; Entra's tokens then work as they are"),
      h("li", {}, "Or OAuth 2.0 client credentials with ", h("code", {}, tokenUrl), " and an OAuth client's ID and secret (several secrets can be alive while you rotate), or a key as the Secret Token"))));
}
