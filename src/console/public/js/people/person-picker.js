// The person picker: choose a member by name, e-mail or user name, never by id. An ARIA 1.2 combobox
// (input + listbox, aria-activedescendant): type to search (GET /members?q=, on the server), arrows to move,
// Enter to choose, Escape to close. Exported for every place a member is chosen (teams, billing admin, invites, role mapping).
import { get, qs } from "../api.js";
import { h, uid } from "../ui.js";

const SHOWN = 8;

/** How a member reads in the console: the name, then the user name, then the e-mail only when it says something new. */
export function personLabel(m) {
  const name = m.displayName || m.userName;
  const parts = [name];
  if (m.displayName && m.displayName !== m.userName) parts.push(m.userName);
  if (m.email && m.email.toLowerCase() !== m.userName.toLowerCase()) parts.push(m.email);
  return parts.join(" · ");
}

/**
 * personPicker({ label, onPick(member), filter?(member) → bool, hint? }) → { el, input, chosen(), clear() }
 * `onPick` runs when a person is chosen; the choice stays until the text changes.
 */
export function personPicker({ label, onPick, filter, hint = "Type part of a name, e-mail or user name." }) {
  const id = uid("pick");
  const listId = `${id}-list`;
  const hintId = `${id}-hint`;
  const input = h("input", {
    id, type: "text", role: "combobox", autocomplete: "off", spellcheck: "false",
    "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId, "aria-describedby": hintId,
  });
  const list = h("ul.picker-list", { id: listId, role: "listbox", "aria-label": label, hidden: true });
  const status = h("p.visually-hidden", { role: "status", "aria-live": "polite" });
  let options = [];
  let active = -1;
  let chosen = null;
  let seq = 0;
  let timer;

  function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; }
  function highlight(i) {
    active = i;
    for (const [n, li] of [...list.children].entries()) li.setAttribute("aria-selected", String(n === i));
    const li = list.children[i];
    if (li?.id) { input.setAttribute("aria-activedescendant", li.id); li.scrollIntoView({ block: "nearest" }); }
  }
  function choose(i) {
    const m = options[i];
    if (!m) return;
    chosen = m;
    input.value = personLabel(m);
    close();
    status.textContent = `${personLabel(m)} chosen.`;
    onPick?.(m);
  }
  async function search() {
    const q = input.value.trim();
    const mine = ++seq;
    if (!q) { options = []; close(); return; }
    let page;
    try { page = await get(`/members${qs({ q, limit: SHOWN * 2 })}`); } catch (err) { status.textContent = err.message; return; }
    if (mine !== seq) return;
    options = page.items.filter((m) => !filter || filter(m)).slice(0, SHOWN);
    list.replaceChildren(...(options.length ? options.map((m, i) => h("li", {
      id: `${id}-opt-${i}`, role: "option", "aria-selected": "false",
      on: { mousedown: (e) => { e.preventDefault(); choose(i); } },
    }, h("span.picker-name", {}, m.displayName || m.userName), h("span.picker-more", {}, personLabel(m).split(" · ").slice(1).join(" · "))))
      : [h("li.picker-none", { role: "option", "aria-disabled": "true", "aria-selected": "false" }, "Nobody matches.")]));
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    status.textContent = options.length ? `${options.length} ${options.length === 1 ? "person" : "people"} found${page.total > options.length ? ` of ${page.total}; type more to narrow` : ""}. Use the arrow keys to choose.` : "Nobody matches.";
    highlight(options.length ? 0 : -1);
  }

  input.addEventListener("input", () => { chosen = null; clearTimeout(timer); timer = setTimeout(search, 200); });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      if (list.hidden) { search(); return; }
      if (!options.length) return;
      highlight((active + (e.key === "ArrowDown" ? 1 : options.length - 1)) % options.length);
    } else if (e.key === "Enter") {
      if (!list.hidden && active >= 0) { e.preventDefault(); choose(active); }
    } else if (e.key === "Escape") {
      if (!list.hidden) { e.preventDefault(); close(); }
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));

  const el = h("div.field.picker", {}, h("label", { for: id }, label), h("div.picker-box", {}, input, list), h("p.hint", { id: hintId }, hint), status);
  return {
    el, input,
    chosen: () => chosen,
    clear() { chosen = null; input.value = ""; options = []; close(); },
  };
}
