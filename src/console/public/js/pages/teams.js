// Teams: create (with its storage), rename, delete (asked first), settings (membersCanInvite, domainMatching),
// members with their team roles (the paged roster: js/people/team-roster.js). A team a directory manages shows it;
// its rename and delete are disabled with the server's reason (team.unavailable) before anyone submits.
import { del, get, patch, post } from "../api.js";
import { confirmAction } from "../changes.js";
import { teamRoster } from "../people/team-roster.js";
import { busy, field, flash, h, messageArea, section, table, toggle, uid } from "../ui.js";

export async function render({ reload }) {
  const [{ teams }, roles] = await Promise.all([get("/teams"), get("/roles").catch(() => ({ items: [] }))]);
  const msg = messageArea();
  const name = h("input", { type: "text", name: "name", required: true, autocomplete: "off" });
  const dm = toggle("Domain matching", false, "Offer this team to new people from your verified domains at sign-up.");
  const mci = toggle("Members can invite", false, "Team members may invite people into this team.");
  const storage = h("input", { type: "text", name: "storageType", autocomplete: "off", value: "default" });
  const create = h("button.primary", { type: "submit" }, "Create team");
  const createForm = h("form", { on: { submit: (e) => { e.preventDefault(); busy(create, msg, async () => {
    const t = await post("/teams", { name: name.value.trim(), domainMatching: dm.input.checked, membersCanInvite: mci.input.checked, storageType: storage.value.trim() || "default" });
    flash(`Team ${t.name} created.`); await reload();
  }); } } }, h("div.row", {}, field("Team name", name), field("Storage", storage, "Where the team's files are kept: \"default\", or the name of a storage location your platform knows. It cannot be changed later.")), dm.el, mci.el, create);

  const detail = h("div");
  const teamRoles = [["admin", "Admin"], ["member", "Member"], ["view-only", "View-only"], ...(roles.items ?? []).map((r) => [r.name, r.name])];

  async function openTeam(t) {
    const rename = h("input", { type: "text", value: t.name, "aria-label": "Team name", disabled: Boolean(t.unavailable?.rename) });
    const d2 = toggle("Domain matching", t.domainMatching); const m2 = toggle("Members can invite", t.membersCanInvite);
    const save = h("button.primary", { type: "submit" }, "Save team");
    detail.replaceChildren(section(`Team: ${t.name}`,
      h("form", { on: { submit: (e) => { e.preventDefault(); busy(save, msg, async () => {
        await patch(`/teams/${t.id}`, { name: rename.value.trim(), domainMatching: d2.input.checked, membersCanInvite: m2.input.checked });
        flash("Team saved."); await reload();
      }); } } }, field("Name", rename, t.unavailable?.rename), d2.el, m2.el, save),
      teamRoster({ team: t, teamRoles, msg })));
    detail.scrollIntoView({ block: "start" });
  }

  const rows = teams.map((t) => {
    const open = h("button.small", { type: "button" }, "Open");
    open.addEventListener("click", () => busy(open, msg, () => openTeam(t)));
    const remove = h("button.small.danger", { type: "button" }, "Delete");
    remove.setAttribute("aria-label", `Delete team ${t.name}`);
    const why = t.unavailable?.delete ? h("p.why", { id: uid("why") }, t.unavailable.delete) : null;
    if (why) { remove.disabled = true; remove.setAttribute("aria-describedby", why.id); }
    remove.addEventListener("click", async () => {
      const n = t.memberCount ?? 0;
      if (!await confirmAction({ title: `Delete team ${t.name}?`, body: `${n === 1 ? "Its 1 member leaves" : `Its ${n} members leave`} the team (they stay in the organization), and its service accounts and their keys are deleted. This cannot be undone.`, confirm: "Delete team" })) return;
      busy(remove, msg, async () => { await del(`/teams/${t.id}`); flash(`Team ${t.name} deleted.`); await reload(); });
    });
    const managed = t.managedBy ? h("span.tag.managed", { title: `Managed by the directory connection “${t.managedBy.name}”` }, `managed by ${t.managedBy.name}`) : null;
    return h("tr", { dataset: { team: t.name } }, h("td", {}, t.name, managed), h("td", {}, String(t.memberCount ?? "")), h("td", {}, t.domainMatching ? "on" : "off"), h("td", {}, t.membersCanInvite ? "on" : "off"), h("td.actions", {}, open, remove, why));
  });
  return h("div", {}, msg.el,
    section("Teams", teams.length ? table(["Team", "Members", "Domain matching", "Members can invite", ""], rows, "Teams") : h("p.empty", {}, "No teams yet.")),
    detail, section("New team", createForm));
}
