// Whether dist/ was built after the last change to anything it is built from (src/, db/, schemas/,
// the tsconfigs). Used by `prestart` (build when stale) and bin/rollcall.mjs (run dist when fresh).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SOURCES = ["src", "db", "schemas", "bench/server.ts", "tsconfig.json", "tsconfig.build.json", "package.json"];

function newestMtime(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted file changes its directory's mtime
  for (const e of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, e)));
  return newest;
}

export function distIsFresh() {
  const stamp = fs.statSync(path.join(root, "dist", ".built"), { throwIfNoEntry: false });
  if (!stamp) return false;
  return SOURCES.every((s) => newestMtime(path.join(root, s)) <= stamp.mtimeMs);
}
