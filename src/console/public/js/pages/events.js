// Event receivers: register (push URL or polling; SET or webhook), pause/resume, delete, see deliveries, replay.
import { del, get, patch, post } from "../api.js";
import { busy, copy, field, fmtTime, h, messageArea, section, select, table } from "../ui.js";

export async function render() {
  const msg = messageArea();
  const list = h("div.results", { tabindex: "0", role: "region", "aria-label": "Event receivers" });
  const detail = h("div.results", { tabindex: "0", role: "region", "aria-label": "Deliveries" });

  async function showDeliveries(r) {
    const page = await get(`/event-receivers/${r.id}/deliveries?limit=100`);
    const since = h("input", { type: "datetime-local", name: "since" });
    const replay = h("button", { type: "button" }, "Replay since");
    replay.addEventListener("click", () => busy(replay, msg, async () => {
      if (!since.value) throw new Error("choose a time to replay from");
      const out = await post(`/event-receivers/${r.id}/replay`, { since: new Date(since.value).toISOString() });
      msg.ok(`${out.queued} events queued again`); await showDeliveries(r);
    }));
    const rows = page.deliveries.map((d) => h("tr", {}, h("td", {}, fmtTime(d.at)), h("td", {}, d.type), h("td", {}, `${d.target.type} ${d.target.id ?? ""}`),
      h("td", {}, d.status), h("td", {}, String(d.attempts)), h("td", {}, d.responseMs === null ? "—" : `${d.responseMs} ms`), h("td", {}, d.lastError ?? "")));
    detail.replaceChildren(section(`Deliveries to ${r.url ?? "the poller"}`, field("Replay from", since), replay,
      rows.length ? table(["Event time", "Type", "Target", "Status", "Attempts", "Response", "Last error"], rows, "Deliveries") : h("p.empty", {}, "No deliveries yet.")));
  }

  async function reload() {
    const { items } = await get("/event-receivers");
    const rows = items.map((r) => {
      const toggleBtn = h("button", { type: "button" }, r.status === "paused" ? "Resume" : "Pause");
      toggleBtn.addEventListener("click", () => busy(toggleBtn, msg, async () => { await patch(`/event-receivers/${r.id}`, { status: r.status === "paused" ? "active" : "paused" }); await reload(); }));
      const rm = h("button.danger", { type: "button" }, "Delete");
      rm.addEventListener("click", () => { if (confirm(`Delete the receiver ${r.url ?? r.id} and its deliveries?`)) busy(rm, msg, async () => { await del(`/event-receivers/${r.id}`); detail.replaceChildren(); await reload(); }); });
      const show = h("button", { type: "button" }, "Deliveries");
      show.addEventListener("click", () => busy(show, msg, () => showDeliveries(r)));
      const counts = Object.entries(r.deliveries).map(([k, n]) => `${k} ${n}`).join(", ") || "none";
      return h("tr", {}, h("td", {}, r.url ?? `poll: /events/poll/${r.id}`), h("td", {}, r.format), h("td", {}, r.eventTypes.join(", ")), h("td", {}, r.status), h("td", {}, counts), h("td", {}, show, toggleBtn, rm));
    });
    list.replaceChildren(rows.length ? table(["Where", "Format", "Events", "Status", "Deliveries", ""], rows, "Event receivers") : h("p.empty", {}, "No event receivers yet."));
  }

  const url = h("input", { type: "url", name: "url", placeholder: "https://receiver.example/scim-events (empty: the receiver polls)" });
  const format = select([["set", "SET (RFC 8417, signed JWT)"], ["webhook", "Webhook (JSON, HMAC-signed)"]], "set", { name: "format" });
  const types = h("input", { type: "text", name: "eventTypes", placeholder: "* or member.create, team.delete, …" });
  const add = h("button.primary", { type: "submit" }, "Register");
  const form = h("form", { on: { submit: (e) => { e.preventDefault(); busy(add, msg, async () => {
    const eventTypes = types.value.split(",").map((s) => s.trim()).filter(Boolean);
    const out = await post("/event-receivers", { url: url.value.trim() || null, format: format.value, ...(eventTypes.length ? { eventTypes } : {}) });
    msg.ok("Registered. Its secret is shown once: copy it now.");
    const secret = h("code", {}, out.secret);
    const cp = h("button", { type: "button" }, "Copy secret");
    cp.addEventListener("click", () => copy(out.secret, msg));
    detail.replaceChildren(section("New receiver's secret", secret, cp));
    url.value = ""; types.value = ""; await reload();
  }); } } }, field("URL", url), field("Format", format), field("Event types", types), h("div.field", {}, add));

  await reload();
  return h("div", {}, section("Register a receiver", form), msg.el, list, detail);
}
