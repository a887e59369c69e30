/**
 * The accessibility check of every console page: axe-core (a well-kept engine)
 * run inside the page in Chromium. Serious and critical violations fail the
 * test, naming each rule and the elements it found. Evaluated over the
 * DevTools protocol, so the console's CSP (scripts from its own origin only)
 * stays on. Used by the people journeys and by every other console test.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export interface AxeFinding { id: string; impact: string | null; help: string; nodes: string[] }

/** The violations of the page as it is now, of the given impacts (default: serious and critical). */
export async function axeViolations(page: Page, impacts: string[] = ["serious", "critical"]): Promise<AxeFinding[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) }));
  });
  return found.filter((v) => v.impact !== null && impacts.includes(v.impact));
}

/** Fails with the findings when the page has a serious or critical violation. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const v = await axeViolations(page);
  assert.deepEqual(v, [], `${what}: ${JSON.stringify(v, null, 1)}`);
}
