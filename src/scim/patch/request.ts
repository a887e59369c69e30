/** The PatchOp message (RFC 7644 §3.5.2): a body with an `Operations` array. */
import { normalizePatchRequest } from "../dialects.ts";
import { badRequest } from "../errors.ts";
import { URN } from "../schemas.ts";

/**
 * The operations of a PATCH body. `strict` (a connection that follows the interop
 * profile, draft-zollner-scim-interop-profile §"Mandatory Use of the 'path' Attribute"):
 * an operation without a `path` is a 400 invalidSyntax, checked on what the client
 * sent, before any dialect is normalised.
 */
export function readPatchOperations(body: unknown, strict = false): unknown[] {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw badRequest("invalidSyntax", "a PATCH body must be a PatchOp object with an \"Operations\" array");
  if (strict) {
    const raw = Object.entries(body).find(([k]) => k.toLowerCase() === "operations")?.[1];
    const i = Array.isArray(raw) ? raw.findIndex((op) => typeof op !== "object" || op === null || typeof (op as { path?: unknown }).path !== "string" || (op as { path: string }).path.trim() === "") : -1;
    if (i >= 0) throw badRequest("invalidSyntax", `operation ${i + 1} has no "path": this connection follows the SCIM interop profile, which needs every PATCH operation to name its path`);
  }
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
