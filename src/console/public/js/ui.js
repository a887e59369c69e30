// Small DOM helpers: elements, labelled fields, messages, loading states. No rules live here.

/** h("tag.class#id", {attrs, on: {click}}, ...children) */
export function h(spec, attrs = {}, ...children) {
  const [, tag, rest] = /^([a-z0-9]+)(.*)$/i.exec(spec) || [null, "div", ""];
  const el = document.createElement(tag);
  for (const m of rest.matchAll(/([.#])([\w-]+)/g)) {
    if (m[1] === ".") el.classList.add(m[2]);
    else el.id = m[2];
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

let idCounter = 0;
export const uid = (p = "f") => `${p}-${++idCounter}`;

/** A labelled control: <div class="field"><label for>…</label>control<p class="hint"></p></div> */
export function field(label, control, hint) {
  if (!control.id) control.id = uid();
  const hintEl = hint ? h("p.hint", { id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute("aria-describedby", hintEl.id);
  return h("div.field", {}, h("label", { for: control.id }, label), control, hintEl);
}

/** A checkbox with its label to the right, and an optional sentence under it. */
export function toggle(label, checked, sentence, attrs = {}) {
  const input = h("input", { type: "checkbox", id: uid("t"), checked, ...attrs });
  const hintEl = sentence ? h("p.hint", { id: `${input.id}-hint` }, sentence) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return { input, el: h("div.field.toggle", {}, h("label", { for: input.id }, input, " ", label), hintEl) };
}

export function select(options, value, attrs = {}) {
  const s = h("select", attrs);
  for (const o of options) {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    s.append(h("option", { value: v, selected: v === value }, text));
  }
  s.value = value ?? "";
  return s;
}

/** A message area: role=status for success, role=alert for problems. */
export function messageArea() {
  const el = h("div.message", { hidden: true });
  return {
    el,
    ok(text) { el.hidden = false; el.className = "message ok"; el.setAttribute("role", "status"); el.textContent = text; },
    error(text) { el.hidden = false; el.className = "message error"; el.setAttribute("role", "alert"); el.textContent = text; },
    clear() { el.hidden = true; el.textContent = ""; },
  };
}

/** Runs `fn` with the button disabled and marked busy; shows the API's detail on failure. */
export async function busy(button, msg, fn) {
  const label = button?.textContent;
  if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); button.textContent = "Working…"; }
  try {
    return await fn();
  } catch (err) {
    msg?.error(err.message);
    return undefined;
  } finally {
    if (button) { button.disabled = false; button.removeAttribute("aria-busy"); button.textContent = label; }
  }
}

export const loading = (what = "Loading…") => h("p.loading", { role: "status", "aria-live": "polite" }, h("span.spinner", { "aria-hidden": "true" }), " ", what);

export function table(headers, rows, caption) {
  return h("table", {}, caption ? h("caption.visually-hidden", {}, caption) : null,
    h("thead", {}, h("tr", {}, headers.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows));
}

export const fmtTime = (iso) => (iso ? new Date(iso).toLocaleString() : "—");

/** Copies text and says so in `msg`. */
export async function copy(text, msg) {
  try { await navigator.clipboard.writeText(text); msg?.ok("Copied to the clipboard."); } catch { msg?.error("Copying failed; select the text and copy it by hand."); }
}

export function section(title, ...children) {
  return h("section.panel", { "aria-label": title }, h("h2", {}, title), ...children);
}

// A success said across a page reload (the page's own message area is rebuilt by it).
let flashed = null;
export function flash(text) { flashed = text; }
export function takeFlash() { const t = flashed; flashed = null; return t; }
