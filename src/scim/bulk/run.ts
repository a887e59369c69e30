/**
 * Runs the operations of a bulk request, one at a time, each atomic on its own (a
 * savepoint in a batch transaction, batch.ts): a failed operation leaves nothing
 * half-written and does not undo the others (RFC 7644 §3.7: "continue performing
 * as many changes as possible"). Should a batch's commit fail, its operations are
 * reported 503 (none of them was kept) and nothing else runs.
 *
 * Order: the request's, except that the POST a reference names runs before the
 * first operation that references it. A reference to no POST of the request, to a
 * POST that failed, or around a cycle (A needs B, B needs A) fails with 409
 * (RFC 7644 §3.7.1 allows stopping at the first failed attempt). Once
 * `failOnErrors` operations have failed, nothing else runs; results are reported
 * for the operations that ran, in request order.
 */
import type { ScimContext } from "../context.ts";
import { ScimError, SCIM_ERROR_SCHEMA, toScimError } from "../errors.ts";
import type { OpResult } from "../operation.ts";
import { BulkBatches } from "./batch.ts";
import { dispatch } from "./dispatch.ts";
import { bulkIdOf, referencesOf, substitute } from "./references.ts";
import type { BulkMethod, BulkOperation, BulkRequest, ResourceType } from "./request.ts";

export interface BulkResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: { schemas: string[]; status: string; scimType?: string; detail: string };
}

type State = "pending" | "running" | "done";

const unresolved = (detail: string) => new ScimError(409, "invalidValue", detail);

export async function runBulk(
  ctx: ScimContext, request: BulkRequest, log: (msg: string, err: unknown) => void,
): Promise<BulkResult[]> {
  const ops = request.operations;
  const posts = new Map(ops.filter((op) => op.method === "POST" && op.bulkId !== undefined).map((op) => [op.bulkId!, op]));
  const created = new Map<string, { id: string; type: ResourceType }>();
  const state: State[] = ops.map(() => "pending");
  const results: (BulkResult | undefined)[] = ops.map(() => undefined);
  let errors = 0;
  let stopped = false;
  const batches = new BulkBatches(ctx.store);
  const opCtx: ScimContext = { ...ctx, store: batches.store };

  const base = (op: BulkOperation): Pick<BulkResult, "method" | "bulkId"> => ({ method: op.method, ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}) });

  const fail = (op: BulkOperation, err: unknown, location?: string): void => {
    const e = toScimError(err);
    if (e.status >= 500) log(`unhandled error in bulk operation ${op.index} (${op.method} ${op.path ?? ""})`, err);
    results[op.index] = {
      ...base(op),
      ...(op.method !== "POST" && location ? { location } : {}),
      status: String(e.status),
      response: { schemas: [SCIM_ERROR_SCHEMA], status: String(e.status), ...(e.scimType ? { scimType: e.scimType } : {}), detail: e.message },
    };
    state[op.index] = "done";
    errors++;
    if (request.failOnErrors !== undefined && errors >= request.failOnErrors) stopped = true;
  };

  const succeed = (op: BulkOperation, r: OpResult, location: string | undefined): void => {
    results[op.index] = {
      ...base(op),
      ...(r.location ?? location ? { location: r.location ?? location } : {}),
      ...(r.etag ? { version: r.etag } : {}),
      status: String(r.status),
    };
    state[op.index] = "done";
    if (op.method === "POST" && op.bulkId !== undefined && r.id) created.set(op.bulkId, { id: r.id, type: op.target!.type });
  };

  /** Runs `op` after the POSTs it references; leaves it unreported when failOnErrors stops the request meanwhile. */
  async function run(op: BulkOperation): Promise<void> {
    if (stopped || state[op.index] !== "pending") return;
    state[op.index] = "running";
    if (op.problem || !op.target) return fail(op, op.problem ?? new ScimError(400, "invalidSyntax", "the operation cannot be read"));
    const target = op.target;
    const at = (id: string) => `${ctx.baseUrl}/${target.type}/${encodeURIComponent(id)}`;
    // a failed PUT, PATCH or DELETE still reports where it was aimed, when that is known
    const fixed = target.id !== undefined && bulkIdOf(target.id) === undefined ? at(target.id) : undefined;
    const refs = referencesOf(op.data, referencesOf(target.id));
    for (const ref of refs) {
      const dep = posts.get(ref);
      if (!dep) return fail(op, unresolved(`"bulkId:${ref}" does not name the bulkId of a POST in this request`), fixed);
      if (state[dep.index] === "running")
        return fail(op, unresolved(`"bulkId:${ref}" is part of a circular reference (Operations[${dep.index}] needs Operations[${op.index}] first)`), fixed);
      await run(dep);
      if (stopped) return; // failOnErrors reached while running the POST: this operation is neither processed nor reported
      const made = created.get(ref);
      if (!made)
        return fail(op, unresolved(`"bulkId:${ref}" cannot be resolved: its POST (Operations[${dep.index}]) failed with status ${results[dep.index]?.status ?? "?"}`), fixed);
      if (target.id !== undefined && bulkIdOf(target.id) === ref && made.type !== target.type)
        return fail(op, unresolved(`"bulkId:${ref}" is a ${made.type.slice(0, -1)}, not a ${target.type.slice(0, -1)}`));
    }
    const ids = new Map([...refs].map((ref) => [ref, created.get(ref)!.id]));
    const id = target.id === undefined ? undefined : (substitute(target.id, ids) as string);
    const location = id === undefined ? undefined : at(id);
    try {
      const r = await batches.within(op.index, () => dispatch(opCtx, {
        method: op.method as BulkMethod, type: target.type, id, data: substitute(op.data, ids), version: op.version,
      }));
      succeed(op, r, location);
    } catch (err) {
      fail(op, err, location);
    }
    if (batches.lostCount() > 0) stopped = true; // a batch could not be committed: later operations may need what it held
  }

  try {
    for (const op of ops) {
      if (stopped) break;
      await run(op);
    }
  } finally {
    for (const i of await batches.close()) {
      const op = ops[i]!;
      if (results[i]?.status.startsWith("2")) {
        results[i] = undefined;
        fail(op, new ScimError(503, undefined, "the batch holding this operation could not be committed; it was not made"));
      }
    }
  }
  return results.filter((r): r is BulkResult => r !== undefined);
}
