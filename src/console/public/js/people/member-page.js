// One member's page (#/members/<id>): org role and seats (explicit save, undo), teams with team roles (and where
// each came from, when the API says), open sessions, last sign-in, their own API keys and the newest audit events
// about or by them. Deactivation and removal ask first; for a member a directory manages they are disabled, with the
// server's reason (member.unavailable), before anyone clicks. Data: GET /members/{id}/overview.
import { del, get, patch } from "../api.js";
import { busy, field, fmtTime, h, messageArea, section, select, table, uid } from "../ui.js";
import { confirmChange } from "./confirm.js";

const ROLES = [["admin", "Admin"], ["member", "Member"], ["viewer", "Viewer"]];
const SEATS = [["full", "Full"], ["viewer", "Viewer"], ["none", "None"]];
const DOORS = { oidc: "single sign-on (OIDC)", ldap: "LDAP", email: "an e-mail link", invite: "an invite", scim: "the directory (SCIM)", admin: "the console or admin API", cli: "the operator's command line", sso: "sign-in" };
const sourceText = (s) => (typeof s === "string" ? s : s?.label ?? s?.name ?? s?.kind ?? s?.type ?? JSON.stringify(s));

export async function renderMemberPage({ me }, id) {
  const data = await get(`/members/${encodeURIComponent(id)}/overview`);
  const m = data.member;
  const name = m.displayName || m.userName;
  const msg = messageArea();
  const self = m.id === me.member?.id;
  const actorText = (a) => (a === `member:${m.id}` ? name : a === "operator" ? "the operator" : a.startsWith("key:") ? "an API key" : a.startsWith("member:") ? "another member" : a);

  // Access: nothing is saved until "Save changes"; a refusal puts the fields back to what is saved.
  const saved = { orgRole: m.orgRole, modelsSeat: m.modelsSeat, weaveRole: m.weaveRole };
  const controls = { orgRole: select(ROLES, m.orgRole), modelsSeat: select(SEATS, m.modelsSeat), weaveRole: select(SEATS, m.weaveRole) };
  const save = h("button.primary", { type: "submit", disabled: true }, "Save changes");
  const undo = h("button", { type: "button", disabled: true }, "Undo changes");
  const dirty = () => Object.entries(controls).some(([k, c]) => c.value !== saved[k]);
  const mark = () => { save.disabled = !dirty(); undo.disabled = !dirty(); };
  const reset = () => { for (const [k, c] of Object.entries(controls)) c.value = saved[k]; mark(); };
  for (const c of Object.values(controls)) c.addEventListener("change", mark);
  undo.addEventListener("click", () => { reset(); msg.clear(); controls.orgRole.focus(); });
  const accessForm = h("form.access", { on: { submit: (e) => { e.preventDefault(); busy(save, msg, async () => {
    const change = Object.fromEntries(Object.entries(controls).filter(([k, c]) => c.value !== saved[k]).map(([k, c]) => [k, c.value]));
    try {
      const after = await patch(`/members/${m.id}`, change);
      Object.assign(saved, { orgRole: after.orgRole, modelsSeat: after.modelsSeat, weaveRole: after.weaveRole });
      msg.ok(`Saved: ${name} is ${ROLES.find(([v]) => v === after.orgRole)[1]}, Models seat ${after.modelsSeat}, Weave access ${after.weaveRole}.`);
    } catch (err) { reset(); throw err; } finally { mark(); }
  }); } } },
  h("div.row", {}, field("Org role", controls.orgRole), field("Models seat", controls.modelsSeat), field("Weave access", controls.weaveRole)),
  h("div.actions", {}, save, undo));

  const toggleActive = h("button", { type: "button" }, m.active ? "Deactivate…" : "Reactivate");
  toggleActive.addEventListener("click", async () => {
    if (m.active && !(await confirmChange({ title: `Deactivate ${name}?`, body: h("p", {}, "Their sessions end and their own API keys stop working; an admin can reactivate them later."), confirm: "Deactivate", danger: true }))) return;
    await busy(toggleActive, msg, async () => {
      const after = await patch(`/members/${m.id}`, { active: !m.active });
      m.active = after.active;
      toggleActive.textContent = m.active ? "Deactivate…" : "Reactivate";
      status.textContent = m.active ? "Active" : "Inactive";
      msg.ok(m.active ? `${name} is active again.` : `${name} is deactivated.`);
    });
  });
  const remove = h("button.danger", { type: "button" }, "Remove from the organization…");
  remove.addEventListener("click", async () => {
    if (!(await confirmChange({ title: `Remove ${name}?`, body: h("p", {}, "They leave the organization and its teams; what they created stays."), confirm: `Remove ${name}`, danger: true }))) return;
    await busy(remove, msg, async () => { await del(`/members/${m.id}`); location.hash = "#/members"; });
  });

  // What the directory manages is changed there: the controls are disabled with the reason (the refusal's own words).
  const un = m.unavailable ?? {};
  const whys = [];
  for (const [button, reason] of [[toggleActive, un.active], [remove, un.remove]]) {
    if (!reason) continue;
    const why = h("p.why", { id: uid("why") }, reason);
    button.disabled = true;
    button.setAttribute("aria-describedby", why.id);
    whys.push(why);
  }
  const status = h("dd", {}, m.active ? "Active" : "Inactive");
  const last = data.lastSignIn ? `${fmtTime(data.lastSignIn.at)} through ${DOORS[data.lastSignIn.door] ?? data.lastSignIn.door}` : "Never signed in";
  const hasSources = data.teams.some((t) => t.sources) || (m.teams ?? []).some((t) => t.sources);
  const el = h("div.member-page", {},
    h("p", {}, h("a", { href: "#/members" }, "← All members")),
    msg.el,
    section("About", h("dl.props", {},
      h("dt", {}, "User name"), h("dd", {}, m.userName, self ? h("span.tag", {}, "you") : null),
      m.email && m.email.toLowerCase() !== m.userName.toLowerCase() ? [h("dt", {}, "E-mail"), h("dd", {}, m.email)] : null,
      h("dt", {}, "Status"), status,
      m.managedBy ? [h("dt", {}, "Managed by"), h("dd", {}, `the directory connection “${m.managedBy.name}”`, h("span.tag.managed", {}, "managed"))] : null,
      h("dt", {}, "Last sign-in"), h("dd", {}, last),
      h("dt", {}, "Member since"), h("dd", {}, fmtTime(m.createdAt)),
      h("dt", {}, "Billing admin"), h("dd", {}, m.billingAdmin ? "Yes" : "No"))),
    section("Access", accessForm, h("div.actions", {}, toggleActive, remove), whys),
    section("Teams", data.teams.length
      ? table(["Team", "Team role", "Since", ...(hasSources ? ["Granted by"] : [])], data.teams.map((t) => h("tr", {},
        h("td", {}, t.name), h("td", {}, t.role), h("td", {}, fmtTime(t.since)),
        hasSources ? h("td", {}, (t.sources ?? m.teams?.find((x) => x.id === t.id)?.sources ?? []).map(sourceText).join(", ")) : null)), `Teams of ${name}`)
      : h("p.empty", {}, "In no team.")),
    section("Sessions", data.sessions.length
      ? table(["Signed in through", "Ends"], data.sessions.map((s) => h("tr", {}, h("td", {}, DOORS[s.door] ?? "the operator's link"), h("td", {}, fmtTime(s.expiresAt)))), `Open sessions of ${name}`)
      : h("p.empty", {}, "No open sessions.")),
    section("API keys", data.keys.length
      ? table(["Key", "Label", "Created", "Last used", "Revoked"], data.keys.map((k) => h("tr", {}, h("td", {}, h("code", {}, `${k.prefix}…`)), h("td", {}, k.label ?? ""),
        h("td", {}, fmtTime(k.createdAt)), h("td", {}, fmtTime(k.lastUsedAt)), h("td", {}, k.revokedAt ? fmtTime(k.revokedAt) : "—"))), `API keys of ${name}`)
      : h("p.empty", {}, "No API keys of their own.")),
    section("Recent activity", data.events.length
      ? table(["When", "What", "By", "Through"], data.events.map((e) => h("tr", {}, h("td", {}, fmtTime(e.at)), h("td", {}, e.action), h("td", {}, actorText(e.actor)), h("td", {}, DOORS[e.door] ?? e.door))), `Audit events about or by ${name}`)
      : h("p.empty", {}, "Nothing recorded yet.")));
  el.dataset.title = name;
  return el;
}
