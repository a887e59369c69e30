// The billing admin (at most one per organization), chosen with the person picker. Making someone billing
// admin takes it from whoever has it now, so the change is confirmed and says from whom.
import { del, get, put } from "../api.js";
import { busy, h } from "../ui.js";
import { confirmChange } from "./confirm.js";
import { personLabel, personPicker } from "./person-picker.js";

export function billingAdminPanel(msg) {
  const now = h("p", {}, "Loading…");
  const give = h("button", { type: "button" }, "Make billing admin…");
  const take = h("button.danger", { type: "button", hidden: true }, "Remove billing admin…");
  let current = null;
  const picker = personPicker({ label: "New billing admin", filter: (m) => m.active && m.id !== current?.id, hint: "An active member; type part of a name, e-mail or user name." });

  async function refresh() {
    const { items } = await get("/members?billingAdmin=true&limit=1");
    current = items[0] ?? null;
    now.textContent = current ? `Billing admin: ${personLabel(current)}.` : "Nobody is the billing admin.";
    take.hidden = !current;
  }
  give.addEventListener("click", async () => {
    const who = picker.chosen();
    if (!who) { msg.error("Choose the new billing admin first: type part of their name and pick them from the list."); picker.input.focus(); return; }
    const ok = await confirmChange({
      title: `Make ${who.displayName || who.userName} the billing admin?`,
      body: h("p", {}, current ? `There is one billing admin: this takes it from ${current.displayName || current.userName}.` : "Nobody has it now."),
      confirm: "Make billing admin",
    });
    if (!ok) return;
    await busy(give, msg, async () => {
      await put(`/members/${who.id}/billing-admin`);
      msg.ok(`${who.displayName || who.userName} is now the billing admin${current ? ` (instead of ${current.displayName || current.userName})` : ""}.`);
      picker.clear();
      await refresh();
    });
  });
  take.addEventListener("click", async () => {
    if (!current) return;
    const ok = await confirmChange({ title: `Remove ${current.displayName || current.userName} as billing admin?`, body: h("p", {}, "The organization then has no billing admin."), confirm: "Remove billing admin", danger: true });
    if (!ok) return;
    await busy(take, msg, async () => { await del(`/members/${current.id}/billing-admin`); msg.ok(`${current.displayName || current.userName} is no longer the billing admin.`); await refresh(); });
  });
  // Asked when the panel is opened, not with every members page.
  const panel = h("details.panel.billing", {}, h("summary", {}, "Billing admin"), now, h("div.row.end", {}, picker.el, h("div.field", {}, give)), take);
  panel.addEventListener("toggle", () => { if (panel.open) refresh().catch((err) => { now.textContent = err.message; }); });
  return panel;
}
