/**
 * A cap on JSON nesting, checked right after parsing (iteratively, so the check
 * itself cannot overflow): no SCIM or admin body needs more than a few levels,
 * and unbounded nesting would make every recursive walk downstream a stack risk.
 */
export const MAX_JSON_DEPTH = 64;

export function jsonDepthExceeds(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== "object" || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}
