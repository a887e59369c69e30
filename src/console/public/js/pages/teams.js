// Teams: create, rename, delete, settings (membersCanInvite, domainMatching), members with their team roles.
import { del, get, patch, post, put } from "../api.js";
import { busy, field, h, messageArea, section, select, table, toggle } from "../ui.js";

export async function render({ reload }) {
  const [{ teams }, roles] = await Promise.all([get("/teams"), get("/roles").catch(() => ({ items: [] }))]);
  const msg = messageArea();
  const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off" });
  const dm = toggle("Domain matching", false, "Offer this team to new people from your verified domains at sign-up.");
  const mci = toggle("Members can invite", false, "Team members may invite people into this team.");
  const create = h("button.primary", { type: "submit" }, "Create team");
  const createForm = h("form", { on: { submit: (e) => { e.preventDefault(); busy(create, msg, async () => {
    const t = await post("/teams", { name: name.value.trim(), domainMatching: dm.input.checked, membersCanInvite: mci.input.checked });
    msg.ok(`Team ${t.name} created.`); await reload();
  }); } } }, h("div.row", {}, field("Team name", name)), dm.el, mci.el, create);

  const detail = h("div");
  const teamRoles = [["admin", "Admin"], ["member", "Member"], ["view-only", "View-only"], ...(roles.items ?? []).map((r) => [r.name, r.name])];

  async function openTeam(t) {
    const { members } = await get(`/teams/${t.id}/members`);
    const rename = h("input", { type: "text", value: t.name, "aria-label": "Team name" });
    const d2 = toggle("Domain matching", t.domainMatching); const m2 = toggle("Members can invite", t.membersCanInvite);
    const save = h("button.primary", { type: "submit" }, "Save team");
    const addWho = h("input", { type: "text", placeholder: "member id", "aria-label": "Member id to add" });
    const addRole = select(teamRoles, "member", { "aria-label": "Team role for the new member" });
    const addBtn = h("button", { type: "submit" }, "Add member");
    detail.replaceChildren(section(`Team: ${t.name}`,
      h("form", { on: { submit: (e) => { e.preventDefault(); busy(save, msg, async () => {
        await patch(`/teams/${t.id}`, { name: rename.value.trim(), domainMatching: d2.input.checked, membersCanInvite: m2.input.checked });
        msg.ok("Team saved."); await reload();
      }); } } }, field("Name", rename), d2.el, m2.el, save),
      h("h3", {}, "Members"),
      members.length ? table(["Member", "Team role", "Granted by", ""], members.map((m) => {
        const r = select(teamRoles, m.role, { "aria-label": `Team role of ${m.userName}` });
        r.addEventListener("change", () => busy(null, msg, async () => { await put(`/teams/${t.id}/members/${m.memberId}`, { role: r.value }); msg.ok(`${m.userName} is now ${r.value} in ${t.name}.`); }));
        const rm = h("button.small.danger", { type: "button" }, "Remove from team");
        rm.addEventListener("click", () => busy(rm, msg, async () => { await del(`/teams/${t.id}/members/${m.memberId}`); msg.ok(`${m.userName} left ${t.name}.`); await openTeam(t); }));
        const grantedBy = (m.sources ?? []).map((s) => (s.id ? `${s.kind} ${s.id}` : s.kind)).join(", ");
        return h("tr", {}, h("td", {}, m.userName), h("td", {}, r), h("td.sources", {}, grantedBy), h("td", {}, rm));
      }), "Team members") : h("p.empty", {}, "No members."),
      h("form.row", { on: { submit: (e) => { e.preventDefault(); busy(addBtn, msg, async () => {
        await put(`/teams/${t.id}/members/${addWho.value.trim()}`, { role: addRole.value }); msg.ok("Member added."); await openTeam(t);
      }); } } }, addWho, addRole, addBtn)));
  }

  const rows = teams.map((t) => {
    const open = h("button.small", { type: "button" }, "Open");
    open.addEventListener("click", () => busy(open, msg, () => openTeam(t)));
    const remove = h("button.small.danger", { type: "button" }, "Delete");
    remove.addEventListener("click", () => { if (confirm(`Delete team ${t.name}?`)) busy(remove, msg, async () => { await del(`/teams/${t.id}`); msg.ok(`Team ${t.name} deleted.`); await reload(); }); });
    return h("tr", { dataset: { team: t.name } }, h("td", {}, t.name), h("td", {}, String(t.memberCount ?? "")), h("td", {}, t.domainMatching ? "on" : "off"), h("td", {}, t.membersCanInvite ? "on" : "off"), h("td.actions", {}, open, remove));
  });
  return h("div", {}, msg.el,
    section("Teams", teams.length ? table(["Team", "Members", "Domain matching", "Members can invite", ""], rows, "Teams") : h("p.empty", {}, "No teams yet.")),
    detail, section("New team", createForm));
}
