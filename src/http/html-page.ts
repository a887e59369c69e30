/** The small HTML pages the server renders itself (errors, link results), in the console's look, with the request id. */
import type { Response } from "express";
import { requestIdOf } from "./problems.ts";

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** `bodyHtml` is trusted markup (escape what goes into it); never cached: these pages answer one request. */
export function sendPage(res: Response, status: number, title: string, bodyHtml: string): void {
  if (res.headersSent) return;
  const requestId = requestIdOf(res);
  res.status(status).set("Cache-Control", "no-store").type("html").send(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)} · Rollcall</title><link rel="stylesheet" href="/admin/console.css"></head>` +
    `<body class="center"><main class="card"><h1>${escapeHtml(title)}</h1>${bodyHtml}` +
    (requestId ? `<p class="muted"><small>Request id: <code>${escapeHtml(requestId)}</code></small></p>` : "") +
    `</main></body></html>`);
}
