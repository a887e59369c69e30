/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.9, §3.4.2.5): applied to the
 * resource we built, after the database was asked only for what is needed
 * (see `wants`, which lets a group read skip its members entirely).
 */
import type { ResourceShape } from "./schemas.ts";

type Json = Record<string, any>;

interface Ref {
  /** schema URN for an extension attribute, null for the core schema */
  ext: string | null;
  /** lower-cased attribute name, or "*" for a whole extension */
  attr: string;
  sub?: string;
}

const ALWAYS = new Set(["id", "schemas"]);

function parse(path: string, shape: ResourceShape): Ref {
  let rest = path.trim();
  let ext: string | null = null;
  const lower = rest.toLowerCase();
  for (const s of shape.extensions) {
    if (lower === s.id.toLowerCase()) return { ext: s.id, attr: "*" };
    if (lower.startsWith(s.id.toLowerCase() + ":")) { ext = s.id; rest = rest.slice(s.id.length + 1); break; }
  }
  if (ext === null && lower.startsWith(shape.core.id.toLowerCase() + ":")) rest = rest.slice(shape.core.id.length + 1);
  const [attr, sub] = rest.split(".", 2);
  return { ext, attr: (attr ?? "").toLowerCase(), sub: sub?.toLowerCase() };
}

const keyOf = (obj: Json, lowerName: string): string | undefined => Object.keys(obj).find((k) => k.toLowerCase() === lowerName);

/** Would the response contain this top-level core attribute? */
export function wants(attr: string, attributes: string[] | undefined, excluded: string[] | undefined, shape: ResourceShape): boolean {
  const a = attr.toLowerCase();
  if (attributes) return attributes.map((p) => parse(p, shape)).some((r) => r.ext === null && r.attr === a);
  if (excluded) return !excluded.map((p) => parse(p, shape)).some((r) => r.ext === null && r.attr === a && !r.sub);
  return true;
}

function pickSub(value: any, sub: string): any {
  if (Array.isArray(value)) return value.map((v) => pickSub(v, sub)).filter((v) => v !== undefined && Object.keys(v).length);
  if (value && typeof value === "object") {
    const k = keyOf(value, sub);
    return k === undefined ? undefined : { [k]: value[k] };
  }
  return undefined;
}

function merge(into: Json, key: string, value: any): void {
  if (value === undefined) return;
  const cur = into[key];
  if (cur && typeof cur === "object" && !Array.isArray(cur) && value && typeof value === "object" && !Array.isArray(value)) into[key] = { ...cur, ...value };
  else if (Array.isArray(cur) && Array.isArray(value)) into[key] = cur.map((c, i) => ({ ...c, ...(value[i] ?? {}) }));
  else into[key] = value;
}

function include(resource: Json, refs: Ref[]): Json {
  const out: Json = {};
  for (const k of Object.keys(resource)) if (ALWAYS.has(k)) out[k] = resource[k];
  for (const r of refs) {
    const holder = r.ext ? resource[r.ext] : resource;
    if (!holder || typeof holder !== "object") continue;
    if (r.attr === "*") { out[r.ext!] = holder; continue; }
    const k = keyOf(holder, r.attr);
    if (k === undefined) continue;
    const value = r.sub ? pickSub(holder[k], r.sub) : holder[k];
    if (r.ext) { out[r.ext] = out[r.ext] ?? {}; merge(out[r.ext], k, value); }
    else merge(out, k, value);
  }
  return out;
}

function exclude(resource: Json, refs: Ref[]): Json {
  const out: Json = structuredClone(resource);
  for (const r of refs) {
    const holder = r.ext ? out[r.ext] : out;
    if (!holder || typeof holder !== "object") continue;
    if (r.attr === "*") { delete out[r.ext!]; continue; }
    const k = keyOf(holder, r.attr);
    if (k === undefined || (!r.ext && ALWAYS.has(k))) continue;
    if (!r.sub) { delete holder[k]; continue; }
    const drop = (v: any) => { if (v && typeof v === "object") { const sk = keyOf(v, r.sub!); if (sk) delete v[sk]; } };
    Array.isArray(holder[k]) ? holder[k].forEach(drop) : drop(holder[k]);
  }
  if (out.schemas) out.schemas = out.schemas.filter((s: string) => s in out || !s.includes(":extension:"));
  return out;
}

export function project(resource: Json, attributes: string[] | undefined, excluded: string[] | undefined, shape: ResourceShape): Json {
  if (attributes) {
    const out = include(resource, attributes.map((p) => parse(p, shape)));
    if (out.schemas) out.schemas = out.schemas.filter((s: string) => s in out || !s.includes(":extension:"));
    return out;
  }
  if (excluded) return exclude(resource, excluded.map((p) => parse(p, shape)));
  return resource;
}
