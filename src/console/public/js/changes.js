// Changes that cannot surprise: nothing saves by itself. A choice in a table is saved
// only by its Save button (Cancel puts it back; after saving, Undo puts the old value
// back); destructive and transferring actions ask first, in a dialog that says what
// happens. Focus stays where the person was. No rules live here.
import { h } from "./ui.js";

/**
 * Asks before a destructive or transferring action; resolves true when confirmed.
 * `body`: what will happen, in words ("This takes it from Ada Lovelace.").
 */
export function confirmAction({ title, body, confirm, danger = true }) {
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const yes = h(danger ? "button.primary.danger-fill" : "button.primary", { type: "button" }, confirm);
    const no = h("button", { type: "button" }, "Cancel");
    const titleId = `confirm-${Date.now()}`;
    const dialog = h("dialog.confirm", { "aria-labelledby": titleId },
      h("h2", { id: titleId }, title), h("p", {}, body), h("div.actions", {}, yes, no));
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(answer);
    };
    yes.addEventListener("click", () => done(true));
    no.addEventListener("click", () => done(false));
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    no.focus(); // the safe answer is the default
  });
}

/**
 * A select whose change is saved only on Save: `save(value)` does it (throws the
 * API's refusal); on a refusal the select shows the saved value again. After a
 * save, `msg` says so with an Undo button that saves the previous value.
 * `disabledReasons`: option value → why it is not allowed (shown, option disabled).
 */
export function pendingSelect(select, { save, say, msg, disabledReasons = {} }) {
  let saved = select.value;
  for (const o of select.options) {
    const why = disabledReasons[o.value];
    if (why && o.value !== saved) { o.disabled = true; o.textContent = `${o.textContent} (not available)`; o.title = why; }
  }
  const label = select.getAttribute("aria-label") ?? "";
  const ok = h("button.small.primary", { type: "button", hidden: true, "aria-label": `Save ${label}` }, "Save");
  const cancel = h("button.small", { type: "button", hidden: true, "aria-label": `Cancel ${label}` }, "Cancel");
  const show = (pending) => { ok.hidden = !pending; cancel.hidden = !pending; select.classList.toggle("pending", pending); };
  select.addEventListener("change", () => show(select.value !== saved));
  cancel.addEventListener("click", () => { select.value = saved; show(false); select.focus(); });
  async function commit(value, previous) {
    msg.clear();
    ok.disabled = true; select.disabled = true;
    try {
      await save(value);
      saved = value; select.value = value;
      show(false);
      const undo = previous === undefined ? null : h("button.small", { type: "button" }, "Undo");
      undo?.addEventListener("click", () => commit(previous, undefined));
      msg.okWith(say(value), undo);
    } catch (err) {
      select.value = saved; // a refused change puts the control back
      show(false);
      msg.error(err.message);
    } finally {
      ok.disabled = false; select.disabled = false;
      select.focus();
    }
  }
  ok.addEventListener("click", () => commit(select.value, saved));
  return h("span.pending-select", {}, select, ok, cancel);
}
