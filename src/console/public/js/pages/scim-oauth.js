// The SCIM page's three ways for an identity provider to authenticate: how to connect each way, and
// the forms for OAuth clients (client credentials: secrets shown once, rotation, expiry) and for
// federated trusts (workload identity federation). Everything goes through the admin API; the
// lapse warning at the top of the page (GET /credentials/lapsing) covers what is made here.
import { del, get, post } from "../api.js";
import { confirmAction } from "../changes.js";
import { busy, copy, field, fmtTime, h, section, select, table } from "../ui.js";

const LAPSE_DAYS = 14;
const lapsesSoon = (iso) => iso && Date.parse(iso) - Date.now() < LAPSE_DAYS * 86_400_000;

/** A date chosen in a date field → the end of that day, local time, as ISO 8601 (or nothing). */
const endOfDay = (value) => (value ? new Date(`${value}T23:59:59`).toISOString() : undefined);

function expiryText(iso) {
  if (!iso) return "never expires";
  return lapsesSoon(iso) ? `lapses ${fmtTime(iso)} — soon: rotate it` : `expires ${fmtTime(iso)}`;
}

/** A value shown once, with its label and a Copy button. */
function once(label, value, msg) {
  const b = h("button.small", { type: "button", "aria-label": `Copy the ${label.toLowerCase()}` }, "Copy");
  b.addEventListener("click", () => copy(value, msg));
  return h("div.once", {}, h("span", {}, `${label}: `), h("code", { dataset: { once: label } }, value), " ", b);
}

function secretBox(title, parts, msg) {
  return h("div.keybox", { role: "status" }, h("strong", {}, title), ...parts.map(([label, value]) => once(label, value, msg)));
}

function expiryField(label) {
  const input = h("input", { type: "date", min: new Date(Date.now() + 86_400_000).toISOString().slice(0, 10) });
  return { input, el: field(label, input, `Optional. This page warns ${LAPSE_DAYS} days before it lapses.`) };
}

/** The "how to connect" text for each way, with the addresses an identity provider asks for. */
export function howToConnect(base, tokenUrl, msg) {
  const addr = (label, value) => {
    const b = h("button.small", { type: "button", "aria-label": `Copy the ${label.toLowerCase()}` }, "Copy");
    b.addEventListener("click", () => copy(value, msg));
    return h("p", {}, h("strong", {}, `${label}: `), h("code", {}, value), " ", b);
  };
  return section("How to connect",
    addr("SCIM base URL", base), addr("Token endpoint", tokenUrl),
    h("h3", {}, "1. A bearer API key (simplest)"),
    h("p", {}, "Create a key below and paste it where the provider asks for a secret token (Entra: Secret Token; Okta: HTTP Header, Bearer). It works until you revoke it, or until its expiry."),
    h("h3", {}, "2. OAuth client credentials (Entra and Okta)"),
    h("p", {}, "Create an OAuth client below. At the provider choose OAuth 2.0 client credentials and give the token endpoint above, the client ID and the secret. The provider asks for a short-lived token with them and sends it with each request. To rotate, add a new secret, move the provider to it, then revoke the old one."),
    h("h3", {}, "3. Workload identity federation (Entra)"),
    h("p", {}, "No secret is shared: Rollcall trusts tokens that Entra issues for your app. Add a trusted issuer below with Entra's issuer (https://login.microsoftonline.com/<tenant id>/v2.0), the audience Entra puts in its tokens and the app's object id as subject. At Entra choose workload identity federation."));
}

function clientRow(c, accountName, msg, shown, refresh) {
  const live = c.secrets.filter((s) => !s.revokedAt);
  const addSecret = h("button.small", { type: "button" }, "New secret");
  addSecret.addEventListener("click", () => busy(addSecret, msg, async () => {
    const s = await post(`/oauth-clients/${c.id}/secrets`, {});
    shown.replaceChildren(secretBox(`New secret for ${c.name} — shown once, store it now:`, [["Client ID", c.clientId], ["Client secret", s.secret]], msg));
    await refresh();
  }));
  const remove = h("button.small.danger", { type: "button" }, "Delete");
  remove.addEventListener("click", async () => {
    if (!await confirmAction({ title: `Delete the OAuth client ${c.name}?`, body: "Its secrets and every token it was given stop working at once; an identity provider using it stops provisioning. This cannot be undone.", confirm: "Delete client" })) return;
    busy(remove, msg, async () => { await del(`/oauth-clients/${c.id}`); msg.ok(`The OAuth client ${c.name} is deleted.`); await refresh(); });
  });
  const secrets = h("ul.secrets", {}, ...live.map((s) => {
    const rv = h("button.small.danger", { type: "button", "aria-label": `Revoke the secret ${s.prefix}… of ${c.name}` }, "Revoke");
    rv.addEventListener("click", async () => {
      if (!await confirmAction({ title: `Revoke the secret ${s.prefix}… of ${c.name}?`, body: "A provider still using it can no longer get tokens. Tokens it already has end within their lifetime.", confirm: "Revoke secret" })) return;
      busy(rv, msg, async () => { await del(`/oauth-clients/${c.id}/secrets/${s.id}`); msg.ok("Secret revoked."); await refresh(); });
    });
    return h("li", {}, h("code", {}, `${s.prefix}…`), ` ${expiryText(s.expiresAt)}; last used ${s.lastUsedAt ? fmtTime(s.lastUsedAt) : "never"} `, rv);
  }));
  return h("tr", { dataset: { client: c.name } }, h("td", {}, c.name), h("td", {}, h("code", {}, c.clientId)), h("td", {}, accountName),
    h("td", {}, live.length ? secrets : h("span.muted", {}, c.authMethods.includes("private_key_jwt") ? "signed assertions only" : "no live secret")),
    h("td.actions", {}, addSecret, remove));
}

function federationRow(f, accountName, msg, refresh) {
  const remove = h("button.small.danger", { type: "button" }, "Remove");
  remove.addEventListener("click", async () => {
    if (!await confirmAction({ title: "Stop trusting this issuer?", body: `Tokens from ${f.issuer} for ${accountName} stop working at once.`, confirm: "Remove trust" })) return;
    busy(remove, msg, async () => { await del(`/scim-federations/${f.id}`); msg.ok("The trusted issuer is removed."); await refresh(); });
  });
  return h("tr", {}, h("td", {}, h("code", {}, f.issuer)), h("td", {}, f.audience), h("td", {}, f.subject), h("td", {}, accountName), h("td", {}, expiryText(f.expiresAt)), h("td.actions", {}, remove));
}

/** The OAuth clients' and trusted issuers' sections, and `refresh` (after a service account is made elsewhere on the page). */
export async function oauthSections(msg) {
  const shown = h("div");
  const clients = h("div");
  const federations = h("div");
  const accountSelects = [];
  let accounts = [];
  const nameOf = (id) => accounts.find((a) => a.id === id)?.name ?? "a deleted service account";
  async function refresh() {
    const [{ serviceAccounts }, { clients: cs }, { federations: fs }] = await Promise.all([get("/service-accounts"), get("/oauth-clients"), get("/scim-federations")]);
    accounts = serviceAccounts.filter((a) => !a.teamId);
    for (const s of accountSelects) {
      const keep = s.value;
      s.replaceChildren(...(accounts.length ? accounts.map((a) => h("option", { value: a.id }, a.name)) : [h("option", { value: "" }, "No service account yet: create a key above")]));
      if (accounts.some((a) => a.id === keep)) s.value = keep;
    }
    clients.replaceChildren(cs.length
      ? table(["Name", "Client ID", "Service account", "Secrets", ""], cs.map((c) => clientRow(c, nameOf(c.serviceAccountId), msg, shown, refresh)), "OAuth clients")
      : h("p.empty", {}, "No OAuth clients yet."));
    federations.replaceChildren(fs.length
      ? table(["Issuer", "Audience", "Subject", "Service account", "Expiry", ""], fs.map((f) => federationRow(f, nameOf(f.serviceAccountId), msg, refresh)), "Trusted issuers")
      : h("p.empty", {}, "No trusted issuers yet."));
  }
  const account = () => { const s = select([], ""); accountSelects.push(s); return s; };

  const clientName = h("input", { type: "text", required: true, value: "okta", autocomplete: "off" });
  const clientAccount = account();
  const clientExpiry = expiryField("First secret expires");
  const lifetime = h("input", { type: "number", min: 5, max: 360, step: 1, placeholder: "60" });
  const createClient = h("button.primary", { type: "submit" }, "Create OAuth client");
  const clientForm = h("form", { on: { submit: (e) => { e.preventDefault(); busy(createClient, msg, async () => {
    const c = await post("/oauth-clients", { serviceAccountId: clientAccount.value, name: clientName.value.trim(),
      ...(clientExpiry.input.value ? { secretExpiresAt: endOfDay(clientExpiry.input.value) } : {}), ...(lifetime.value ? { tokenLifetimeMinutes: Number(lifetime.value) } : {}) });
    shown.replaceChildren(secretBox(`OAuth client ${c.name} created — the secret is shown once, store it now:`, [["Client ID", c.clientId], ["Client secret", c.secret.secret]], msg));
    await refresh();
  }); } } }, h("div.row", {}, field("Name", clientName), field("Service account", clientAccount), clientExpiry.el,
    field("Token lifetime (minutes)", lifetime, "Optional: 5 to 360; 60 unless set.")), createClient);

  const issuer = h("input", { type: "url", required: true, placeholder: "https://login.microsoftonline.com/<tenant id>/v2.0" });
  const audience = h("input", { type: "text", required: true, autocomplete: "off" });
  const subject = h("input", { type: "text", required: true, autocomplete: "off" });
  const fedAccount = account();
  const fedExpiry = expiryField("Trust expires");
  const createFed = h("button.primary", { type: "submit" }, "Add trusted issuer");
  const fedForm = h("form", { on: { submit: (e) => { e.preventDefault(); busy(createFed, msg, async () => {
    await post("/scim-federations", { serviceAccountId: fedAccount.value, issuer: issuer.value.trim(), audience: audience.value.trim(), subject: subject.value.trim(),
      ...(fedExpiry.input.value ? { expiresAt: endOfDay(fedExpiry.input.value) } : {}) });
    msg.ok("The issuer is trusted: its tokens for that service account now work at the SCIM base URL.");
    await refresh();
  }); } } }, h("div.row", {}, field("Issuer", issuer), field("Audience", audience), field("Subject", subject, "Entra: the app's object id."), field("Service account", fedAccount), fedExpiry.el), createFed);

  await refresh();
  return {
    refresh,
    sections: [
      section("OAuth clients (client credentials)", shown, clients, h("h3", {}, "New OAuth client"), clientForm),
      section("Trusted issuers (workload identity federation)", federations, h("h3", {}, "New trusted issuer"), fedForm),
    ],
  };
}
