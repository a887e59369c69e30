/**
 * Splits a Group PATCH into membership deltas (applied in SQL: a team may have
 * 100k members, so they are never patched in memory) and everything else
 * (applied by apply.ts to the group without its members). Order is preserved.
 *
 * @example
 * const r = splitGroupPatch([{ op: "add", path: "members", value: [{ value: "u1" }] }]);
 * // r.value → { memberOps: [{ kind: "add", ids: ["u1"] }], otherOps: [] }
 */
import { BOUNDS } from "../../org/bounds.ts";
import type { FilterNode, Result } from "../filter/ast.ts";
import { parsePatchPath } from "../filter/parse.ts";

import type { MemberOp } from "../../org/teams/teams.ts";

export type { MemberOp };

type Obj = Record<string, unknown>;
const GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group";

class SplitError extends Error {
  constructor(readonly scimType: string, detail: string) { super(detail); }
}
const fail = (scimType: string, detail: string): never => { throw new SplitError(scimType, detail); };
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const lc = (s: string) => s.toLowerCase();
const keyOf = (o: Obj, name: string) => Object.keys(o).find((k) => lc(k) === lc(name));
const getKey = (o: Obj, name: string) => { const k = keyOf(o, name); return k === undefined ? undefined : o[k]; };

/** Member ids from a value list; each member must be `{ value: "<non-empty id>" }`, users only. */
function idsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value : [value]; // a single member object is tolerated
  if (list.length > BOUNDS.groupMembersPerRequest)
    fail("invalidValue", `"members" has ${list.length} values; one operation may change at most ${BOUNDS.groupMembersPerRequest} members (groupMembersPerRequest)`);
  const ids = list.map((m) => {
    if (!isObj(m)) return fail("invalidValue", `a member must be an object like {"value": "<user id>"}, got ${JSON.stringify(m)?.slice(0, 80)}`);
    const type = getKey(m, "type");
    const ref = getKey(m, "$ref");
    if ((typeof type === "string" && lc(type) === "group") || (typeof ref === "string" && /\/Groups\//i.test(ref)))
      fail("invalidValue", "nested groups are not supported: a member must be a User");
    const id = getKey(m, "value");
    if (typeof id !== "string" || id.trim() === "") return fail("invalidValue", `a member needs a non-empty string "value", got ${JSON.stringify(id)?.slice(0, 80)}`);
    if (id.length > BOUNDS.identifierChars)
      fail("invalidValue", `"members.value" is ${id.length} characters long; at most ${BOUNDS.identifierChars} are allowed (identifierChars)`);
    return id;
  });
  return [...new Set(ids)];
}

/** `value eq "id"`, or several of them joined by `or` — the only member filters a SQL delta can take. */
function idsOfFilter(f: FilterNode, ids: string[] = []): string[] {
  if (f.kind === "or") { idsOfFilter(f.left, ids); idsOfFilter(f.right, ids); return ids; }
  if (f.kind === "compare" && f.op === "eq" && lc(f.path.attr) === "value" && !f.path.sub && !f.path.uri && typeof f.value === "string" && f.value !== "") {
    if (ids.length >= BOUNDS.groupMembersPerRequest)
      fail("invalidFilter", `a member filter may name at most ${BOUNDS.groupMembersPerRequest} members (groupMembersPerRequest)`);
    ids.push(f.value);
    return ids;
  }
  return fail("invalidFilter", 'only members[value eq "<id>"] (optionally joined with "or") is supported to select members');
}

/** The part of a path after an optional Group URN, if it addresses `members`; undefined otherwise. */
function membersPath(path: string): string | undefined {
  const rest = lc(path).startsWith(`${lc(GROUP_URN)}:`) ? path.slice(GROUP_URN.length + 1) : path;
  return /^members(?=$|[.[\s])/i.test(rest) ? rest : undefined;
}

function splitOne(raw: unknown, memberOps: MemberOp[], otherOps: unknown[]) {
  if (!isObj(raw)) return fail("invalidSyntax", "an operation must be an object");
  const opRaw = getKey(raw, "op");
  const op = typeof opRaw === "string" ? lc(opRaw) : undefined; // Entra sends "Add"/"Remove"/"Replace"
  if (op !== "add" && op !== "remove" && op !== "replace") return fail("invalidSyntax", `op must be add, remove or replace, got ${JSON.stringify(opRaw)}`);
  const path = getKey(raw, "path");
  const value = getKey(raw, "value");

  if (path === undefined || path === null || path === "") {
    // Path-less add/replace may carry `members` next to other attributes (Okta, Entra): split that key off.
    const mk = isObj(value) ? keyOf(value, "members") : undefined;
    if (!isObj(value) || mk === undefined) return void otherOps.push(raw);
    const rest = Object.fromEntries(Object.entries(value).filter(([k]) => k !== mk));
    if (Object.keys(rest).length > 0) otherOps.push({ ...raw, value: rest });
    const members = value[mk];
    if (op === "replace" && members === null) return void memberOps.push({ kind: "removeAll" });
    const ids = idsOf(members ?? []);
    if (op === "replace") memberOps.push({ kind: "replace", ids });
    else if (ids.length > 0) memberOps.push({ kind: "add", ids });
    return;
  }
  if (typeof path !== "string") return fail("invalidPath", "path must be a string");
  const rest = membersPath(path);
  if (rest === undefined) return void otherOps.push(raw);

  const parsed = parsePatchPath(rest);
  if (!parsed.ok) return fail(parsed.error.scimType, parsed.error.detail);
  const { filter, sub } = parsed.value;
  if (sub !== undefined || parsed.value.path.sub !== undefined)
    return fail("invalidPath", `"${path}": sub-attributes of members cannot be patched; add or remove the member instead`);
  if (filter) {
    if (op !== "remove") return fail("invalidPath", `"${path}": a member filter is only supported with remove`);
    // A filter must select someone (noTarget otherwise, checked in the team's transaction); W&B names members by e-mail too.
    return void memberOps.push({ kind: "removeSelected", selectors: [...new Set(idsOfFilter(filter))] });
  }
  if (op === "remove") {
    // No value: remove all (RFC 7644 §3.5.2.2). A value list: remove those (Entra). An empty list removes nobody.
    if (value === undefined || value === null) return void memberOps.push({ kind: "removeAll" });
    const ids = idsOf(value);
    if (ids.length > 0) memberOps.push({ kind: "remove", ids });
    return;
  }
  if (value === undefined) return fail("invalidValue", `${op} of members needs a value list`);
  if (op === "replace") return void memberOps.push(value === null ? { kind: "removeAll" } : { kind: "replace", ids: idsOf(value) });
  const ids = idsOf(value ?? []);
  if (ids.length > 0) memberOps.push({ kind: "add", ids });
}

/** Separates `members` operations from the rest; any malformed member operation fails the whole PATCH. */
export function splitGroupPatch(operations: unknown): Result<{ memberOps: MemberOp[]; otherOps: unknown[] }> {
  if (!Array.isArray(operations) || operations.length === 0)
    return { ok: false, error: { scimType: "invalidSyntax", detail: "Operations must be a non-empty array" } };
  const memberOps: MemberOp[] = [];
  const otherOps: unknown[] = [];
  for (let i = 0; i < operations.length; i++) {
    try {
      splitOne(operations[i], memberOps, otherOps);
    } catch (e) {
      if (!(e instanceof SplitError)) throw e;
      return { ok: false, error: { scimType: e.scimType, detail: `Operations[${i}]: ${e.message}` } };
    }
  }
  return { ok: true, value: { memberOps, otherOps } };
}
