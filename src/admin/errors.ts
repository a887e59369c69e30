/** Admin API errors as application/problem+json (RFC 9457); the status comes from src/http/problems.ts. */
import type { NextFunction, Request, Response } from "express";
import { HttpProblem, problemOf, sendProblem, titleOf } from "../http/problems.ts";

export class ProblemError extends HttpProblem {
  constructor(status: number, title: string, detail: string) {
    super(status, detail, { title });
    this.name = "ProblemError";
  }
}

export const badInput = (detail: string) => new ProblemError(400, titleOf(400), detail);

export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  const p = problemOf(err);
  return new ProblemError(p.status, p.title, p.detail);
}

export function problemHandler(log: (msg: string, err: unknown) => void) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const p = problemOf(err);
    if (p.status >= 500) log("unhandled error in admin API request", err);
    sendProblem(res, p);
  };
}
