/**
 * The pages a sign-in door answers a browser with (refusals, "check your
 * inbox", the e-mail link's confirmation): the console's look (console.css,
 * the centred card), no scripts, every text escaped. A refusal says what
 * happened, what to do and whom to ask, with a way back to sign-in.
 */
import type { Response } from "express";
import { escapeHtml as esc } from "../http/html-page.ts";
import { requestIdOf } from "../http/problems.ts";

export { esc };

export interface PageOptions {
  title: string;
  /** plain text paragraphs */
  lines?: string[];
  /** the main message, shown as an error or a confirmation */
  message?: { kind: "error" | "ok"; text: string };
  /** trusted HTML built by the caller from escaped parts (a form) */
  html?: string;
  links?: { href: string; label: string }[];
  /** shown small at the bottom, so a person can quote it to an operator */
  requestId?: string | null;
}

export function pageHtml(o: PageOptions): string {
  const message = o.message ? `<p class="message ${o.message.kind}" role="${o.message.kind === "error" ? "alert" : "status"}">${esc(o.message.text)}</p>` : "";
  const lines = (o.lines ?? []).map((l) => `<p>${esc(l)}</p>`).join("");
  const links = o.links?.length ? `<p class="actions">${o.links.map((l, i) => `<a class="button${i === 0 ? " primary" : ""}" href="${esc(l.href)}">${esc(l.label)}</a>`).join("")}</p>` : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(o.title)} · Rollcall</title><link rel="stylesheet" href="/admin/console.css"></head>` +
    `<body class="center"><main class="card" id="main"><h1>${esc(o.title)}</h1>${message}${lines}${o.html ?? ""}${links}` +
    (o.requestId ? `<p class="muted"><small>Reference: <code>${esc(o.requestId)}</code></small></p>` : "") + `</main></body></html>`;
}

export function sendPage(res: Response, status: number, o: PageOptions): void {
  res.status(status).set("Cache-Control", "no-store").type("html").send(pageHtml({ requestId: requestIdOf(res), ...o }));
}

/** A sentence as a person reads it: a capital first word (never an org's own name), a full stop at the end. */
const sentence = (t: string): string => {
  const s = t.trim();
  if (!s) return s;
  const first = /^(your|the|this|you|no|too|sign-in|seat|a|an|only|there|we|it|its|that)\b/.test(s);
  return (first ? s.charAt(0).toUpperCase() + s.slice(1) : s) + (/[.!?]$/.test(s) ? "" : ".");
};

/** What a person can do after a failure of this status, and whom to ask. */
function whatToDo(status: number): string[] {
  if (status === 403 || status === 409)
    return ["Only an admin of your organization can change this: ask them, and tell them what this page says. They see refused sign-ins in the Rollcall console under “Refused sign-ins”, with the reason and the time."];
  if (status === 429) return ["Wait a few minutes, then sign in again."];
  if (status === 404) return ["Check the sign-in address with an admin of your organization: this organization has no such sign-in here."];
  if (status >= 500) return ["Try again in a few minutes. If it keeps happening, tell an admin of your organization and give them the reference below."];
  return ["Start the sign-in again. If it fails again, ask an admin of your organization."];
}

/**
 * A refused or failed sign-in, for a person: what happened (the reason, which says
 * what an admin can do), what to do and whom to ask, and a way back to sign-in. A
 * refusal (403, 404, 409, 429) shows no ids: an admin finds it under "Refused sign-ins";
 * a broken request or a server failure shows a reference (the request id) to quote.
 */
export function failurePageHtml(f: { status: number; title: string; detail: string; retryUrl?: string; signInUrl?: string; requestId?: string | null }): string {
  const links = [
    ...(f.retryUrl ? [{ href: f.retryUrl, label: "Try again" }] : []),
    ...(f.signInUrl && f.signInUrl !== f.retryUrl ? [{ href: f.signInUrl, label: "Back to sign-in" }] : []),
  ];
  return pageHtml({
    title: f.title,
    message: { kind: "error", text: sentence(f.detail) },
    html: `<h2>What you can do</h2>${whatToDo(f.status).map((l) => `<p>${esc(l)}</p>`).join("")}`,
    links,
    requestId: [403, 404, 409, 429].includes(f.status) ? null : f.requestId,
  });
}
