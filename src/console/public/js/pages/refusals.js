// Refused sign-ins: who was turned away, when, at which door, and why (what an admin can change).
import { get, qs } from "../api.js";
import { busy, fmtTime, h, messageArea, table } from "../ui.js";

export async function render() {
  const msg = messageArea();
  const out = h("div.results", { tabindex: "0", role: "region", "aria-label": "Refused sign-ins" });
  const more = h("button", { type: "button" }, "Older refusals");
  const pager = h("div.pager");
  let before = null;
  async function load(append) {
    const page = await get(`/sign-ins/refused${qs({ limit: 50, before: append ? before : "" })}`);
    before = page.nextBefore;
    // Only while there are older ones (the button's CSS display would override the hidden attribute).
    pager.replaceChildren(...(before === null ? [] : [more]));
    const rows = page.refusals.map((r) => h("tr", {}, h("td", {}, fmtTime(r.at)), h("td", {}, r.who), h("td", {}, r.door), h("td", {}, r.reason)));
    if (append && out.querySelector("tbody")) out.querySelector("tbody").append(...rows);
    else out.replaceChildren(rows.length ? table(["When", "Who", "Door", "Reason"], rows, "Refused sign-ins") : h("p.empty", {}, "No sign-in was refused."));
  }
  more.addEventListener("click", () => busy(more, msg, () => load(true)));
  await load(false);
  return h("div", {}, h("p.hint", {}, "People turned away at sign-in (SSO, LDAP, e-mail link, invites). The reason says what an admin can change: seats and seat overflow on Seat usage and Organization, auto-provisioning, invites."), msg.el, out, pager);
}
