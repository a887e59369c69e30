// A team's members, paged and searchable on the server (GET /teams/{id}/members?q=&limit=&offset=), so a team of
// 10,000 opens as one short page. A person is added by name with the person picker; a team role changes only on
// "Save"; removal from the team asks first.
import { del, get, put, qs } from "../api.js";
import { busy, field, h, loading, select } from "../ui.js";
import { confirmChange } from "./confirm.js";
import { personLabel, personPicker } from "./person-picker.js";

const SIZE = 50;
const fmt = (n) => n.toLocaleString("en");

/** teamRoster({ team: {id, name}, teamRoles: [[value, label]], msg }) → element */
export function teamRoster({ team, teamRoles, msg }) {
  const state = { q: "", offset: 0, limit: SIZE };
  const search = h("input", { type: "search", autocomplete: "off", placeholder: "name, user name or e-mail" });
  const region = h("div.results", { tabindex: "-1", role: "region", "aria-label": `Members of ${team.name}` });
  const pager = h("nav.pager", { "aria-label": `Pages of ${team.name}'s members` });
  const live = h("p.visually-hidden", { role: "status", "aria-live": "polite" });

  let seq = 0;
  async function load({ toTop = false } = {}) {
    const mine = ++seq;
    if (!region.firstChild) region.append(loading("Loading the team's members…"));
    else region.classList.add("stale");
    try {
      const page = await get(`/teams/${team.id}/members${qs(state)}`);
      if (mine !== seq) return;
      draw(page);
      if (toTop) { region.scrollIntoView({ block: "start" }); region.focus({ preventScroll: true }); }
    } catch (err) { if (mine === seq) msg.error(err.message); } finally { if (mine === seq) region.classList.remove("stale"); }
  }

  function draw(page) {
    const pages = Math.max(1, Math.ceil(page.total / state.limit));
    const current = Math.floor(state.offset / state.limit) + 1;
    live.textContent = `${fmt(page.total)} ${page.total === 1 ? "member" : "members"}${state.q ? " match" : ""}, page ${fmt(current)} of ${fmt(pages)}.`;
    region.replaceChildren(page.members.length ? h("table.members", {}, h("caption.visually-hidden", {}, `Members of ${team.name}, page ${current} of ${pages}`),
      h("thead", {}, h("tr", {}, h("th.person", { scope: "col" }, "Person"), h("th", { scope: "col" }, "Team role"), h("th", { scope: "col" }, h("span.visually-hidden", {}, "Actions")))),
      h("tbody", {}, page.members.map(row))) : h("p.empty", {}, state.q ? "Nobody in this team matches." : "No members yet."));
    const go = (offset) => { state.offset = offset; load({ toTop: true }); };
    const jump = h("input", { type: "number", min: "1", max: String(pages), value: String(current), "aria-label": `Page number, 1 to ${pages}` });
    pager.replaceChildren(
      h("button", { type: "button", disabled: current === 1, on: { click: () => go((current - 2) * state.limit) } }, "‹ Previous"),
      h("form.jump", { on: { submit: (e) => { e.preventDefault(); go((Math.min(pages, Math.max(1, Math.round(Number(jump.value) || 1))) - 1) * state.limit); } } }, "Page ", jump, ` of ${fmt(pages)} `, h("button", { type: "submit" }, "Go")),
      h("button", { type: "button", disabled: current >= pages, on: { click: () => go(current * state.limit) } }, "Next ›"),
      h("span.count", {}, `${fmt(page.total)} in all`));
  }

  function row(m) {
    const who = m.displayName || m.userName;
    const more = personLabel(m).split(" · ").slice(1).join(" · ");
    const role = select(teamRoles, m.role, { "aria-label": `Team role of ${who}` });
    const save = h("button.small", { type: "button", disabled: true }, "Save role");
    role.addEventListener("change", () => { save.disabled = role.value === m.role; });
    save.addEventListener("click", () => busy(save, msg, async () => {
      try {
        await put(`/teams/${team.id}/members/${m.memberId}`, { role: role.value });
        m.role = role.value;
        msg.ok(`${who} is now ${teamRoles.find(([v]) => v === m.role)?.[1] ?? m.role} in ${team.name}.`);
      } catch (err) { role.value = m.role; throw err; }
    }).then(() => { save.disabled = role.value === m.role; }));
    const rm = h("button.small.danger", { type: "button" }, "Remove…");
    rm.addEventListener("click", async () => {
      if (!(await confirmChange({ title: `Remove ${who} from ${team.name}?`, body: h("p", {}, "They stay in the organization; what they created stays."), confirm: "Remove from team", danger: true }))) return;
      await busy(rm, msg, async () => { await del(`/teams/${team.id}/members/${m.memberId}`); msg.ok(`${who} left ${team.name}.`); await load(); });
    });
    return h("tr", { dataset: { member: m.userName } },
      h("td.person", { title: personLabel(m) }, h("a", { href: `#/members/${encodeURIComponent(m.memberId)}` }, who), more ? h("span.muted", {}, ` · ${more}`) : null),
      h("td", {}, role, " ", save), h("td", {}, rm));
  }

  const picker = personPicker({ label: "Add a person", hint: "Type part of a name, e-mail or user name, then pick them." });
  const addRole = select(teamRoles, "member");
  const add = h("button.primary", { type: "submit" }, "Add to team");
  const addForm = h("form.row.end", { on: { submit: (e) => { e.preventDefault();
    const who = picker.chosen();
    if (!who) { msg.error("Choose the person to add first: type part of their name and pick them from the list."); picker.input.focus(); return; }
    busy(add, msg, async () => {
      await put(`/teams/${team.id}/members/${who.id}`, { role: addRole.value });
      msg.ok(`${who.displayName || who.userName} is in ${team.name} as ${addRole.options[addRole.selectedIndex].text}.`);
      picker.clear();
      picker.input.focus();
      await load();
    });
  } } }, picker.el, field("Team role", addRole), h("div.field", {}, add));

  let timer;
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { state.q = search.value.trim(); state.offset = 0; load(); }, 250); });
  load();
  return h("div.roster", {}, h("h3", {}, "Members"), addForm,
    h("form.filters", { role: "search", "aria-label": `Find members of ${team.name}`, on: { submit: (e) => { e.preventDefault(); state.q = search.value.trim(); state.offset = 0; load(); } } }, field("Search this team", search)),
    live, region, pager);
}
