/**
 * The pages a sign-in door answers a browser with (refusals, "check your
 * inbox", the e-mail link's confirmation): the console's look (console.css,
 * the centred card), no scripts, every text escaped. A refusal names its
 * reason (which says what an admin can do) and that admins see it in the
 * console under "Refused sign-ins".
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
  const links = (o.links ?? []).map((l) => `<p><a href="${esc(l.href)}">${esc(l.label)}</a></p>`).join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${esc(o.title)} · Rollcall</title><link rel="stylesheet" href="/admin/console.css"></head>` +
    `<body class="center"><main class="card" id="main"><h1>${esc(o.title)}</h1>${message}${lines}${o.html ?? ""}${links}` +
    (o.requestId ? `<p class="muted"><small>Request id: <code>${esc(o.requestId)}</code></small></p>` : "") + `</main></body></html>`;
}

export function sendPage(res: Response, status: number, o: PageOptions): void {
  res.status(status).set("Cache-Control", "no-store").type("html").send(pageHtml({ requestId: requestIdOf(res), ...o }));
}

/** A refused or failed sign-in: the reason, what can be done, where to start again. */
export function failurePageHtml(f: { status: number; title: string; detail: string; retryUrl?: string; requestId?: string | null }): string {
  const refusedByRule = f.status === 403 || f.status === 409;
  return pageHtml({
    title: f.title,
    message: { kind: "error", text: f.detail },
    lines: refusedByRule
      ? ["Only an admin of the organization can change this; the message above says what they can do. Admins see refused sign-ins in the Rollcall console under “Refused sign-ins”."]
      : [],
    links: f.retryUrl ? [{ href: f.retryUrl, label: "Sign in again" }] : [],
    requestId: f.requestId,
  });
}
