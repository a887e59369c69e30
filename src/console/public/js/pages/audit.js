// Audit log: filter by actor, action, target, time; newest first; paged with the API's cursor.
import { get, qs } from "../api.js";
import { busy, field, fmtTime, h, messageArea, table } from "../ui.js";

export async function render() {
  const msg = messageArea();
  const actor = h("input", { type: "text", name: "actor" }); const action = h("input", { type: "text", name: "action", placeholder: "e.g. member.update" });
  const target = h("input", { type: "text", name: "target" });
  const since = h("input", { type: "datetime-local", name: "since" }); const until = h("input", { type: "datetime-local", name: "until" });
  const out = h("div.results"); const more = h("button", { type: "button", hidden: true }, "Older events");
  let cursor = null;
  const iso = (i) => (i.value ? new Date(i.value).toISOString() : "");
  async function load(append) {
    const page = await get(`/audit${qs({ actor: actor.value.trim(), action: action.value.trim(), target: target.value.trim(), since: iso(since), until: iso(until), limit: 50, cursor: append ? cursor : "" })}`);
    cursor = page.nextCursor; more.hidden = !cursor;
    const rows = page.events.map((e) => h("tr", {}, h("td", {}, fmtTime(e.at)), h("td", {}, `${e.door}: ${e.actor}`), h("td", {}, e.action), h("td", {}, `${e.targetType ?? ""} ${e.targetId ?? ""}`), h("td", {}, h("code", {}, e.detail ? JSON.stringify(e.detail).slice(0, 160) : ""))));
    if (append && out.querySelector("tbody")) out.querySelector("tbody").append(...rows);
    else out.replaceChildren(rows.length ? table(["When", "Who", "Action", "Target", "Detail"], rows, "Audit events") : h("p.empty", {}, "No events match."));
  }
  const go = h("button.primary", { type: "submit" }, "Filter");
  more.addEventListener("click", () => busy(more, msg, () => load(true)));
  await load(false);
  return h("div", {}, h("form.filters", { on: { submit: (e) => { e.preventDefault(); busy(go, msg, () => load(false)); } } },
    field("Actor", actor), field("Action", action), field("Target", target), field("Since", since), field("Until", until), h("div.field", {}, go)), msg.el, out, h("div.pager", {}, more));
}
