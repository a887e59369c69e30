// Members, built for 100k rows: filters, sort, page size and page jump are query parameters of GET /members
// (paged on the server); rows are one line each; selection spans pages and feeds one bulk action with one
// confirmation (POST /members/bulk, answered per member); CSV export of the same view. Nothing saves by itself:
// a person's own changes are on their member page (#/members/<id>).
import { get, post, qs } from "../api.js";
import { billingAdminPanel } from "../people/billing-admin.js";
import { confirmChange } from "../people/confirm.js";
import { personLabel } from "../people/person-picker.js";
import { busy, field, h, loading, messageArea, select } from "../ui.js";

const ROLES = [["admin", "Admin"], ["member", "Member"], ["viewer", "Viewer"]];
const SEATS = [["full", "Full"], ["viewer", "Viewer"], ["none", "None"]];
const SIZES = [25, 50, 100, 200];
const SORTS = [["userName", "User name"], ["displayName", "Name"], ["email", "E-mail"], ["orgRole", "Org role"], ["createdAt", "Joined"]];
const word = (list, v) => list.find(([k]) => k === v)?.[1] ?? v;
const fmt = (n) => n.toLocaleString("en");

export async function render(ctx) {
  if (ctx.path[0]) return (await import("../people/member-page.js")).renderMemberPage(ctx, ctx.path[0]);
  const { me } = ctx;
  // The team filter fills in when the teams arrive; the first rows do not wait for them.
  const teamsLoaded = get("/teams");
  const msg = messageArea();
  const state = { q: "", role: "", modelsSeat: "", weaveRole: "", active: "", team: "", sort: "userName", order: "asc", limit: 50, offset: 0 };
  /** selected members across pages: id → userName */
  const selected = new Map();
  let page = { items: [], total: 0, offset: 0, limit: state.limit };

  const search = h("input", { type: "search", name: "q", placeholder: "name, user name or e-mail", autocomplete: "off" });
  const any = (label) => [["", label]];
  const filters = [
    ["Org role", "role", select([...any("Any role"), ...ROLES], "")],
    ["Models seat", "modelsSeat", select([...any("Any seat"), ...SEATS], "")],
    ["Weave access", "weaveRole", select([...any("Any access"), ...SEATS], "")],
    ["Status", "active", select([...any("Active and inactive"), ["true", "Active"], ["false", "Inactive"]], "")],
    ["Team", "team", select(any("Any team"), "")],
    ["Sort by", "sort", select(SORTS, state.sort)],
    ["Order", "order", select([["asc", "A to Z, oldest first"], ["desc", "Z to A, newest first"]], state.order)],
  ];
  const exportLink = h("a.button", { download: "members.csv" }, "Export CSV");
  const region = h("div.results", { tabindex: "-1", role: "region", "aria-label": "Members list" });
  const bulkBar = h("div.bulk", { role: "group", "aria-label": "Selected members" });
  const pager = h("nav.pager", { "aria-label": "Pages of members" });
  const live = h("p.visually-hidden", { role: "status", "aria-live": "polite" });

  const listQuery = () => ({ ...state, offset: undefined, limit: undefined });
  let seq = 0;
  async function load({ toTop = false } = {}) {
    const mine = ++seq;
    region.setAttribute("aria-busy", "true");
    if (!region.firstChild) region.append(loading("Loading members…"));
    else region.classList.add("stale");
    exportLink.href = `/api/v1/members/export.csv${qs(listQuery())}`;
    try {
      const next = await get(`/members${qs(state)}`);
      if (mine !== seq) return;
      page = next;
      draw();
      if (toTop) { region.scrollIntoView({ block: "start" }); region.focus({ preventScroll: true }); }
    } catch (err) {
      if (mine === seq) msg.error(err.message);
    } finally {
      if (mine === seq) { region.removeAttribute("aria-busy"); region.classList.remove("stale"); }
    }
  }

  function draw() {
    const pages = Math.max(1, Math.ceil(page.total / state.limit));
    const current = Math.floor(state.offset / state.limit) + 1;
    const first = page.total ? page.offset + 1 : 0;
    const last = page.offset + page.items.length;
    live.textContent = `Members ${fmt(first)} to ${fmt(last)} of ${fmt(page.total)}, page ${fmt(current)} of ${fmt(pages)}.`;
    if (!page.items.length) { region.replaceChildren(h("p.empty", {}, "No members match.")); drawPager(pages, current, first, last); drawBulk(); return; }
    const all = h("input", { type: "checkbox", "aria-label": "Select every member on this page" });
    all.checked = page.items.every((m) => selected.has(m.id));
    all.addEventListener("change", () => {
      for (const m of page.items) if (all.checked) selected.set(m.id, m.userName); else selected.delete(m.id);
      for (const box of region.querySelectorAll("tbody input[type=checkbox]")) box.checked = all.checked;
      drawBulk();
    });
    const sortedBy = (key) => (state.sort === key ? (state.order === "asc" ? "ascending" : "descending") : undefined);
    const head = [
      h("th.pick", { scope: "col" }, all),
      h("th.person", { scope: "col", "aria-sort": sortedBy("displayName") ?? sortedBy("userName") ?? sortedBy("email") }, "Person"),
      h("th", { scope: "col", "aria-sort": sortedBy("orgRole") }, "Org role"),
      h("th", { scope: "col" }, "Models"), h("th.wide", { scope: "col" }, "Weave"), h("th", { scope: "col" }, "Status"),
      h("th.wide", { scope: "col", "aria-sort": sortedBy("createdAt") }, "Joined"),
    ];
    region.replaceChildren(h("table.members", {}, h("caption.visually-hidden", {}, `Members, page ${current} of ${pages}`),
      h("thead", {}, h("tr", {}, head)), h("tbody", {}, page.items.map(row))));
    drawPager(pages, current, first, last);
    drawBulk();
  }

  function row(m) {
    const box = h("input", { type: "checkbox", "aria-label": `Select ${m.displayName || m.userName}`, checked: selected.has(m.id) });
    box.addEventListener("change", () => { if (box.checked) selected.set(m.id, m.userName); else selected.delete(m.id); drawBulk(); });
    const more = personLabel(m).split(" · ").slice(1).join(" · ");
    const self = m.id === me.member?.id;
    return h("tr", { dataset: { member: m.userName } },
      h("td.pick", {}, box),
      // the directory's mark right after the name: the rest of the line may be cut off
      h("td.person", { title: personLabel(m) }, h("a", { href: `#/members/${encodeURIComponent(m.id)}` }, m.displayName || m.userName),
        m.managedBy ? h("span.tag.managed", { title: `Managed by the directory connection “${m.managedBy.name}”` }, `managed by ${m.managedBy.name}`) : null,
        more ? h("span.muted", {}, ` · ${more}`) : null, self ? h("span.tag", {}, "you") : null, m.billingAdmin ? h("span.tag", {}, "billing") : null),
      h("td", {}, word(ROLES, m.orgRole)), h("td", {}, word(SEATS, m.modelsSeat)), h("td.wide", {}, word(SEATS, m.weaveRole)),
      h("td", {}, m.active ? "Active" : h("span.muted", {}, "Inactive")),
      h("td.wide", {}, new Date(m.createdAt).toLocaleDateString()));
  }

  function go(offset) { state.offset = offset; load({ toTop: true }); }
  function drawPager(pages, current, first, last) {
    const jump = h("input", { type: "number", min: "1", max: String(pages), value: String(current), "aria-label": `Page number, 1 to ${pages}`, inputmode: "numeric" });
    const size = select(SIZES.map((n) => [String(n), `${n} a page`]), String(state.limit), { "aria-label": "Members a page" });
    size.addEventListener("change", () => { state.limit = Number(size.value); go(0); });
    const btn = (text, label, offset, off) => h("button", { type: "button", "aria-label": label, disabled: off, on: { click: () => go(offset) } }, text);
    pager.replaceChildren(
      btn("«", "First page", 0, current === 1), btn("‹ Previous", "Previous page", (current - 2) * state.limit, current === 1),
      h("form.jump", { on: { submit: (e) => { e.preventDefault(); const n = Math.min(pages, Math.max(1, Math.round(Number(jump.value) || 1))); go((n - 1) * state.limit); } } },
        "Page ", jump, ` of ${fmt(pages)} `, h("button", { type: "submit" }, "Go")),
      btn("Next ›", "Next page", current * state.limit, current >= pages), btn("»", "Last page", (pages - 1) * state.limit, current >= pages),
      h("span.count", {}, `${fmt(first)}–${fmt(last)} of ${fmt(page.total)}`), size);
  }

  const bulkAction = select([["", "Choose a change…"],
    ...ROLES.map(([v, t]) => [`orgRole:${v}`, `Org role → ${t}`]), ...SEATS.map(([v, t]) => [`modelsSeat:${v}`, `Models seat → ${t}`]),
    ...SEATS.map(([v, t]) => [`weaveRole:${v}`, `Weave access → ${t}`]), ["remove", "Remove from the organization"]], "", { "aria-label": "Change for the selected members" });
  const apply = h("button.primary", { type: "button" }, "Apply…");
  const clear = h("button", { type: "button", on: { click: () => { selected.clear(); draw(); } } }, "Clear selection");
  apply.addEventListener("click", async () => {
    if (!bulkAction.value) { msg.error("Choose what to change for the selected members first."); bulkAction.focus(); return; }
    const names = [...selected.values()];
    const what = bulkAction.options[bulkAction.selectedIndex].text;
    const remove = bulkAction.value === "remove";
    const ok = await confirmChange({
      title: remove ? `Remove ${names.length} ${names.length === 1 ? "member" : "members"}?` : `Change ${names.length} ${names.length === 1 ? "member" : "members"}?`,
      body: [h("p", {}, remove ? "They leave the organization and its teams; what they created stays." : `${what} for:`),
        h("p.names", {}, names.slice(0, 12).join(", "), names.length > 12 ? ` and ${names.length - 12} more` : "")],
      confirm: remove ? `Remove ${names.length}` : `Change ${names.length}`, danger: remove,
    });
    if (!ok) return;
    const [key, value] = bulkAction.value.split(":");
    await busy(apply, msg, async () => {
      const out = await post("/members/bulk", remove ? { ids: [...selected.keys()], remove: true } : { ids: [...selected.keys()], [key]: value });
      const refusedList = out.results.filter((r) => !r.ok);
      for (const r of out.results) if (r.ok) selected.delete(r.id);
      const done = `${remove ? "Removed" : "Changed"} ${out.changed} of ${out.results.length}.`;
      if (refusedList.length) msg.error(`${done} Not changed: ${refusedList.map((r) => `${r.userName ?? "a member no longer here"} (${r.reason})`).join("; ")}`);
      else msg.ok(done);
      await load();
    });
  });
  function drawBulk() {
    bulkBar.hidden = selected.size === 0;
    bulkBar.replaceChildren(h("span.count", {}, `${fmt(selected.size)} selected`), bulkAction, apply, clear);
  }

  let timer;
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => { state.q = search.value.trim(); state.offset = 0; load(); }, 250); });
  for (const [, key, ctl] of filters) ctl.addEventListener("change", () => { state[key] = ctl.value; state.offset = 0; load(); });

  load();
  const teamFilter = filters.find(([, key]) => key === "team")[2];
  teamsLoaded.then(({ teams }) => teamFilter.append(...teams.map((t) => h("option", { value: t.id }, t.name))), (err) => msg.error(err.message));
  return h("div", {},
    h("form.filters", { role: "search", "aria-label": "Find members", on: { submit: (e) => { e.preventDefault(); clearTimeout(timer); state.q = search.value.trim(); state.offset = 0; load(); } } },
      field("Search", search), filters.map(([label, , ctl]) => field(label, ctl)), h("div.field", {}, exportLink)),
    billingAdminPanel(msg), msg.el, live, bulkBar, region, pager);
}
