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
  const defaultTeam = select([["", "No default team"], ...teams.map((t) => [t.id, t.name])], org.defaultTeamId ?? "", { name: "defaultTeamId" });
  const joining = toggle("Team joining at sign-up", org.teamJoiningAtSignup,
    "New people from your verified domains are offered the teams that have domain matching on.", { name: "teamJoiningAtSignup" });
  const limit = (v, n) => h("input", { type: "number", min: "0", step: "1", name: n, value: v ?? "", placeholder: "no limit", inputMode: "numeric" });
  const fullLimit = limit(org.fullModelsSeatLimit, "fullModelsSeatLimit");
  const viewerLimit = limit(org.viewerModelsSeatLimit, "viewerModelsSeatLimit");
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
        if (!Object.keys(change).length) { msg.ok("Nothing changed."); return; }
        busy(save, msg, async () => {
          Object.assign(org, await patch("/org", change));
          document.getElementById("org-name").textContent = org.name;
          msg.ok("Saved.");
        });
      },
    },
  },
  section("Sign-up", auto.el, field("Default team", defaultTeam, "New people from a verified domain of yours also join this team (as team member). Invited people do not."), joining.el),
  section("Organization", field("Name", name), field("Plan", plan, "Set by the operator of this deployment (rollcall org set-plan). Viewer role, View-Only team role and custom roles need Enterprise.")),
  section("Seat limits", h("div.row", {}, field("Full Models seats", fullLimit), field("Viewer Models seats", viewerLimit)), h("p.hint", {}, "Leave empty for no limit.")),
  h("div.actions", {}, save), msg.el);
  return form;
}
