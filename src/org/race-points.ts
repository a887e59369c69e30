/**
 * Named points inside transactions where a test can pause a writer, so race
 * tests are deterministic: pause A at a point, run B, release A. Without a
 * pause installed a point costs one map lookup.
 *
 * @example
 * const p = pauseAt("member.delete.locked");
 * const a = request.delete(url);          // stops at the point, inside its transaction
 * await p.reached; const b = await request.patch(url); p.release(); await a;
 */
type Hook = () => Promise<void>;
const hooks = new Map<string, Hook>();

export async function racePoint(name: string): Promise<void> {
  const hook = hooks.get(name);
  if (hook) await hook();
}

export interface Pause {
  /** resolves when a writer has reached the point (and is waiting there) */
  reached: Promise<void>;
  /** lets the waiting writer go on; later writers pass the point freely */
  release(): void;
}

/** Pauses the next writer that reaches `name` (once); only for tests. */
export function pauseAt(name: string): Pause {
  let arrive!: () => void;
  let go!: () => void;
  const reached = new Promise<void>((r) => { arrive = r; });
  const released = new Promise<void>((r) => { go = r; });
  hooks.set(name, async () => {
    hooks.delete(name);
    arrive();
    await released;
  });
  return { reached, release: () => { hooks.delete(name); go(); } };
}
