#!/usr/bin/env node
// `prestart`: builds dist/ when it is missing or older than its sources, so `npm install && npm start`
// works on a fresh checkout and never runs yesterday's compiled code.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { distIsFresh, root } from "./dist-fresh.mjs";

if (!distIsFresh()) {
  console.error("rollcall: dist/ is missing or stale, building (npm run build) …");
  const r = spawnSync(process.execPath, [path.join(root, "scripts/build.mjs")], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
