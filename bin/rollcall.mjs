#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the installed `rollcall` bin and `npm run rollcall` are the same program.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
const require = createRequire(import.meta.url);
const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const tsx = require.resolve("tsx/cli");
const r = spawnSync(process.execPath, [tsx, cli, ...process.argv.slice(2)], { stdio: "inherit" });
if (r.error) {
  console.error(`rollcall: could not run the CLI: ${r.error.message}`);
  process.exit(1);
}
// A CLI killed by a signal ends this process the same way, so callers see the real cause.
if (r.signal) process.kill(process.pid, r.signal);
process.exit(r.status ?? 1);
