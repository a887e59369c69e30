/**
 * The BulkRequest message (RFC 7644 §3.7). A body that cannot be read as one is
 * refused whole (400 invalidSyntax; more operations than maxOperations: 413);
 * an operation that names an unsupported method or path becomes that operation's
 * error, reported in its place, and the others still run.
 *
 * @example
 * parseBulkRequest({ schemas: [BULK_REQUEST_URN], Operations: [{ method: "DELETE", path: "/Users/u1" }] }, 1000);
 * // → { failOnErrors: undefined, operations: [{ index: 0, method: "DELETE", target: { type: "Users", id: "u1" }, … }] }
 */
import { badRequest, ScimError } from "../errors.ts";

export const BULK_REQUEST_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE_URN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
export const MAX_BULK_OPERATIONS = 1000;

export type BulkMethod = "POST" | "PUT" | "PATCH" | "DELETE";
export type ResourceType = "Users" | "Groups";

export interface BulkOperation {
  /** position in the request; results are reported in this order */
  index: number;
  /** as sent, upper-cased when it is a string */
  method: string;
  bulkId?: string;
  version?: string;
  path?: string;
  data?: unknown;
  /** the endpoint: `id` is absent for POST and may still be a `bulkId:…` reference */
  target?: { type: ResourceType; id?: string };
  /** why this operation cannot run (reported as its result) */
  problem?: ScimError;
}

export interface BulkRequest {
  failOnErrors?: number;
  operations: BulkOperation[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
/** SCIM attribute names are case-insensitive (RFC 7643 §2.1). */
const pick = (o: Obj, name: string): unknown => {
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
};

const METHODS: readonly BulkMethod[] = ["POST", "PUT", "PATCH", "DELETE"];
const RESOURCE_TYPES: readonly ResourceType[] = ["Users", "Groups"];
const PATH = /^\/?([^/?#]+)(?:\/([^/?#]+))?\/?$/;

export function parseBulkRequest(body: unknown, maxOperations: number): BulkRequest {
  if (!isObj(body)) throw badRequest("invalidSyntax", `a bulk request must be a JSON object with "schemas": ["${BULK_REQUEST_URN}"] and an "Operations" array`);
  const schemas = pick(body, "schemas");
  if (schemas !== undefined && (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === BULK_REQUEST_URN.toLowerCase())))
    throw badRequest("invalidSyntax", `"schemas" of a bulk request must be ["${BULK_REQUEST_URN}"]`);
  const ops = pick(body, "Operations");
  if (!Array.isArray(ops)) throw badRequest("invalidSyntax", '"Operations" must be an array of operations');
  // RFC 7644 §3.7.4: over a limit is 413, and the body names the limit.
  if (ops.length > maxOperations)
    throw new ScimError(413, undefined, `the bulk request has ${ops.length} operations; maxOperations is ${maxOperations}`);
  const failOnErrors = pick(body, "failOnErrors");
  if (failOnErrors !== undefined && failOnErrors !== null && !(typeof failOnErrors === "number" && Number.isInteger(failOnErrors) && failOnErrors >= 1))
    throw badRequest("invalidSyntax", `"failOnErrors" must be a positive integer, got ${JSON.stringify(failOnErrors)}`);

  const operations = ops.map((raw, index) => parseOperation(raw, index));
  const seen = new Map<string, number>();
  for (const op of operations) {
    if (op.bulkId === undefined) continue;
    const first = seen.get(op.bulkId);
    if (first !== undefined)
      throw badRequest("invalidSyntax", `Operations[${first}] and Operations[${op.index}] both have bulkId "${op.bulkId}"; a bulkId must be unique in the request`);
    seen.set(op.bulkId, op.index);
  }
  return { failOnErrors: typeof failOnErrors === "number" ? failOnErrors : undefined, operations };
}

function parseOperation(raw: unknown, index: number): BulkOperation {
  const where = `Operations[${index}]`;
  if (!isObj(raw)) throw badRequest("invalidSyntax", `${where} must be an object with "method" and "path"`);
  const bulkId = pick(raw, "bulkId");
  if (bulkId !== undefined && bulkId !== null && (typeof bulkId !== "string" || bulkId === ""))
    throw badRequest("invalidSyntax", `${where}.bulkId must be a non-empty string`);
  const methodRaw = pick(raw, "method");
  const version = pick(raw, "version");
  const path = pick(raw, "path");
  const op: BulkOperation = {
    index,
    method: typeof methodRaw === "string" ? methodRaw.toUpperCase() : String(methodRaw ?? ""),
    ...(typeof bulkId === "string" ? { bulkId } : {}),
    ...(typeof version === "string" ? { version } : {}),
    ...(typeof path === "string" ? { path } : {}),
    data: pick(raw, "data"),
  };
  const problem = checkOperation(op, methodRaw, version, path, where);
  if (problem) op.problem = problem;
  return op;
}

/** Fills `op.target`, or says why the operation cannot run. */
function checkOperation(op: BulkOperation, methodRaw: unknown, version: unknown, path: unknown, where: string): ScimError | undefined {
  const method = METHODS.find((m) => m === op.method);
  if (!method) return badRequest("invalidSyntax", `${where}.method must be one of ${METHODS.join(", ")}, got ${JSON.stringify(methodRaw ?? null)}`);
  if (version !== undefined && version !== null && typeof version !== "string") return badRequest("invalidSyntax", `${where}.version must be a string (an ETag such as W/"3")`);
  if (typeof path !== "string" || path === "") return badRequest("invalidPath", `${where}.path is required, e.g. "/Users" or "/Users/{id}"`);
  const m = PATH.exec(path);
  const type = m ? RESOURCE_TYPES.find((t) => t.toLowerCase() === m[1]!.toLowerCase()) : undefined;
  if (!m || !type) return badRequest("invalidPath", `${where}.path "${path}" is not supported in a bulk request: use /Users, /Users/{id}, /Groups or /Groups/{id}`);
  const id = m[2] === undefined ? undefined : safeDecode(m[2]);
  if (method === "POST") {
    if (id !== undefined) return badRequest("invalidPath", `${where}: POST takes a resource type endpoint ("/${type}"), got "${path}"`);
    if (op.bulkId === undefined) return badRequest("invalidValue", `${where}: a POST needs a "bulkId" (RFC 7644 §3.7)`);
  } else if (id === undefined || id === "") {
    return badRequest("invalidPath", `${where}: ${method} needs a resource path such as "/${type}/{id}", got "${path}"`);
  }
  if (method !== "DELETE" && !isObj(op.data)) return badRequest("invalidSyntax", `${where}: ${method} needs "data", the resource (or PatchOp) as a JSON object`);
  op.target = { type, ...(id !== undefined ? { id } : {}) };
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
