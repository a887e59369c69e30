// /invites/accept?token=…: who invited you where; sign in (the invite's org doors, or a link to the invite's address), then accept.
import { api, ApiError, setCsrf } from "./api.js";
import { methodsView } from "./signin-methods.js";
import { h, messageArea } from "./ui.js";

async function start() {
  const box = document.getElementById("invite");
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const res = await fetch(`/admin/api/invite?token=${encodeURIComponent(token)}`, { headers: { Accept: "application/json" } });
  const inv = await res.json().catch(() => ({}));
  const msg = messageArea();
  if (!res.ok) { msg.error(inv.detail ?? "this invite link is not valid"); box.replaceChildren(msg.el); return; }
  document.querySelector("h1").textContent = `Join ${inv.org.name}`;
  let me = null;
  try { me = await api("GET", "/me"); } catch (err) { if (!(err instanceof ApiError) || err.status !== 401) { msg.error(err.message); } }
  if (!me) {
    if (inv.status !== "pending") { msg.error(`This invite is ${inv.status}; ask an admin of ${inv.org.name} for a new one.`); box.replaceChildren(msg.el); return; }
    // A link by e-mail joins through the invite and lands in the console; the other doors come back here to accept.
    const views = methodsView({ ...inv, email: null }, location.pathname + location.search);
    const noDoor = !inv.oidc && !inv.ldap;
    box.replaceChildren(h("p", {}, `You are invited to join ${inv.org.name} as ${inv.orgRole}. Sign in to accept.`), ...(noDoor ? [] : views),
      ...methodsView({ org: inv.org, email: inv.email }, "/admin/", token), msg.el);
    return;
  }
  setCsrf(me.csrfToken);
  const go = h("a.button.primary", { href: "/admin/" }, "Open the console");
  try {
    await api("POST", "/invites/accept", { token });
    box.replaceChildren(h("p.message.ok", { role: "status" }, `Welcome: you are a member of ${inv.org.name}.`), go);
  } catch (err) {
    if (me.org.name === inv.org.name && inv.status === "accepted") box.replaceChildren(h("p.message.ok", { role: "status" }, `Welcome: you are a member of ${inv.org.name}.`), go);
    else { msg.error(err.message); box.replaceChildren(msg.el, go); }
  }
}
start();
