// A member's own view: profile, teams, teams offered at sign-up (GET /me, /me/joinable-teams).
import { get, post } from "../api.js";
import { busy, h, messageArea, section, table } from "../ui.js";

export async function render({ me, reload }) {
  const fresh = await get("/me");
  const { teams: joinable } = await get("/me/joinable-teams");
  const msg = messageArea();
  const m = fresh.member;
  const dl = (pairs) => h("dl.props", {}, pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
  return h("div", {},
    section("Profile", dl([["User name", m.userName], ["Name", m.displayName ?? "—"], ["E-mail", m.email ? `${m.email}${m.emailVerified ? " (verified)" : ""}` : "—"],
      ["Organization", fresh.org.name], ["Org role", m.orgRole], ["Models seat", m.modelsSeat], ["Weave access", m.weaveRole]])),
    section("My teams", fresh.teams.length ? table(["Team", "Role"], fresh.teams.map((t) => h("tr", {}, h("td", {}, t.name), h("td", {}, t.role))), "My teams") : h("p.empty", {}, "You are in no team yet.")),
    section("Teams you can join", joinable.length
      ? table(["Team", ""], joinable.map((t) => {
        const b = h("button.small", { type: "button" }, `Join ${t.name}`);
        b.addEventListener("click", () => busy(b, msg, async () => { await post(`/me/joinable-teams/${t.id}/join`); msg.ok(`You joined ${t.name}.`); await reload(); }));
        return h("tr", {}, h("td", {}, t.name), h("td", {}, b));
      }), "Teams you can join")
      : h("p.empty", {}, "No teams are offered to you.")),
    msg.el);
}
