#!/usr/bin/env node
// `npm run build`: compiles src/ and db/ to dist/ with tsc (imports rewritten from .ts to .js), then copies
// the files read at run time (schemas/, the console's static files) next to the compiled code, so
// `node dist/src/server.js` resolves them by the same relative paths as the TypeScript sources do.
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

fs.rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, "-p", path.join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
if (r.status !== 0) process.exit(r.status ?? 1);
fs.cpSync(path.join(root, "schemas"), path.join(dist, "schemas"), { recursive: true });
fs.cpSync(path.join(root, "src/console/public"), path.join(dist, "src/console/public"), { recursive: true });
// package.json's "type": "module" applies to dist/ as well (it is inside the package), nothing to copy.
fs.writeFileSync(path.join(dist, ".built"), `${new Date().toISOString()}\n`);
