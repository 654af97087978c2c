// Assertions that run the same under Node and under qjs (no node:assert), so one set of
// test cases can prove a module on both engines. Messages carry both values.

export class CheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckError';
  }
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

export function ok(cond: unknown, what = 'expected a truthy value'): void {
  if (!cond) throw new CheckError(what);
}

export function eq<T>(actual: T, expected: T, what = ''): void {
  if (actual !== expected && !(Number.isNaN(actual) && Number.isNaN(expected))) {
    throw new CheckError(`${what ? what + ': ' : ''}expected ${show(expected)}, got ${show(actual)}`);
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Structural equality; key order is ignored (use eq on JSON text when order matters). */
export function deepEq(actual: unknown, expected: unknown, what = ''): void {
  if (!deepEqual(actual, expected)) {
    throw new CheckError(`${what ? what + ': ' : ''}expected ${show(expected)}\n      got ${show(actual)}`);
  }
}

export function throws(fn: () => unknown, match: RegExp | string, what = ''): void {
  try {
    fn();
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    const hit = typeof match === 'string' ? msg.includes(match) : match.test(msg);
    if (!hit) throw new CheckError(`${what ? what + ': ' : ''}threw ${show(msg)}, expected ${String(match)}`);
    return;
  }
  throw new CheckError(`${what ? what + ': ' : ''}expected a throw matching ${String(match)}`);
}

/** A deterministic PRNG (mulberry32) for seeded fuzzing on both engines: the benches' own, so
 *  the same seed gives the same inputs in tests and benches. */
export { seeded } from '../../scripts/bench/seeded.mjs';
