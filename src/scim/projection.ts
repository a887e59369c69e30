/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.9, §3.4.2.5): applied to the
 * resource we built, after the database was asked only for what is needed
 * (see `wants`, which lets a group read skip its members entirely).
 */
import type { Json } from "./json.ts";
import type { ResourceShape } from "./schemas.ts";

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
    if (lower.startsWith(`${s.id.toLowerCase()}:`)) { ext = s.id; rest = rest.slice(s.id.length + 1); break; }
  }
  if (ext === null && lower.startsWith(`${shape.core.id.toLowerCase()}:`)) rest = rest.slice(shape.core.id.length + 1);
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

/** Keeps only the named sub-attributes; in a multi-valued attribute each value keeps its own (values left empty are dropped). */
function pickSubs(value: unknown, subs: string[]): unknown {
  if (Array.isArray(value)) {
    const out = value.map((v) => pickSubs(v, subs)).filter((v) => v !== undefined);
    return out.length ? out : undefined;
  }
  if (value && typeof value === "object") {
    const obj = value as Json;
    const out: Json = {};
    for (const sub of subs) {
      const k = keyOf(obj, sub);
      if (k !== undefined) out[k] = obj[k];
    }
    return Object.keys(out).length ? out : undefined;
  }
  return undefined;
}

function include(resource: Json, refs: Ref[]): Json {
  const out: Json = {};
  for (const k of Object.keys(resource)) if (ALWAYS.has(k)) out[k] = resource[k];
  // All sub-attributes asked for one attribute are picked together, so values stay paired.
  const wanted = new Map<string, { ext: string | null; attr: string; subs: string[] | "all" }>();
  for (const r of refs) {
    const id = `${r.ext ?? ""}\u0000${r.attr}`;
    const w = wanted.get(id) ?? { ext: r.ext, attr: r.attr, subs: [] as string[] };
    if (!r.sub || r.attr === "*") w.subs = "all";
    else if (w.subs !== "all") w.subs.push(r.sub);
    wanted.set(id, w);
  }
  for (const w of wanted.values()) {
    const holder = w.ext ? resource[w.ext] : resource;
    if (!holder || typeof holder !== "object") continue;
    if (w.attr === "*") { out[w.ext!] = holder; continue; }
    const k = keyOf(holder, w.attr);
    if (k === undefined) continue;
    const value = w.subs === "all" ? holder[k] : pickSubs(holder[k], w.subs);
    if (value === undefined) continue;
    if (w.ext) {
      if (out[w.ext] === holder) continue; // the whole extension was asked for too
      out[w.ext] = { ...(out[w.ext] ?? {}), [k]: value };
    } else out[k] = value;
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
    const drop = (v: unknown) => { if (v && typeof v === "object") { const o = v as Json; const sk = keyOf(o, r.sub!); if (sk) delete o[sk]; } };
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
