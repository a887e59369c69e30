// Service accounts: create (org or team), the key shown once with a copy button, revoke keys, delete.
import { del, get, post } from "../api.js";
import { confirmAction } from "../changes.js";
import { busy, copy, field, h, messageArea, section, select, table } from "../ui.js";

export function keyBox(key, msg) {
  const b = h("button.small", { type: "button" }, "Copy key");
  b.addEventListener("click", () => copy(key, msg));
  return h("div.keybox", { role: "status" }, h("strong", {}, "Shown once — store it now: "), h("code", {}, key), b);
}

export async function render({ reload }) {
  const [{ serviceAccounts }, { teams }] = await Promise.all([get("/service-accounts"), get("/teams")]);
  const msg = messageArea(); const shown = h("div");
  const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off" });
  const team = select([["", "Whole organization"], ...teams.map((t) => [t.id, t.name])], "", { name: "teamId" });
  const create = h("button.primary", { type: "submit" }, "Create service account");
  const rows = serviceAccounts.map((sa) => {
    const newKey = h("button.small", { type: "button" }, "New key");
    newKey.addEventListener("click", () => busy(newKey, msg, async () => { const k = await post(`/service-accounts/${sa.id}/keys`, {}); shown.replaceChildren(keyBox(k.key, msg)); }));
    const keys = h("button.small", { type: "button" }, "Keys");
    keys.addEventListener("click", () => busy(keys, msg, async () => {
      const { keys: list } = await get(`/service-accounts/${sa.id}/keys`);
      shown.replaceChildren(section(`Keys of ${sa.name}`, table(["Prefix", "Created", "Last used", ""], list.map((k) => {
        const rv = h("button.small.danger", { type: "button" }, "Revoke");
        rv.addEventListener("click", async () => {
          if (!await confirmAction({ title: `Revoke the key ${k.prefix}… of ${sa.name}?`, body: "Programs (or an identity provider) using it stop working at once. This cannot be undone.", confirm: "Revoke key" })) return;
          busy(rv, msg, async () => { await del(`/keys/${k.id}`); msg.ok("Key revoked."); keys.click(); });
        });
        return h("tr", {}, h("td", {}, h("code", {}, `${k.prefix}…`)), h("td", {}, k.createdAt), h("td", {}, k.lastUsedAt ?? "never"), h("td", {}, k.revokedAt ? "revoked" : rv));
      }), "Keys")));
    }));
    const rm = h("button.small.danger", { type: "button" }, "Delete");
    rm.addEventListener("click", async () => { if (await confirmAction({ title: `Delete ${sa.name}?`, body: "Its keys stop working at once (an identity provider using one stops provisioning). This cannot be undone.", confirm: "Delete service account" })) busy(rm, msg, async () => { await del(`/service-accounts/${sa.id}`); await reload(); }); });
    return h("tr", {}, h("td", {}, sa.name), h("td", {}, sa.teamId ? (teams.find((t) => t.id === sa.teamId)?.name ?? sa.teamId) : "organization"), h("td.actions", {}, keys, newKey, rm));
  });
  return h("div", {}, msg.el, shown,
    section("Service accounts", rows.length ? table(["Name", "Scope", ""], rows, "Service accounts") : h("p.empty", {}, "None yet."), h("p.hint", {}, "Service accounts never take a seat. An org-scoped key can also be the SCIM token of an identity provider.")),
    section("New service account", h("form", { on: { submit: (e) => { e.preventDefault(); busy(create, msg, async () => {
      const sa = await post("/service-accounts", { name: name.value.trim(), ...(team.value ? { teamId: team.value } : {}) });
      await reload(); document.querySelector("#main h1")?.after(keyBox(sa.key.key, null));
    }); } } }, h("div.row", {}, field("Name", name), field("Scope", team)), create)));
}
