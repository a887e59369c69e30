// Organization: name, plan (shown, not editable: the operator sets it), seat limits, auto-provisioning, default team, team joining at sign-up (PATCH /org).
import { get, patch } from "../api.js";
import { busy, field, h, messageArea, section, select, toggle } from "../ui.js";

export const AUTO_PROVISIONING_SENTENCE = "People who sign in with SSO and are not members yet join as Member";

export async function render() {
  const [org, { teams }] = await Promise.all([get("/org"), get("/teams")]);
  const msg = messageArea();
  const name = h("input", { type: "text", name: "name", value: org.name, required: true, autocomplete: "off" });
  const plan = h("output", { name: "plan" }, org.plan === "enterprise" ? "Enterprise" : "Standard");
  const auto = toggle("Auto-provisioning", org.autoProvisioning,
    `${AUTO_PROVISIONING_SENTENCE}. When off, only invited people (and people your identity provider pushes over SCIM) get in.`, { name: "autoProvisioning" });
  // Only a team with domain matching on can be the default team (the server refuses others).
  const candidates = teams.filter((t) => t.domainMatching || t.id === org.defaultTeamId);
  const defaultTeam = select([["", "No default team"], ...candidates.map((t) => [t.id, t.name])], org.defaultTeamId ?? "", { name: "defaultTeamId" });
  const joining = toggle("Team joining at sign-up", org.teamJoiningAtSignup,
    "New people from your verified domains are offered the teams that have domain matching on.", { name: "teamJoiningAtSignup" });
  const limit = (v, n) => h("input", { type: "number", min: "0", step: "1", name: n, value: v ?? "", placeholder: "no limit", inputMode: "numeric" });
  const fullLimit = limit(org.fullModelsSeatLimit, "fullModelsSeatLimit");
  const viewerLimit = limit(org.viewerModelsSeatLimit, "viewerModelsSeatLimit");
  const emailLink = toggle("Sign-in by e-mail link", org.emailLinkSignIn,
    "Anyone can ask for a one-time sign-in link to their address on the sign-in page. Invited people can always accept with one.", { name: "emailLinkSignIn" });
  const overflow = select([["refuse", "Refuse the sign-in"], ["no-seat", "Let them join without a Models seat"]], org.seatOverflow, { name: "seatOverflow" });
  const save = h("button.primary", { type: "submit" }, "Save changes");
  const num = (input) => (input.value.trim() === "" ? null : Number(input.value));

  const form = h("form", {
    on: {
      submit: (e) => {
        e.preventDefault();
        msg.clear();
        const change = {};
        if (name.value !== org.name) change.name = name.value;
        if (auto.input.checked !== org.autoProvisioning) change.autoProvisioning = auto.input.checked;
        if ((defaultTeam.value || null) !== org.defaultTeamId) change.defaultTeamId = defaultTeam.value || null;
        if (joining.input.checked !== org.teamJoiningAtSignup) change.teamJoiningAtSignup = joining.input.checked;
        if (num(fullLimit) !== org.fullModelsSeatLimit) change.fullModelsSeatLimit = num(fullLimit);
        if (num(viewerLimit) !== org.viewerModelsSeatLimit) change.viewerModelsSeatLimit = num(viewerLimit);
        if (emailLink.input.checked !== org.emailLinkSignIn) change.emailLinkSignIn = emailLink.input.checked;
        if (overflow.value !== org.seatOverflow) change.seatOverflow = overflow.value;
        if (!Object.keys(change).length) { msg.ok("Nothing changed."); return; }
        busy(save, msg, async () => {
          Object.assign(org, await patch("/org", change));
          document.getElementById("org-name").textContent = org.name;
          msg.ok("Saved.");
        });
      },
    },
  },
  section("Sign-up", auto.el, field("Default team", defaultTeam, "New people from a verified domain of yours also join this team (as team member). Invited people do not. Only teams with domain matching on are listed."), joining.el, emailLink.el),
  section("Organization", field("Name", name, `Renaming changes no address: sign-in and console URLs use the stable address "${org.slug}", and old names redirect.`), field("Plan", plan, "Set by the operator of this deployment (rollcall org set-plan). Viewer role, View-Only team role and custom roles need Enterprise.")),
  section("Seat limits", h("div.row", {}, field("Full Models seats", fullLimit), field("Viewer Models seats", viewerLimit)), h("p.hint", {}, "Leave empty for no limit."),
    field("When the full Models seats are used up, a new person signing in", overflow, "Joining without a seat: they get in with no Models seat (No-Access), and you can give them one later. Refusals are listed under Refused sign-ins.")),
  h("div.actions", {}, save), msg.el);
  return form;
}
