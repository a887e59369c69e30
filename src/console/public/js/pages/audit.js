// Audit log for people: names (resolved by the server), what changed in words, search by person,
// filter by action, door and time; newest first, paged with the API's cursor.
import { get, qs } from "../api.js";
import { busy, field, fmtTime, h, messageArea, select, table } from "../ui.js";

const DOORS = [["", "Any door"], ["admin", "Console or admin API"], ["scim", "Identity provider (SCIM)"], ["sso", "Sign-in"], ["cli", "Server command line"]];
const doorWords = Object.fromEntries(DOORS);

function changeList(changes) {
  if (!changes?.length) return "";
  return h("ul.changes", {}, changes.map((c) => h("li", {}, `${c.what}: `,
    c.before === null ? null : h("span.before", {}, c.before), c.before === null || c.after === null ? null : " → ",
    c.after === null ? h("span.muted", {}, c.before === null ? "" : "removed") : h("span.after", {}, c.after))));
}

export async function render() {
  const { actions } = await get("/audit/actions");
  const msg = messageArea();
  const person = h("input", { type: "search", name: "person", autocomplete: "off", placeholder: "name, e-mail or user name" });
  const action = select([["", "Any action"], ...actions.map((a) => [a.action, a.words])], "", { name: "action" });
  const door = select(DOORS, "", { name: "door" });
  const since = h("input", { type: "datetime-local", name: "since" }); const until = h("input", { type: "datetime-local", name: "until" });
  const out = h("div.results", { "aria-live": "polite", tabindex: "0", role: "region", "aria-label": "Audit events" }); const more = h("button", { type: "button", hidden: true }, "Older events");
  let cursor = null;
  const iso = (i) => (i.value ? new Date(i.value).toISOString() : "");
  async function load(append) {
    const page = await get(`/audit${qs({ person: person.value.trim(), action: action.value, door: door.value, since: iso(since), until: iso(until), limit: 50, cursor: append ? cursor : "" })}`);
    cursor = page.nextCursor; more.hidden = !cursor;
    const rows = page.events.map((e) => h("tr", {}, h("td.when", {}, fmtTime(e.at)), h("td", {}, e.summary), h("td", {}, changeList(e.changes)), h("td", {}, doorWords[e.door] ?? e.door)));
    if (append && out.querySelector("tbody")) out.querySelector("tbody").append(...rows);
    else out.replaceChildren(rows.length ? table(["When", "What happened", "What changed", "Door"], rows, "Audit events") : h("p.empty", {}, "No events match."));
  }
  const go = h("button.primary", { type: "submit" }, "Search");
  more.addEventListener("click", () => busy(more, msg, () => load(true)));
  // Choosing a filter searches at once; typing a name waits for Search (or Enter).
  for (const c of [action, door, since, until]) c.addEventListener("change", () => busy(null, msg, () => load(false)));
  await load(false);
  return h("div", {}, h("form.filters", { role: "search", on: { submit: (e) => { e.preventDefault(); busy(go, msg, () => load(false)); } } },
    field("Person", person), field("Action", action), field("Door", door), field("Since", since), field("Until", until), h("div.field", {}, go)), msg.el, out, h("div.pager", {}, more));
}
