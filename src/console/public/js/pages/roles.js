// Custom roles: create from Member or Viewer, permission picker with search, inherited permissions shown as such.
import { del, get, post } from "../api.js";
import { confirmAction } from "../changes.js";
import { busy, field, h, messageArea, section, select, table } from "../ui.js";

export async function render({ reload, me }) {
  const notOnPlan = me?.unavailable?.customRoles;
  const [catalog, { items }] = await Promise.all([get("/permissions"), get("/roles")]);
  const msg = messageArea();
  const perms = catalog.permissions ?? [];
  const inherited = (from) => new Set((catalog.inherited?.[from] ?? catalog[from] ?? []).map((p) => (typeof p === "string" ? p : p.name)));
  const name = h("input", { type: "text", name: "name", required: true });
  const from = select([["member", "Member"], ["viewer", "Viewer"]], "member", { name: "inheritedFrom" });
  const search = h("input", { type: "search", placeholder: "filter permissions" });
  const list = h("div.perm-list", { role: "group", "aria-label": "Permissions" });
  function drawPerms() {
    const inh = inherited(from.value); const q = search.value.trim().toLowerCase();
    list.replaceChildren(...perms.map((p) => (typeof p === "string" ? { name: p } : p)).filter((p) => !q || p.name.toLowerCase().includes(q)).map((p) => {
      const on = inh.has(p.name);
      return h("label", { class: on ? "inherited" : "" }, h("input", { type: "checkbox", value: p.name, checked: on, disabled: on }), ` ${p.name}${on ? ` (inherited from ${from.value})` : ""}`);
    }));
  }
  search.addEventListener("input", drawPerms); from.addEventListener("change", drawPerms); drawPerms();
  const create = h("button.primary", { type: "submit" }, "Create role");
  const rows = items.map((r) => {
    const rm = h("button.small.danger", { type: "button" }, "Delete");
    rm.addEventListener("click", async () => { if (await confirmAction({ title: `Delete the role ${r.name}?`, body: `Its ${r.holders ?? 0} holders fall back to ${r.inheritedFrom}.`, confirm: "Delete role" })) busy(rm, msg, async () => { await del(`/roles/${r.id}`); await reload(); }); });
    return h("tr", {}, h("td", {}, r.name), h("td", {}, r.inheritedFrom), h("td", {}, (r.permissions ?? []).map((p) => (typeof p === "string" ? p : p.name)).join(", ")), h("td", {}, String(r.holders ?? 0)), h("td", {}, rm));
  });
  return h("div", {}, msg.el,
    section("Custom roles", rows.length ? table(["Role", "Inherits", "Permissions", "Holders", ""], rows, "Custom roles") : h("p.empty", {}, "No custom roles.")),
    section("New role", h("form", { on: { submit: (e) => { e.preventDefault(); busy(create, msg, async () => {
      const chosen = [...list.querySelectorAll("input:checked:not(:disabled)")].map((i) => i.value);
      await post("/roles", { name: name.value.trim(), inheritedFrom: from.value, permissions: chosen }); await reload();
    }); } } }, notOnPlan ? h("p.why", { id: "roles-why" }, notOnPlan) : null,
    // On a plan without custom roles the form is shown, disabled, with the reason (not refused after submit).
    h("fieldset.plain", { disabled: !!notOnPlan, "aria-describedby": notOnPlan ? "roles-why" : undefined }, h("legend.visually-hidden", {}, "New role"),
      h("div.row", {}, field("Name", name), field("Inherits from", from)), field("Search permissions", search), list, create))));
}
