#!/usr/bin/env node
// `npm run bench:compare <old.json> <new.json>`: compares the ratios of two `npm run bench` runs
// (bench/results/*.json) and exits 1 when one got more than 20% worse. Ratios, not absolute
// times: both sides of a ratio were measured in the same run, so machine load mostly cancels.
// Rows marked "(absolute)" or "per second" are shown but only warned about. Run it before
// landing a change to a hot path; it is not part of the test command.
import fs from "node:fs";

const TOLERANCE = 0.2;
const [oldFile, newFile] = process.argv.slice(2);
if (!oldFile || !newFile) {
  console.error("usage: npm run bench:compare <old.json> <new.json>");
  process.exit(2);
}
const read = (f) => new Map(JSON.parse(fs.readFileSync(f, "utf8")).ratios.map((r) => [r.name, r]));
const before = read(oldFile);
const after = read(newFile);
const absolute = (r) => /absolute/.test(r.basis ?? "") || /per second|RSS/.test(r.name);

let worse = 0;
const rows = [];
for (const [name, b] of before) {
  const a = after.get(name);
  if (!a || !Number.isFinite(a.value) || !Number.isFinite(b.value) || b.value === 0) { rows.push(["–", name, b.value, a?.value, "not in both runs"]); continue; }
  const higher = (a.better ?? b.better ?? (b.atLeast ? "higher" : "lower")) === "higher";
  // how much worse the new value is, as a fraction (negative: better)
  const change = higher ? b.value / a.value - 1 : a.value / b.value - 1;
  const bad = change > TOLERANCE;
  const fails = bad && !absolute(b);
  if (fails) worse++;
  rows.push([fails ? "WORSE" : bad ? "warn" : "ok", name, b.value, a.value, `${change > 0 ? "+" : ""}${(change * 100).toFixed(0)}% ${change > 0 ? "worse" : "better"} (${higher ? "higher" : "lower"} is better)`]);
}
for (const name of after.keys()) if (!before.has(name)) rows.push(["new", name, undefined, after.get(name).value, "only in the new run"]);

const num = (x) => (x === undefined ? "—" : Number(x).toFixed(2));
for (const [v, name, b, a, note] of rows) console.log(`${v.padEnd(5)}  ${name.padEnd(72)} ${num(b).padStart(9)} → ${num(a).padStart(9)}  ${note}`);
if (worse) {
  console.error(`\n${worse} ratio(s) got more than ${TOLERANCE * 100}% worse than in ${oldFile}`);
  process.exit(1);
}
console.log(`\nno ratio got more than ${TOLERANCE * 100}% worse (absolute rows — req/s, RSS — only warn: they follow the machine's load)`);
