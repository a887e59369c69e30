// Invites: send (e-mail or user name, org role, a role per team, seats), list with teams and status, resend, revoke.
import { del, get, post, qs } from "../api.js";
import { busy, field, fmtTime, h, messageArea, section, select, table } from "../ui.js";

export async function render({ reload }) {
  const statusF = new URLSearchParams(location.hash.split("?")[1] ?? "").get("status") ?? "";
  const [{ invites }, { teams }, customRoles] = await Promise.all([get(`/invites${qs({ status: statusF })}`), get("/teams"), get("/roles").then((r) => r.items ?? [], () => [])]);
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const msg = messageArea();
  const email = h("input", { type: "email", name: "email", autocomplete: "off", placeholder: "person@example.com" });
  const userName = h("input", { type: "text", name: "userName", autocomplete: "off" });
  const role = select([["member", "Member"], ["admin", "Admin"], ["viewer", "Viewer"]], "member", { name: "orgRole" });
  // One role choice per team: not invited, or a team role (custom roles included).
  const roleChoices = [["", "—"], ["member", "Member"], ["admin", "Admin"], ["view-only", "View-Only"], ...customRoles.map((r) => [r.name, `${r.name} (custom)`])];
  const teamRoles = teams.map((t) => ({ id: t.id, pick: select(roleChoices, "", { name: `teamRole-${t.id}`, "aria-label": `Role in team ${t.name}` }) }));
  const teamTable = teams.length ? table(["Team", "Team role"], teamRoles.map((r) => h("tr", {}, h("td", {}, teamName.get(r.id)), h("td", {}, r.pick))), "Teams and roles") : null;
  const seats = [["full", "Full"], ["viewer", "Viewer"], ["none", "None"]];
  const modelsSeat = select([["", "By org role"], ...seats], "", { name: "modelsSeat" });
  const weaveRole = select([["", "By org role"], ...seats], "", { name: "weaveRole" });
  const send = h("button.primary", { type: "submit" }, "Send invite");
  const form = h("form", { on: { submit: (e) => { e.preventDefault(); busy(send, msg, async () => {
    const body = { orgRole: role.value, teamRoles: teamRoles.filter((r) => r.pick.value).map((r) => ({ teamId: r.id, role: r.pick.value })) };
    if (modelsSeat.value) body.modelsSeat = modelsSeat.value;
    if (weaveRole.value) body.weaveRole = weaveRole.value;
    if (email.value.trim()) body.email = email.value.trim();
    if (userName.value.trim()) body.userName = userName.value.trim();
    const inv = await post("/invites", body);
    await reload();
    document.querySelector("#main .message")?.remove();
    const note = inv.delivery?.sent ? `Invite sent to ${inv.email ?? inv.userName}.` : `Invite created for ${inv.email ?? inv.userName}; no e-mail was sent (the link is in the server log).`;
    document.querySelector("#main h1")?.after(h("p.message.ok", { role: "status" }, note));
  }); } } },
  h("div.row", {}, field("E-mail", email), field("or user name", userName), field("Org role", role), field("Models seat", modelsSeat), field("Weave access", weaveRole)),
  teamTable, send);

  const filter = select([["", "All"], ["pending", "Pending"], ["accepted", "Accepted"], ["revoked", "Revoked"], ["expired", "Expired"]], statusF, { "aria-label": "Invite status" });
  filter.addEventListener("change", () => { location.hash = `#/invites${filter.value ? `?status=${filter.value}` : ""}`; });
  const rows = invites.map((i) => {
    const resend = h("button.small", { type: "button" }, "Resend");
    resend.addEventListener("click", () => busy(resend, msg, async () => { await post(`/invites/${i.id}/resend`); msg.ok("Sent again with a new link (the old one stops working)."); }));
    const revoke = h("button.small.danger", { type: "button" }, "Revoke");
    revoke.addEventListener("click", () => busy(revoke, msg, async () => { await del(`/invites/${i.id}`); await reload(); }));
    const live = i.status === "pending" || i.status === "expired";
    const teamsText = (i.teamRoles ?? []).map((g) => `${teamName.get(g.teamId) ?? g.teamId} (${g.role})`).join(", ");
    return h("tr", {}, h("td", {}, i.email ?? i.userName ?? ""), h("td", {}, i.orgRole), h("td", {}, teamsText || "—"), h("td", {}, `Models ${i.modelsSeat}, Weave ${i.weaveRole}`), h("td", {}, i.status), h("td", {}, fmtTime(i.expiresAt)), h("td.actions", {}, live ? resend : null, i.status === "pending" ? revoke : null));
  });
  return h("div", {}, section("Send an invite", form), msg.el,
    section("Invites", field("Status", filter), invites.length ? table(["Who", "Role", "Teams", "Seats", "Status", "Expires", ""], rows, "Invites") : h("p.empty", {}, "No invites.")));
}
