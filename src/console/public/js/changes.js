// Destructive and transferring actions ask first, in the console's one confirmation dialog
// (people/confirm.js), saying what happens in a sentence. No rules live here.
import { confirmChange } from "./people/confirm.js";
import { h } from "./ui.js";

/** confirmAction({ title, body: "This cannot be undone.", confirm: "Delete team" }) → Promise<boolean>; the safe answer is the default. */
export const confirmAction = ({ title, body, confirm, danger = true }) => confirmChange({ title, body: h("p", {}, body), confirm, danger });
