#!/usr/bin/env node
// The installed `rollcall` bin: the compiled CLI (dist/, `npm run build`) under plain node when it is
// up to date with the sources, else the TypeScript CLI through tsx — never yesterday's compiled code.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { distIsFresh } from "../scripts/dist-fresh.mjs";

const require = createRequire(import.meta.url);
const compiled = fileURLToPath(new URL("../dist/src/cli.js", import.meta.url));
const args = distIsFresh()
  ? [compiled, ...process.argv.slice(2)]
  : [require.resolve("tsx/cli"), fileURLToPath(new URL("../src/cli.ts", import.meta.url)), ...process.argv.slice(2)];
const r = spawnSync(process.execPath, args, { stdio: "inherit" });
if (r.error) {
  console.error(`rollcall: could not run the CLI: ${r.error.message}`);
  process.exit(1);
}
// A CLI killed by a signal ends this process the same way, so callers see the real cause.
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
