// Members: search and filters are query parameters of GET /members, paged on the server (offset/limit),
// so the page stays fast at 100k members. A choice in a row is saved by its Save button (with Undo); refusals put it back.
import { del, get, patch, put, qs } from "../api.js";
import { confirmAction, pendingSelect } from "../changes.js";
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
    // Nothing saves by itself: a choice waits for its Save (src/console/public/js/changes.js), with Undo after.
    const words = { orgRole: "org role", modelsSeat: "Models seat", weaveRole: "Weave access" };
    const pick = (fieldName, options, label, reasons = {}) => pendingSelect(select(options, m[fieldName], { "aria-label": `${label} of ${who}` }), {
      msg, disabledReasons: reasons,
      save: async (value) => { try { Object.assign(m, await patch(`/members/${m.id}`, { [fieldName]: value })); } catch (err) { throw new Error(`${who}: ${err.message}`); } },
      say: (value) => `${who}: ${words[fieldName]} is now ${options.find(([v]) => v === value)?.[1] ?? value}.`,
    });
    const role = pick("orgRole", ROLES, "Org role", { viewer: me.unavailable?.["orgRole:viewer"] });
    const seat = pick("modelsSeat", SEATS, "Models seat");
    const weave = pick("weaveRole", SEATS, "Weave access");
    const toggleActive = h("button.small", { type: "button" }, m.active ? "Deactivate" : "Reactivate");
    toggleActive.addEventListener("click", () => busy(toggleActive, msg, async () => {
      await patch(`/members/${m.id}`, { active: !m.active });
      msg.ok(`${who} is ${m.active ? "deactivated" : "active again"}.`);
      await load();
    }));
    const billing = h("button.small", { type: "button" }, m.billingAdmin ? "Remove billing admin" : "Make billing admin");
    billing.addEventListener("click", async () => {
      // A transfer says whom it takes the role from; giving it up says so too.
      const holder = m.billingAdmin ? null : (await get("/org").catch(() => ({}))).billingAdmin;
      const from = holder && holder.id !== m.id ? ` This takes it from ${holder.displayName || holder.userName}: an organization has one billing admin.` : "";
      const ok = await confirmAction(m.billingAdmin
        ? { title: `Take the billing admin role from ${who}?`, body: "The organization then has no billing admin until you choose one.", confirm: "Remove billing admin" }
        : { title: `Make ${who} the billing admin?`, body: `${who} will receive billing matters.${from}`, confirm: "Make billing admin", danger: !!from });
      if (!ok) return;
      busy(billing, msg, async () => {
        if (m.billingAdmin) await del(`/members/${m.id}/billing-admin`); else await put(`/members/${m.id}/billing-admin`);
        msg.ok(m.billingAdmin ? `${who} is no longer the billing admin.` : `${who} is now the billing admin.`);
        await load();
      });
    });
    const remove = h("button.small.danger", { type: "button" }, "Remove");
    remove.addEventListener("click", async () => {
      if (!await confirmAction({ title: `Remove ${who} from the organization?`, body: "Their team memberships, sessions and keys end; what they created stays.", confirm: "Remove member" })) return;
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
