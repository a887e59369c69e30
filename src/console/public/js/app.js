// The console shell: who is signed in (GET /api/v1/me), navigation by hash, one page at a time.
import { ApiError, get, setCsrf } from "./api.js";
import { h, loading, takeFlash } from "./ui.js";

// Each page with the action (decided by the server's access policy, GET /me → allowed) it needs.
const ALL_PAGES = [
  ["organization", "Organization", "org:change-settings"], ["members", "Members", "member:change-access"], ["domains", "Domains", "domains:manage"],
  ["teams", "Teams", "team:create"], ["roles", "Custom roles", "roles:manage"], ["role-mappings", "Role mappings", "role-mappings:manage"], ["service-accounts", "Service accounts", "service-accounts:list"],
  ["invites", "Invites", "invites:list"], ["scim", "SCIM", "scim:write"], ["sso", "SSO", "sso:manage"], ["audit", "Audit log", "audit:read"],
  ["events", "Events", "events:read"],
  ["refusals", "Refused sign-ins", "audit:read"], ["seats", "Seat usage", "seats:read"], ["profile", "My profile", "me:read"],
];
const MEMBER_PAGES = [["profile", "My profile"]];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
let me = null;
let pages = MEMBER_PAGES;

async function start() {
  try {
    me = await get("/me");
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) { location.replace("/admin/login"); return; }
    main.replaceChildren(h("p.message.error", { role: "alert" }, err.message));
    return;
  }
  setCsrf(me.csrfToken);
  const allowed = new Set(me.allowed ?? []);
  // The profile is a member's; the operator's session has none.
  pages = ALL_PAGES.filter(([id, , action]) => allowed.has(action) && (id !== "profile" || me.member)).map(([id, label]) => [id, label]);
  // Who does not run the organization lands on their profile.
  if (!allowed.has("org:change-settings")) pages.sort((a, b) => (b[0] === "profile") - (a[0] === "profile"));
  if (!pages.length) pages = MEMBER_PAGES;
  document.getElementById("org-name").textContent = me.org.name;
  document.getElementById("who").textContent = me.member ? `${me.member.displayName || me.member.userName} · ${me.member.orgRole}` : "operator";
  const out = document.getElementById("sign-out");
  out.hidden = false;
  out.addEventListener("click", async () => {
    await fetch("/auth/logout", { method: "POST", credentials: "same-origin" });
    location.replace(`/admin/login?org=${encodeURIComponent(me.org.slug ?? me.org.name)}`);
  });
  nav.replaceChildren(h("ul", {}, pages.map(([id, label]) => h("li", {}, h("a", { href: `#/${id}`, dataset: { page: id } }, label)))));
  window.addEventListener("hashchange", show);
  show();
}

// Only the latest navigation may render: an earlier, slower page load must not overwrite it.
let showing = 0;

async function show() {
  const turn = ++showing;
  // #/page or #/page/sub/path (a member page: #/members/<id>); the page gets the rest as `path`.
  const [wanted, ...path] = location.hash.replace(/^#\/?/, "").split("?")[0].split("/");
  const id = pages.some(([p]) => p === wanted) ? wanted : pages[0][0];
  if (id !== wanted) { history.replaceState(null, "", `#/${id}`); }
  for (const a of nav.querySelectorAll("a")) {
    if (a.dataset.page === id) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  }
  const label = pages.find(([p]) => p === id)[1];
  document.title = `${label} · Rollcall console`;
  main.replaceChildren(loading());
  try {
    const mod = await import(`./pages/${id}.js`);
    const el = await mod.render({ me, reload: show, path: id === wanted ? path.map(decodeURIComponent) : [] });
    if (turn !== showing) return;
    const said = takeFlash();
    // replaceChildren would show a null as the text "null": only nodes.
    main.replaceChildren(...[h("h1", {}, el.dataset.title ?? label), said ? h("p.message.ok", { role: "status" }, said) : null, el].filter(Boolean));
    if (el.dataset.title) document.title = `${el.dataset.title} · Rollcall console`;
  } catch (err) {
    if (turn !== showing) return;
    main.replaceChildren(h("h1", {}, label), h("p.message.error", { role: "alert" }, err.message));
  }
  main.focus({ preventScroll: true });
}

start();
