/**
 * Identity-provider dialects, normalised once at the request boundary so the
 * PATCH engine and the validators only ever see RFC 7643/7644 shapes.
 * One function per quirk, each naming the client that needs it. Pure: inputs are
 * never mutated; anything that is not the expected shape is returned unchanged
 * (the engine reports it).
 *
 * @example
 * normalizePatchRequest({ Operations: [{ op: "Replace", path: "active", value: "False" }] });
 * // → { Operations: [{ op: "replace", path: "active", value: false }] }
 */
import { GROUP_PATCH_SCHEMA, USER_PATCH_SCHEMA } from "./patch/apply.ts";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ROLLCALL_USER = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:User";
const ROLLCALL_GROUP = "urn:ietf:params:scim:schemas:extension:rollcall:2.0:Group";
const TEAMS_USER = "urn:ietf:params:scim:schemas:extension:teams:2.0:User";

/**
 * Boolean attributes of Users and Groups, as paths: `attr`, `attr.sub` (core, no URN),
 * `urn:…:attr` (extensions). Entra may send any of them as "True"/"False".
 * A test checks this list against USER_PATCH_SCHEMA and GROUP_PATCH_SCHEMA.
 */
export const BOOLEAN_ATTRIBUTES: readonly string[] = [
  "active",
  "emails.primary", "phoneNumbers.primary", "ims.primary", "photos.primary", "addresses.primary",
  "entitlements.primary", "roles.primary", "x509Certificates.primary",
  `${ROLLCALL_USER}:billingAdmin`,
  `${ROLLCALL_GROUP}:membersCanInvite`, `${ROLLCALL_GROUP}:domainMatching`,
];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const lc = (s: string) => s.toLowerCase();
const BOOLEANS = new Set(BOOLEAN_ATTRIBUTES.map(lc));
const CORE_URNS = [USER_PATCH_SCHEMA.core.id, GROUP_PATCH_SCHEMA.core.id].map(lc);
const EXTENSION_URNS = [...USER_PATCH_SCHEMA.extensions, ...GROUP_PATCH_SCHEMA.extensions].map((e) => lc(e.id));
const isSchemaUrn = (k: string) => CORE_URNS.includes(lc(k)) || EXTENSION_URNS.includes(lc(k));

/** Where a value sits, as a BOOLEAN_ATTRIBUTES-style key: `emails[type eq "work"].primary` → "emails.primary". */
function keyOfPath(path: string): string {
  let p = lc(path.replace(/\[(?:"(?:[^"\\]|\\.)*"|[^\]"])*\]/g, ""));
  const core = CORE_URNS.find((u) => p === u || p.startsWith(`${u}:`));
  if (core) p = p.slice(core.length + 1);
  return p;
}
/** The key of attribute `name` inside the value at `at` ("" = resource root). */
function childKey(at: string, name: string): string {
  if (at === "") return CORE_URNS.includes(lc(name)) ? "" : lc(name);
  return EXTENSION_URNS.includes(at) ? `${at}:${lc(name)}` : `${at}.${lc(name)}`;
}

/** Entra: booleans as strings ("True", "False", "true", "false") for boolean attributes. */
function entraStringBoolean(value: unknown, at: string): unknown {
  if (typeof value !== "string" || !BOOLEANS.has(at)) return value;
  const v = lc(value.trim());
  return v === "true" ? true : v === "false" ? false : value;
}

/** Entra: the enterprise `manager` sent as the manager's id string instead of `{ "value": id }`. */
function entraManagerString(value: unknown, at: string): unknown {
  return typeof value === "string" && value !== "" && at === lc(`${ENTERPRISE}:manager`) ? { value } : value;
}

/** Applies the leaf fixes everywhere in a value, tracking which attribute each part is. */
function fixValue(value: unknown, at: string): unknown {
  const v = entraManagerString(entraStringBoolean(value, at), at);
  if (Array.isArray(v)) return v.map((x) => fixValue(x, at)); // values of a multi-valued attribute
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fixValue(x, childKey(at, k))]));
  return v;
}

/** Entra: `op` as "Add" / "Replace" / "Remove". */
function entraOpCase(op: Obj): Obj {
  return typeof op.op === "string" ? { ...op, op: lc(op.op) } : op;
}

/**
 * Entra: a path-less add/replace whose value has attribute paths as keys
 * (`"name.givenName"`, `"urn:…:enterprise:2.0:User:department"`, `"emails[type eq \"work\"].value"`).
 * Each such key becomes its own operation with that path, in the original order;
 * ordinary keys stay together in a path-less operation. A key with a value filter
 * becomes an `add`, because Entra expects the value to be created when none matches
 * (a filtered `replace` that matches nothing is a noTarget error, RFC 7644 §3.5.2.3).
 */
function entraDottedKeys(op: Obj): Obj[] {
  const { path, value, ...rest } = op;
  if ((path !== undefined && path !== null && path !== "") || !isObj(value)) return [op];
  const isPathKey = (k: string) => !isSchemaUrn(k) && (k.includes("[") || k.includes(".") || lc(k).startsWith("urn:"));
  if (!Object.keys(value).some(isPathKey)) return [op];
  const out: Obj[] = [];
  let plain: Obj | undefined;
  for (const [k, v] of Object.entries(value)) {
    if (!isPathKey(k)) {
      if (!plain) {
        plain = {};
        out.push({ ...rest, value: plain });
      }
      plain[k] = v;
      continue;
    }
    plain = undefined;
    out.push({ ...rest, op: k.includes("[") && rest.op === "replace" ? "add" : rest.op, path: k, value: v });
  }
  return out;
}

/**
 * Entra: string booleans inside a value filter of a path, `roles[primary eq "True"].value`
 * (its single-app-role mapping): `"True"`/`"False"` compared with a boolean sub-attribute
 * become `true`/`false`, so the filter matches and an `add` can create the value it describes.
 * Quoted strings elsewhere in the filter are left as they are.
 */
function entraFilterBooleans(path: string): string {
  return path.replace(/([^[\]]*)\[((?:"(?:[^"\\]|\\.)*"|[^\]"])*)\]/g, (_whole, head: string, filter: string) => {
    const attr = keyOfPath(head.replace(/^\./, ""));
    const fixed = filter.replace(/"(?:[^"\\]|\\.)*"|([A-Za-z_$][\w$-]*)(\s+(?:eq|ne)\s+)"(true|false)"/gi,
      (m, sub: string | undefined, op: string | undefined, b: string | undefined) =>
        sub !== undefined && BOOLEANS.has(`${attr}.${lc(sub)}`) ? `${sub}${op}${lc(b!)}` : m);
    return `${head}[${fixed}]`;
  });
}

function normalizeOperation(raw: unknown): unknown[] {
  if (!isObj(raw)) return [raw];
  // Entra's member removal `{op:"Remove", path:"members", value:[{value:id}]}` needs only the op case:
  // members.ts reads the value list directly (no filter string with one `or` per member).
  return entraDottedKeys(entraOpCase(raw)).map((op0) => {
    const op = typeof op0.path === "string" && op0.path.includes("[") ? { ...op0, path: entraFilterBooleans(op0.path) } : op0;
    if (!("value" in op)) return op;
    const at = typeof op.path === "string" && op.path !== "" ? keyOfPath(op.path) : "";
    return { ...op, value: fixValue(op.value, at) };
  });
}

/** A PatchOp request body with every operation in RFC form. Non-PatchOp shapes come back unchanged. */
export function normalizePatchRequest(body: unknown): unknown {
  if (!isObj(body)) return body;
  const key = Object.keys(body).find((k) => lc(k) === "operations");
  const ops = key === undefined ? undefined : body[key];
  if (!Array.isArray(ops)) return body;
  return { ...body, [key!]: ops.flatMap(normalizeOperation) };
}

/** A full User body (POST, PUT, or a patched resource) with string booleans and manager ids fixed. */
export function normalizeUserBody<T>(body: T): T {
  return isObj(body) ? (fixValue(body, "") as T) : body;
}

/** W&B's SCIM clients: the User extension's attributes, written at the top level of a body or as bare PATCH paths. */
const WANDB_TOP_LEVEL = ["organizationRole", "modelsSeat", "weaveRole", "teamRoles"];
const wandbName = (k: string) => WANDB_TOP_LEVEL.find((n) => lc(n) === lc(k));

/**
 * W&B: `{ "organizationRole": "admin", "teamRoles": […] }` at the top level of a User
 * body means the same attributes of the rollcall User extension (which wins when
 * both are sent). Responses always use the extension.
 *
 * @example
 * wandbTopLevel({ userName: "a", modelsSeat: "viewer" });
 * // → { userName: "a", "urn:…:rollcall:2.0:User": { modelsSeat: "viewer" } }
 */
export function wandbTopLevel<T>(body: T): T {
  if (!isObj(body) || !Object.keys(body).some(wandbName)) return body;
  const out: Obj = {};
  const moved: Obj = {};
  for (const [k, v] of Object.entries(body)) {
    const n = wandbName(k);
    if (n) moved[n] = v;
    else out[k] = v;
  }
  const extKey = Object.keys(out).find((k) => lc(k) === lc(ROLLCALL_USER)) ?? ROLLCALL_USER;
  const ext = out[extKey];
  out[extKey] = { ...moved, ...(isObj(ext) ? ext : {}) };
  return out as T;
}

/**
 * W&B: PATCH paths `organizationRole`, `modelsSeat`, `weaveRole`, `teamRoles` (and
 * `teamRoles[…]…`) without the extension URN, and the same names as keys of a
 * path-less value. Run on the operations of a User PATCH after normalizePatchRequest.
 */
export function wandbPatchOperations(ops: unknown[]): unknown[] {
  return ops.map((op) => {
    if (!isObj(op)) return op;
    const pathKey = Object.keys(op).find((k) => lc(k) === "path");
    const path = pathKey === undefined ? undefined : op[pathKey];
    if (typeof path === "string" && path !== "") {
      const head = /^([A-Za-z]+)(?=$|[[.])/.exec(path)?.[1];
      return head && wandbName(head) ? { ...op, [pathKey!]: `${ROLLCALL_USER}:${path}` } : op;
    }
    const valueKey = Object.keys(op).find((k) => lc(k) === "value");
    return valueKey !== undefined && isObj(op[valueKey]) ? { ...op, [valueKey]: wandbTopLevel(op[valueKey]) } : op;
  });
}

/**
 * W&B: `"urn:…:extension:teams:2.0:User": { "teams": ["my-team"] }` on POST /Users puts the
 * new user in those teams — as teamRoles entries with role member, unless teamRoles already
 * names that team (its role wins). The URN leaves `schemas` and the body; anything but a list
 * of names is left in place for the validator to refuse.
 *
 * @example
 * wandbTeamsExtension({ userName: "a", [TEAMS_USER]: { teams: ["ml"] } });
 * // → { userName: "a", "urn:…:rollcall:2.0:User": { teamRoles: [{ teamName: "ml", roleName: "member" }] } }
 */
export function wandbTeamsExtension<T>(body: T): T {
  if (!isObj(body)) return body;
  const key = Object.keys(body).find((k) => lc(k) === lc(TEAMS_USER));
  const ext = key === undefined ? undefined : body[key];
  const teamsKey = isObj(ext) ? Object.keys(ext).find((k) => lc(k) === "teams") : undefined;
  const teams = isObj(ext) && teamsKey !== undefined ? ext[teamsKey] : [];
  if (key === undefined || !isObj(ext) || Object.keys(ext).length > (teamsKey ? 1 : 0) || !Array.isArray(teams) || !teams.every((t) => typeof t === "string")) return body;
  const { [key]: _teams, ...rest } = body;
  const out: Obj = wandbTopLevel(rest);
  const schemasKey = Object.keys(out).find((k) => lc(k) === "schemas");
  if (schemasKey && Array.isArray(out[schemasKey])) out[schemasKey] = (out[schemasKey] as unknown[]).filter((s) => typeof s !== "string" || lc(s) !== lc(TEAMS_USER));
  const extKey = Object.keys(out).find((k) => lc(k) === lc(ROLLCALL_USER)) ?? ROLLCALL_USER;
  const rollcall = isObj(out[extKey]) ? (out[extKey] as Obj) : {};
  const rolesKey = Object.keys(rollcall).find((k) => lc(k) === "teamroles") ?? "teamRoles";
  const given = Array.isArray(rollcall[rolesKey]) ? (rollcall[rolesKey] as unknown[]) : [];
  const named = new Set(given.map((r) => (isObj(r) && typeof r.teamName === "string" ? lc(r.teamName.trim()) : "")));
  const added = teams.filter((t) => !named.has(lc(t.trim()))).map((teamName) => ({ teamName, roleName: "member" }));
  out[extKey] = { ...rollcall, [rolesKey]: [...given, ...added] };
  return out as T;
}
