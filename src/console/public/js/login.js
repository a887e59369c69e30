// The sign-in page: the org's configured doors (OIDC button, LDAP form). ?org=<slug> names the org (its name works too).
import { methodsView } from "./signin-methods.js";
import { field, h } from "./ui.js";

async function start() {
  const box = document.getElementById("methods");
  const params = new URLSearchParams(location.search);
  const org = params.get("org") ?? "";
  const res = await fetch(`/admin/api/sign-in-methods${org ? `?org=${encodeURIComponent(org)}` : ""}`, { headers: { Accept: "application/json" } });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) {
    const name = h("input", { type: "text", name: "org", value: org, required: true, autocomplete: "organization" });
    box.replaceChildren(
      org ? h("p.message.error", { role: "alert" }, data.detail ?? "this organization cannot be found") : null,
      h("form", { method: "get", action: "/admin/login" }, field("Organization", name), h("button.primary", { type: "submit" }, "Continue")));
    return;
  }
  document.querySelector("h1").textContent = `Sign in to ${data.org.name}`;
  box.replaceChildren(...methodsView(data, params.get("returnTo") || "/admin/"));
}
start();
