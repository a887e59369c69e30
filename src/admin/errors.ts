/** Admin API errors as application/problem+json (RFC 9457); the status comes from src/http/problems.ts. */
import type { NextFunction, Request, Response } from "express";
import type { InvalidParam } from "../org/errors.ts";
import { HttpProblem, problemOf, sendProblem, titleOf } from "../http/problems.ts";

/** `detail` is plain words for a person; `params` names the fields for API clients (`invalid-params`). */
export class ProblemError extends HttpProblem {
  constructor(status: number, title: string, detail: string, params?: InvalidParam[]) {
    super(status, detail, { title, params });
    this.name = "ProblemError";
  }
}

export const badInput = (detail: string, params?: InvalidParam[]) => new ProblemError(400, titleOf(400), detail, params);

export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  const p = problemOf(err);
  return new ProblemError(p.status, p.title, p.detail, p.params);
}

export function problemHandler(log: (msg: string, err: unknown) => void) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const p = problemOf(err);
    if (p.status >= 500) log("unhandled error in admin API request", err);
    sendProblem(res, p);
  };
}
