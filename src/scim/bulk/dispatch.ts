/**
 * Routes one resolved bulk operation to the same operation function its single
 * endpoint uses (POST /Users → createUserOp, …), rendering nothing: a bulk result
 * carries the location and version, not the resource.
 */
import type { ScimContext } from "../context.ts";
import { createGroupOp, deleteGroupOp, patchGroupOp, replaceGroupOp } from "../groups/operations.ts";
import type { OpOptions, OpResult } from "../operation.ts";
import { createUserOp, deleteUserOp, patchUserOp, replaceUserOp } from "../users/operations.ts";
import type { BulkMethod, ResourceType } from "./request.ts";

interface Handlers {
  create(ctx: ScimContext, body: unknown, opts: OpOptions): Promise<OpResult>;
  replace(ctx: ScimContext, id: string, body: unknown, opts: OpOptions): Promise<OpResult>;
  patch(ctx: ScimContext, id: string, body: unknown, opts: OpOptions): Promise<OpResult>;
  delete(ctx: ScimContext, id: string, opts: OpOptions): Promise<OpResult>;
}

const HANDLERS: Record<ResourceType, Handlers> = {
  Users: { create: createUserOp, replace: replaceUserOp, patch: patchUserOp, delete: deleteUserOp },
  Groups: { create: createGroupOp, replace: replaceGroupOp, patch: patchGroupOp, delete: deleteGroupOp },
};

export interface ResolvedOperation {
  method: BulkMethod;
  type: ResourceType;
  /** the real id (references substituted); absent for POST */
  id?: string;
  data: unknown;
  version?: string;
}

export function dispatch(ctx: ScimContext, op: ResolvedOperation): Promise<OpResult> {
  const h = HANDLERS[op.type];
  const opts: OpOptions = { view: null, ifMatch: op.version };
  switch (op.method) {
    case "POST": return h.create(ctx, op.data, opts);
    case "PUT": return h.replace(ctx, op.id!, op.data, opts);
    case "PATCH": return h.patch(ctx, op.id!, op.data, opts);
    case "DELETE": return h.delete(ctx, op.id!, opts);
  }
}
