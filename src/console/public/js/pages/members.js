// Members: search and filters are query parameters of GET /members, paged on the server (offset/limit),
// so the page stays fast at 100k members. Inline changes PATCH one member; refusals show the API's detail.
import { del, get, patch, put, qs } from "../api.js";
import { busy, field, h, loading, messageArea, select, table } from "../ui.js";

const PAGE = 50;
const ROLES = [["admin", "Admin"], ["member", "Member"], ["viewer", "Viewer"]];
const SEATS = [["full", "Full"], ["viewer", "Viewer"], ["none", "None"]];

export async function render({ me }) {
  const { teams } = await get("/teams");
  const msg = messageArea();
  const state = { q: "", role: "", modelsSeat: "", weaveRole: "", active: "", team: "", offset: 0 };
  const search = h("input", { type: "search", name: "q", placeholder: "user name, name or e-mail", autocomplete: "off" });
  const any = (label) => [["", label]];
  const roleF = select([...any("Any role"), ...ROLES], "", { name: "role" });
  const seatF = select([...any("Any Models seat"), ...SEATS], "", { name: "modelsSeat" });
  const weaveF = select([...any("Any Weave access"), ...SEATS], "", { name: "weaveRole" });
  const activeF = select([...any("Active and inactive"), ["true", "Active"], ["false", "Inactive"]], "", { name: "active" });
  const teamF = select([...any("Any team"), ...teams.map((t) => [t.id, t.name])], "", { name: "team" });
  const results = h("div.results", { "aria-live": "polite" });
  const pager = h("div.pager");

  let seq = 0;
  async function load() {
    const mine = ++seq;
    results.setAttribute("aria-busy", "true");
    if (!results.firstChild) results.append(loading("Loading members…"));
    else results.classList.add("stale");
    try {
      const page = await get(`/members${qs({ ...state, limit: PAGE })}`);
      if (mine !== seq) return;
      draw(page);
    } catch (err) {
      if (mine === seq) msg.error(err.message);
    } finally {
      if (mine === seq) { results.removeAttribute("aria-busy"); results.classList.remove("stale"); }
    }
  }

  function draw(page) {
    const rows = page.items.map((m) => row(m));
    results.replaceChildren(page.items.length ? table(["User name", "Name", "E-mail", "Org role", "Models seat", "Weave", "Status", "Actions"], rows, "Members")
      : h("p.empty", {}, "No members match."));
    const first = page.total ? page.offset + 1 : 0;
    const last = page.offset + page.items.length;
    const prev = h("button", { type: "button", disabled: page.offset === 0, on: { click: () => { state.offset = Math.max(0, state.offset - PAGE); load(); } } }, "← Previous");
    const next = h("button", { type: "button", disabled: last >= page.total, on: { click: () => { state.offset += PAGE; load(); } } }, "Next →");
    pager.replaceChildren(prev, h("span.count", {}, `${first}–${last} of ${page.total}`), next);
  }

  function row(m) {
    const who = m.userName;
    const change = (fieldName, control) => async () => {
      const before = m[fieldName];
      msg.clear();
      control.disabled = true;
      try {
        Object.assign(m, await patch(`/members/${m.id}`, { [fieldName]: control.value }));
        msg.ok(`${who}: ${fieldName === "orgRole" ? "org role" : fieldName === "modelsSeat" ? "Models seat" : "Weave access"} is now ${control.value}.`);
      } catch (err) {
        control.value = before;
        msg.error(`${who}: ${err.message}`);
      } finally { control.disabled = false; }
    };
    const role = select(ROLES, m.orgRole, { "aria-label": `Org role of ${who}` });
    role.addEventListener("change", change("orgRole", role));
    const seat = select(SEATS, m.modelsSeat, { "aria-label": `Models seat of ${who}` });
    seat.addEventListener("change", change("modelsSeat", seat));
    const weave = select(SEATS, m.weaveRole, { "aria-label": `Weave access of ${who}` });
    weave.addEventListener("change", change("weaveRole", weave));
    const toggleActive = h("button.small", { type: "button" }, m.active ? "Deactivate" : "Reactivate");
    toggleActive.addEventListener("click", () => busy(toggleActive, msg, async () => {
      await patch(`/members/${m.id}`, { active: !m.active });
      msg.ok(`${who} is ${m.active ? "deactivated" : "active again"}.`);
      await load();
    }));
    const billing = h("button.small", { type: "button" }, m.billingAdmin ? "Remove billing admin" : "Make billing admin");
    billing.addEventListener("click", () => busy(billing, msg, async () => {
      if (m.billingAdmin) await del(`/members/${m.id}/billing-admin`); else await put(`/members/${m.id}/billing-admin`);
      msg.ok(m.billingAdmin ? `${who} is no longer the billing admin.` : `${who} is now the billing admin.`);
      await load();
    }));
    const remove = h("button.small.danger", { type: "button" }, "Remove");
    remove.addEventListener("click", () => {
      if (!confirm(`Remove ${who} from the organization? Their teams memberships go; what they created stays.`)) return;
      busy(remove, msg, async () => { await del(`/members/${m.id}`); msg.ok(`${who} was removed.`); await load(); });
    });
    const self = m.id === me.member?.id;
    return h("tr", { dataset: { member: m.userName } },
      h("td", {}, m.userName, self ? h("span.tag", {}, "you") : null, m.billingAdmin ? h("span.tag", {}, "billing") : null),
      h("td", {}, m.displayName ?? ""), h("td", {}, m.email ?? ""),
      h("td", {}, role), h("td", {}, seat), h("td", {}, weave),
      h("td", {}, m.active ? "Active" : h("span.muted", {}, "Inactive")),
      h("td.actions", {}, toggleActive, billing, remove));
  }

  let timer;
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { state.q = search.value.trim(); state.offset = 0; load(); }, 250); });
  for (const [ctl, key] of [[roleF, "role"], [seatF, "modelsSeat"], [weaveF, "weaveRole"], [activeF, "active"], [teamF, "team"]])
    ctl.addEventListener("change", () => { state[key] = ctl.value; state.offset = 0; load(); });

  load();
  return h("div", {},
    h("form.filters", { role: "search", on: { submit: (e) => { e.preventDefault(); clearTimeout(timer); state.q = search.value.trim(); state.offset = 0; load(); } } },
      field("Search", search), field("Org role", roleF), field("Models seat", seatF), field("Weave access", weaveF), field("Status", activeF), field("Team", teamF)),
    msg.el, results, pager);
}
