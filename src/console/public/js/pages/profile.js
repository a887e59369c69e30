// A member's own view: profile, teams, teams offered at sign-up, own API keys (GET /me, /me/joinable-teams, /me/keys).
import { del, get, post } from "../api.js";
import { confirmAction } from "../changes.js";
import { busy, field, fmtTime, h, messageArea, section, table } from "../ui.js";
import { keyBox } from "./service-accounts.js";

// Own API keys: listed by prefix; a new key is shown once, above the page.
function keysSection(keys, msg, reload) {
  const label = h("input", { type: "text", name: "label", autocomplete: "off", maxlength: "256", placeholder: "e.g. laptop" });
  const create = h("button.primary", { type: "submit" }, "Create API key");
  const rows = keys.map((k) => {
    const rv = h("button.small.danger", { type: "button" }, "Revoke");
    rv.addEventListener("click", async () => { if (await confirmAction({ title: `Revoke the key ${k.prefix}…?`, body: "Programs using it stop working at once. This cannot be undone.", confirm: "Revoke key" })) busy(rv, msg, async () => { await del(`/me/keys/${k.id}`); msg.ok("Key revoked."); await reload(); }); });
    return h("tr", {}, h("td", {}, h("code", {}, `${k.prefix}…`)), h("td", {}, k.label ?? "—"), h("td", {}, fmtTime(k.createdAt)), h("td", {}, k.lastUsedAt ? fmtTime(k.lastUsedAt) : "never"), h("td", {}, k.revokedAt ? `revoked ${fmtTime(k.revokedAt)}` : rv));
  });
  const form = h("form", { on: { submit: (e) => { e.preventDefault(); busy(create, msg, async () => {
    const k = await post("/me/keys", label.value.trim() ? { label: label.value.trim() } : {});
    await reload(); // the list shows it by prefix; the secret only in the box below the heading
    document.querySelector("#main h1")?.after(keyBox(k.key, null));
  }); } } }, h("div.row", {}, field("Label", label)), create);
  return section("My API keys",
    h("p.hint", {}, "A key of your own acts with exactly your rights (for scripts and tools). It is shown once, and stops working if you are deactivated or removed."),
    keys.length ? table(["Prefix", "Label", "Created", "Last used", ""], rows, "My API keys") : h("p.empty", {}, "You have no API keys."),
    form);
}

export async function render({ reload }) {
  const fresh = await get("/me");
  const { teams: joinable } = await get("/me/joinable-teams");
  const { keys } = await get("/me/keys");
  const msg = messageArea();
  const m = fresh.member;
  const dl = (pairs) => h("dl.props", {}, pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  return h("div", {},
    section("Profile", dl([["User name", m.userName], ["Name", m.displayName ?? "—"], ["E-mail", m.email ? `${m.email}${m.emailVerified ? " (verified)" : ""}` : "—"],
      ["Organization", fresh.org.name], ["Org role", m.orgRole], ["Models seat", m.modelsSeat], ["Weave access", m.weaveRole]])),
    section("My teams", fresh.teams.length ? table(["Team", "Role"], fresh.teams.map((t) => h("tr", {}, h("td", {}, t.name), h("td", {}, t.role))), "My teams") : h("p.empty", {}, "You are in no team yet.")),
    section("Teams you can join", joinable.length
      ? table(["Team", ""], joinable.map((t) => {
        const b = h("button.small", { type: "button" }, `Join ${t.name}`);
        b.addEventListener("click", () => busy(b, msg, async () => { await post(`/me/joinable-teams/${t.id}/join`); msg.ok(`You joined ${t.name}.`); await reload(); }));
        return h("tr", {}, h("td", {}, t.name), h("td", {}, b));
      }), "Teams you can join")
      : h("p.empty", {}, "No teams are offered to you.")),
    keysSection(keys, msg, reload),
    msg.el);
}
