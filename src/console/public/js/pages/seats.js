// Seat usage: active members per product and seat type, against the limits (GET /seats).
import { get } from "../api.js";
import { h, section, table } from "../ui.js";

export async function render() {
  const s = await get("/seats");
  const lim = (n) => (n === null || n === undefined ? "no limit" : String(n));
  return h("div", {},
    section("Models", table(["Seat", "In use", "Limit"], [
      h("tr", {}, h("td", {}, "Full"), h("td", {}, String(s.models.full)), h("td", {}, lim(s.limits.fullModels))),
      h("tr", {}, h("td", {}, "Viewer"), h("td", {}, String(s.models.viewer)), h("td", {}, lim(s.limits.viewerModels))),
      h("tr", {}, h("td", {}, "None"), h("td", {}, String(s.models.none)), h("td", {}, "—"))], "Models seats")),
    section("Weave", table(["Access", "Members"], ["full", "viewer", "none"].map((k) => h("tr", {}, h("td", {}, k), h("td", {}, String(s.weave[k])))), "Weave access")),
    section("Org roles", table(["Role", "Members"], ["admin", "member", "viewer"].map((k) => h("tr", {}, h("td", {}, k), h("td", {}, String(s.orgRoles[k])))), "Org roles")),
    h("p.hint", {}, "Active members only; service accounts never take a seat. Limits are set on the Organization page."));
}
