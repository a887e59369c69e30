/** The PatchOp message (RFC 7644 §3.5.2): a body with an `Operations` array. */
import { normalizePatchRequest } from "../dialects.ts";
import { badRequest } from "../errors.ts";
import { URN } from "../schemas.ts";

export function readPatchOperations(body: unknown): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("invalidSyntax", "a PATCH body must be a PatchOp object with an \"Operations\" array");
  const normalized = normalizePatchRequest(body) as Record<string, unknown>;
  const schemas = normalized.schemas;
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === URN.patchOp.toLowerCase())))
    throw badRequest("invalidSyntax", `"schemas" of a PATCH body must be ["${URN.patchOp}"]`);
  const key = Object.keys(normalized).find((k) => k.toLowerCase() === "operations");
  const ops = key ? normalized[key] : undefined;
  if (!Array.isArray(ops) || ops.length === 0) throw badRequest("invalidSyntax", "\"Operations\" must be a non-empty array");
  if (ops.length > 1000) throw badRequest("tooMany", "a PATCH may carry at most 1000 operations");
  return ops;
}
