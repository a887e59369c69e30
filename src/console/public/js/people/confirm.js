// One confirmation for a destructive or far-reaching change: a modal <dialog> (focus moves in, Escape cancels,
// focus returns to where the person was). Resolves true only for the confirming button.
import { h } from "../ui.js";

/** confirmChange({ title, body: string | Node[], confirm: "Remove 3 members", danger }) → Promise<boolean> */
export function confirmChange({ title, body, confirm, danger = false }) {
  const before = document.activeElement;
  return new Promise((resolve) => {
    const yes = h(danger ? "button.primary.danger-fill" : "button.primary", { type: "button" }, confirm);
    const no = h("button", { type: "button" }, "Cancel");
    const heading = h("h2", { id: "confirm-title" }, title);
    const dialog = h("dialog.confirm", { "aria-labelledby": "confirm-title" }, heading,
      h("div.confirm-body", {}, body), h("div.actions", {}, yes, no));
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      if (before instanceof HTMLElement && before.isConnected) before.focus();
      resolve(answer);
    };
    yes.addEventListener("click", () => done(true));
    no.addEventListener("click", () => done(false));
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); done(false); });
    document.body.append(dialog);
    dialog.showModal();
    no.focus();
  });
}
