// Role mappings: directory group → org role, seats, team role; highest priority wins; a dry run before saving.
import { del, get, post } from "../api.js";
import { busy, field, h, messageArea, section, select, table } from "../ui.js";

const KINDS = [["scim-group", "SCIM group (displayName)"], ["scim-group-external-id", "SCIM group (externalId)"], ["oidc-group", "OIDC group claim"], ["ldap-group", "LDAP group"]];
const keep = [["", "(unchanged)"]];

function reportTable(report) {
  if (!report.length) return h("p.empty", {}, "No member would change.");
  const rows = report.flatMap((r) => [
    ...r.changes.map((c) => h("tr", {}, h("td", {}, r.userName), h("td", {}, c.what), h("td", {}, `${c.from ?? "–"} → ${c.to ?? "–"}`))),
    ...r.refused.map((x) => h("tr", {}, h("td", {}, r.userName), h("td", {}, x.what), h("td", {}, `refused: ${x.reason}`))),
  ]);
  return table(["Member", "What", "Change"], rows, "What changes for whom");
}

export async function render({ reload }) {
  const [{ items }, { teams }, roles] = await Promise.all([get("/role-mappings"), get("/teams"), get("/roles").catch(() => ({ items: [] }))]);
  const msg = messageArea();
  const priority = h("input", { type: "number", name: "priority", required: true, step: "1" });
  const kind = select(KINDS, "scim-group", { name: "kind" });
  const value = h("input", { type: "text", name: "group", required: true, autocomplete: "off" });
  const orgRole = select([...keep, ["admin", "Admin"], ["member", "Member"], ["viewer", "Viewer"]], "", { name: "orgRole" });
  const seats = [...keep, ["full", "Full"], ["viewer", "Viewer"], ["none", "None"]];
  const modelsSeat = select(seats, "", { name: "modelsSeat" });
  const weaveRole = select(seats, "", { name: "weaveRole" });
  const team = select([["", "(no team)"], ...teams.map((t) => [t.id, t.name])], "", { name: "team" });
  const teamRole = select([["member", "Member"], ["admin", "Admin"], ["view-only", "View-only"], ...(roles.items ?? []).map((r) => [r.name, r.name])], "member", { name: "teamRole" });
  const out = h("div");
  const body = () => ({
    priority: Number(priority.value), match: { kind: kind.value, value: value.value.trim() },
    ...(orgRole.value ? { orgRole: orgRole.value } : {}), ...(modelsSeat.value ? { modelsSeat: modelsSeat.value } : {}),
    ...(weaveRole.value ? { weaveRole: weaveRole.value } : {}), ...(team.value ? { team: { id: team.value, role: teamRole.value } } : {}),
  });
  const dry = h("button", { type: "button" }, "Dry run");
  dry.addEventListener("click", () => busy(dry, msg, async () => {
    const r = await post("/role-mappings/dry-run", body());
    out.replaceChildren(h("h3", {}, "Dry run: what saving would change"), reportTable(r.report)); msg.ok("Dry run done; nothing saved.");
  }));
  const save = h("button.primary", { type: "submit" }, "Save rule");
  const rows = items.map((r) => {
    const rm = h("button.small.danger", { type: "button" }, "Delete");
    rm.addEventListener("click", () => { if (confirm("Delete this rule? What it alone granted is taken away.")) busy(rm, msg, async () => { await del(`/role-mappings/${r.id}`); await reload(); }); });
    const grants = [r.orgRole && `org role ${r.orgRole}`, r.modelsSeat && `Models ${r.modelsSeat}`, r.weaveRole && `Weave ${r.weaveRole}`,
      r.team && `team ${teams.find((t) => t.id === r.team.id)?.name ?? r.team.id} as ${r.team.roleName}`].filter(Boolean).join(", ");
    return h("tr", {}, h("td", {}, String(r.priority)), h("td", {}, `${r.match.kind}: ${r.match.value}`), h("td", {}, grants), h("td", {}, rm));
  });
  return h("div", {}, msg.el,
    section("Role mapping rules", rows.length ? table(["Priority", "Directory group", "Grants", ""], rows, "Role mapping rules") : h("p.empty", {}, "No rules yet.")),
    section("New rule", h("form", { on: { submit: (e) => { e.preventDefault(); busy(save, msg, async () => {
      const r = await post("/role-mappings", body());
      out.replaceChildren(h("h3", {}, "Applied"), reportTable(r.report)); msg.ok(`Rule saved and applied: ${r.report.length} member(s) changed or refused.`); await reload();
    }); } } }, h("div.row", {}, field("Priority (higher wins)", priority), field("Group kind", kind), field("Group", value)),
    h("div.row", {}, field("Org role", orgRole), field("Models seat", modelsSeat), field("Weave access", weaveRole)),
    h("div.row", {}, field("Team", team), field("Team role", teamRole)), h("div.row", {}, dry, save)), out));
}
