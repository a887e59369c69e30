// Invites: send (e-mail or user name, org role, a role per team, seats), list with teams and status, resend, revoke.
// The form and its message stay on the page (the list refreshes in place), so every send, resend and
// refusal is answered; a link that was not mailed is shown to copy; revoking asks first.
import { del, get, post, qs } from "../api.js";
import { confirmAction } from "../changes.js";
import { busy, copy, field, fmtTime, h, messageArea, section, select, table } from "../ui.js";

const ROLE_WORDS = { admin: "Admin", member: "Member", viewer: "Viewer", "view-only": "View-Only" };
const SEAT_WORDS = { full: "Full", viewer: "Viewer", none: "None" };
const STATUS_WORDS = { pending: "Pending", accepted: "Accepted", revoked: "Revoked", expired: "Expired" };

/** Disables the options the server says are not allowed, and shows why under the field. */
function disableWithReason(sel, reasons) {
  const why = [];
  for (const o of sel.options) if (reasons[o.value]) { o.disabled = true; o.textContent = `${o.textContent} (not available)`; why.push(reasons[o.value]); }
  return why.length ? h("p.why", {}, [...new Set(why)].join(" ")) : null;
}

/** The invite link, to hand over by hand when no e-mail went out. */
function linkBox(who, delivery, msg) {
  const b = h("button.small", { type: "button" }, "Copy link");
  b.addEventListener("click", () => copy(delivery.link, msg));
  const why = delivery.via === "log" ? "This server sends no e-mail" : delivery.error ? "The mail server did not take the message" : "No e-mail address is known for them";
  return h("div.keybox", { role: "status" }, h("strong", {}, `${why}: give ${who} this link yourself (shown once): `), h("code", {}, delivery.link), b);
}

export async function render({ me }) {
  const statusF = new URLSearchParams(location.hash.split("?")[1] ?? "").get("status") ?? "";
  const [{ teams }, customRoles] = await Promise.all([get("/teams"), get("/roles").then((r) => r.items ?? [], () => [])]);
  const un = me.unavailable ?? {};
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const msg = messageArea(); const shown = h("div");
  const email = h("input", { type: "email", name: "email", autocomplete: "off", placeholder: "person@example.com" });
  const userName = h("input", { type: "text", name: "userName", autocomplete: "off" });
  const role = select([["member", "Member"], ["admin", "Admin"], ["viewer", "Viewer"]], "member", { name: "orgRole" });
  const roleWhy = disableWithReason(role, { viewer: un["orgRole:viewer"] });
  // One role choice per team: not invited, or a team role (custom roles included).
  const roleChoices = [["", "—"], ["member", "Member"], ["admin", "Admin"], ["view-only", "View-Only"], ...customRoles.map((r) => [r.name, `${r.name} (custom)`])];
  const teamReasons = { "view-only": un["teamRole:view-only"], ...Object.fromEntries(customRoles.map((r) => [r.name, un.customRoles])) };
  const teamRoles = teams.map((t) => ({ id: t.id, pick: select(roleChoices, "", { name: `teamRole-${t.id}`, "aria-label": `Role in team ${t.name}` }) }));
  const teamWhy = teamRoles.map((r) => disableWithReason(r.pick, teamReasons)).find(Boolean) ?? null;
  const teamTable = teams.length ? table(["Team", "Team role"], teamRoles.map((r) => h("tr", {}, h("td", {}, teamName.get(r.id)), h("td", {}, r.pick))), "Teams and roles") : null;
  const seats = [["full", "Full"], ["viewer", "Viewer"], ["none", "None"]];
  const modelsSeat = select([["", "By org role"], ...seats], "", { name: "modelsSeat" });
  const weaveRole = select([["", "By org role"], ...seats], "", { name: "weaveRole" });
  const send = h("button.primary", { type: "submit" }, "Send invite");
  const list = h("div");
  const whoOf = (i) => i.email ?? i.userName ?? "them";

  function answer(verb, inv) {
    shown.replaceChildren();
    const who = whoOf(inv);
    if (inv.delivery?.sent) msg.ok(`${verb} ${who}.`);
    else { msg.ok(`${verb === "Invite sent to" ? "Invite created for" : "New link made for"} ${who}; no e-mail went out.`); if (inv.delivery?.link) shown.replaceChildren(linkBox(who, inv.delivery, msg)); }
  }

  const form = h("form", { on: { submit: (e) => { e.preventDefault(); msg.clear(); busy(send, msg, async () => {
    const body = { orgRole: role.value, teamRoles: teamRoles.filter((r) => r.pick.value).map((r) => ({ teamId: r.id, role: r.pick.value })) };
    if (modelsSeat.value) body.modelsSeat = modelsSeat.value;
    if (weaveRole.value) body.weaveRole = weaveRole.value;
    if (email.value.trim()) body.email = email.value.trim();
    if (userName.value.trim()) body.userName = userName.value.trim();
    const inv = await post("/invites", body);
    answer("Invite sent to", inv);
    await loadList();
  }); } } },
  h("div.row", {}, field("E-mail", email), field("or user name", userName), h("div", {}, field("Org role", role), roleWhy), field("Models seat", modelsSeat), field("Weave access", weaveRole)),
  teamTable, teamWhy, send);

  const filter = select([["", "All"], ["pending", "Pending"], ["accepted", "Accepted"], ["revoked", "Revoked"], ["expired", "Expired"]], statusF, { "aria-label": "Invite status" });
  filter.addEventListener("change", () => { history.replaceState(null, "", `#/invites${filter.value ? `?status=${filter.value}` : ""}`); busy(null, msg, loadList); });

  function row(i) {
    const who = whoOf(i);
    const resend = h("button.small", { type: "button", "aria-label": `Resend the invite to ${who}` }, "Resend");
    resend.addEventListener("click", () => { msg.clear(); busy(resend, msg, async () => {
      const inv = await post(`/invites/${i.id}/resend`);
      answer("Sent again, with a new link (the old one stops working), to", inv);
      await loadList();
    }); });
    const revoke = h("button.small.danger", { type: "button", "aria-label": `Revoke the invite to ${who}` }, "Revoke");
    revoke.addEventListener("click", async () => {
      msg.clear();
      if (!await confirmAction({ title: `Revoke the invite to ${who}?`, body: "Their link stops working at once. You can invite them again later.", confirm: "Revoke invite" })) return;
      busy(revoke, msg, async () => { await del(`/invites/${i.id}`); msg.ok(`The invite to ${who} is revoked.`); await loadList(); });
    });
    const live = i.status === "pending" || i.status === "expired";
    const teamsText = (i.teamRoles ?? []).map((g) => `${teamName.get(g.teamId) ?? "a deleted team"} (${g.role})`).join(", ");
    return h("tr", { dataset: { invite: who } }, h("td", {}, who), h("td", {}, ROLE_WORDS[i.orgRole] ?? i.orgRole), h("td", {}, teamsText || "—"),
      h("td", {}, `Models ${SEAT_WORDS[i.modelsSeat] ?? i.modelsSeat}, Weave ${SEAT_WORDS[i.weaveRole] ?? i.weaveRole}`), h("td", {}, STATUS_WORDS[i.status] ?? i.status),
      h("td", {}, fmtTime(i.expiresAt)), h("td.actions", {}, live ? resend : null, i.status === "pending" ? revoke : null));
  }

  async function loadList() {
    const { invites } = await get(`/invites${qs({ status: filter.value })}`);
    list.replaceChildren(invites.length ? table(["Who", "Org role", "Teams", "Seats", "Status", "Expires", ""], invites.map(row), "Invites") : h("p.empty", {}, "No invites."));
  }
  await loadList();
  return h("div", {}, section("Send an invite", form), msg.el, shown, section("Invites", field("Status", filter), list));
}
