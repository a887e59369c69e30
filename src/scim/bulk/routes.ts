/**
 * POST /Bulk (RFC 7644 §3.7): many /Users and /Groups writes in one request, each
 * run by the same operation function as its single endpoint, each atomic on its own.
 * The body is read by the SCIM router's JSON parser, whose limit (config.maxBodyBytes)
 * is the maxPayloadSize that /ServiceProviderConfig advertises.
 */
import { Router } from "express";
import { ctxOf, sendJson } from "../context.ts";
import { BULK_RESPONSE_URN, MAX_BULK_OPERATIONS, parseBulkRequest } from "./request.ts";
import { runBulk } from "./run.ts";

export function bulkRouter(log: (msg: string, err: unknown) => void): Router {
  const r = Router();
  r.post("/", async (req, res) => {
    const ctx = ctxOf(res);
    const request = parseBulkRequest(req.body, MAX_BULK_OPERATIONS);
    const results = await runBulk(ctx, request, log);
    sendJson(res, 200, { schemas: [BULK_RESPONSE_URN], Operations: results });
  });
  return r;
}
