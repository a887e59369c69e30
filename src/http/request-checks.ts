/**
 * Checks every request gets at the boundary, before any router: a URL whose path
 * does not percent-decode, and a NUL byte anywhere (URL or parsed body), are 400s.
 * No value of ours may hold NUL (PostgreSQL text cannot store it; SQLite would, so the
 * two databases would disagree), and refusing it here keeps it out of every door.
 *
 * @example
 * app.use(refuseBadUrls);                          // before the routers
 * router.use(express.json(), refuseNulInBody);     // right after a body parser
 */
import type { NextFunction, Request, Response } from "express";
import { HttpProblem } from "./problems.ts";

const NUL_ESCAPED = /%00/i;

export function refuseBadUrls(req: Request, _res: Response, next: NextFunction): void {
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf("?");
  const path = q < 0 ? url : url.slice(0, q);
  try {
    decodeURIComponent(path);
  } catch {
    next(new HttpProblem(400, "the URL path has a malformed percent-encoding", { scimType: "invalidValue" }));
    return;
  }
  if (NUL_ESCAPED.test(url)) { next(new HttpProblem(400, `the URL contains a NUL byte (%00) in its ${NUL_ESCAPED.test(path) ? "path" : "query"}; NUL is not allowed in any value`, { scimType: "invalidValue" })); return; }
  next();
}

/** Where in `value` a NUL character first occurs (a JSON-path-like label), or undefined. Iterative: depth cannot overflow it. */
export function findNul(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, ""]];
  while (stack.length) {
    const [v, at] = stack.pop()!;
    if (typeof v === "string") {
      if (v.includes("\u0000")) return at || "the body";
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${at}[${i}]`]);
      continue;
    }
    const entries = Object.entries(v);
    for (const [k] of entries) if (k.includes("\u0000")) return `a member name in ${at || "the body"}`;
    // reversed: the first member is looked at first, so the message names the first offender
    for (let i = entries.length - 1; i >= 0; i--) stack.push([entries[i]![1], at ? `${at}.${entries[i]![0]}` : entries[i]![0]]);
  }
  return undefined;
}

export function refuseNulInBody(req: Request, _res: Response, next: NextFunction): void {
  const found = req.body === undefined ? undefined : findNul(req.body);
  const at = found !== undefined && found.length > 200 ? `${found.slice(0, 200)}…` : found;
  if (at !== undefined) { next(new HttpProblem(400, `the request body contains a NUL character (\\u0000) in ${at}; NUL is not allowed in any value`, { scimType: "invalidValue" })); return; }
  next();
}
