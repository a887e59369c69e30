// SCIM: how to connect (key, OAuth client, federation: scim-oauth.js), keys for identity providers, the last requests
// the provider made (its "Test connection" shows up here), and Okta and Entra steps with the
// attribute mapping for org role and seats.
import { get, post } from "../api.js";
import { busy, field, fmtTime, h, messageArea, section, table } from "../ui.js";
import { howToConnect, oauthSections } from "./scim-oauth.js";
import { keyBox } from "./service-accounts.js";

const EXT = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User";
const STATUS_WORDS = { 200: "OK", 201: "created", 204: "done", 400: "refused: bad request", 401: "refused: no valid key", 403: "refused: not allowed", 404: "not found", 409: "refused: conflict", 412: "refused: changed meanwhile" };

function mappingTable() {
  return table(["Rollcall attribute", "What it holds", "Values"], [
    ["organizationRole", "the org role", "admin, member, viewer"], ["modelsSeat", "the Models seat", "full, viewer, none"], ["weaveRole", "Weave access", "full, viewer, none"],
  ].map(([a, what, values]) => h("tr", {}, h("td", {}, h("code", {}, `${EXT}:${a}`)), h("td", {}, what), h("td", {}, values))), "Attribute mapping for org role and seats");
}

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
  const [setup, activity] = await Promise.all([get("/sso/setup"), get("/sso/scim-activity")]);
  const base = setup.scimUrl;
  const tokenUrl = `${location.origin}/oauth/token`;
  const msg = messageArea(); const shown = h("div");
  const name = h("input", { type: "text", value: "identity-provider", required: true });
  const create = h("button.primary", { type: "submit" }, "Create a SCIM key");
  const list = h("div");
  function draw(requests) {
    list.replaceChildren(requests.length
      ? table(["When", "Request", "Answer", "Key"], requests.map((r) => h("tr", {}, h("td.when", {}, fmtTime(r.at)), h("td", {}, `${r.method} ${r.path}`),
        h("td", {}, h(r.ok ? "span" : "strong", {}, `${r.status} ${STATUS_WORDS[r.status] ?? (r.ok ? "OK" : "refused")}`), r.why ? h("span.why", {}, ` — ${r.why}`) : null), h("td", {}, r.by))), "Last SCIM requests")
      : h("p.empty", {}, "No requests yet. Run “Test connection” at your identity provider, then refresh."));
  }
  draw(activity.requests);
  const refresh = h("button", { type: "button" }, "Refresh");
  refresh.addEventListener("click", () => busy(refresh, msg, async () => draw((await get("/sso/scim-activity")).requests)));
  const oauth = await oauthSections(msg);
  return h("div", {}, await lapsingWarning(), msg.el, shown,
    howToConnect(base, tokenUrl, msg),
    section("Keys for identity providers",
      h("form", { on: { submit: (e) => { e.preventDefault(); busy(create, msg, async () => { const sa = await post("/service-accounts", { name: name.value.trim() }); shown.replaceChildren(keyBox(sa.key.key, msg)); await oauth.refresh(); }); } } },
        h("div.row", {}, field("Service account name", name)), create),
      h("p.hint", {}, "Each key belongs to an org-scoped service account (OAuth clients and trusted issuers below act as one too); revoke keys on the Service accounts page.")),
    ...oauth.sections,
    section("Last requests from your identity provider", h("p.hint", {}, "What the provider asked and what Rollcall answered (no names or contents are kept)."), list, h("div.actions", {}, refresh)),
    section("Okta", h("ol", {},
      h("li", {}, "Your app → General → App Settings → Edit: Provisioning: SCIM. Then Provisioning → Integration: SCIM connector base URL ", h("code", {}, base)),
      h("li", {}, "Unique identifier field for users: ", h("code", {}, "userName")),
      h("li", {}, "Supported provisioning actions: Push New Users, Push Profile Updates, Push Groups"),
      h("li", {}, "Authentication Mode: HTTP Header — the key as the Bearer token; “Test Connector Configuration” shows up under Last requests"),
      h("li", {}, "Org role and seats: Directory → Profile Editor → your app → Add Attribute for each row below (external namespace as shown), then map them under Provisioning → To App"),
      h("li", {}, "Or Authentication Mode: OAuth 2.0 client credentials — token endpoint ", h("code", {}, tokenUrl), ", the client ID and secret of an OAuth client (or HTTP Header with a key as the Bearer token)")),
    mappingTable()),
    section("Microsoft Entra ID", h("ol", {},
      h("li", {}, "Enterprise application → Provisioning → Automatic"),
      h("li", {}, "Tenant URL: ", h("code", {}, `${base}?aadOptscim062020`), " — the flag makes Entra send standard changes"),
      h("li", {}, "Secret Token: the key; “Test Connection” should succeed and show up under Last requests"),
      h("li", {}, "Org role and seats: Provisioning → Mappings → Provision Microsoft Entra ID Users → Show advanced options → Edit attribute list: add each attribute below (type String), then Add New Mapping from a directory attribute or an expression (e.g. a constant “member”)"),
      h("li", {}, "Workload identity federation: trust issuer ", h("code", {}, "https://login.microsoftonline.com/<tenant id>/v2.0"),
        ", the audience of the app Entra provisions with and its subject (the app's object id) for a service account; Entra's tokens then work as they are"),
      h("li", {}, "Or OAuth 2.0 client credentials with ", h("code", {}, tokenUrl), " and an OAuth client's ID and secret (several secrets can be alive while you rotate), or a key as the Secret Token")),
    mappingTable()));
}
