// Short local names for the builtins the cold paths call everywhere: each call site in the qjs
// bundle is ~10 bytes shorter than `Array.isArray(` or `JSON.stringify(` (issue 4).
export const isArray = Array.isArray;
export const isInteger = Number.isInteger;
export const toJson = JSON.stringify;
export const keysOf = Object.keys;
export const floor = Math.floor;
export const maxOf = Math.max;
export const minOf = Math.min;
/** An object without a prototype, for keys read from input. */
export const newDict = <T>(): Record<string, T> => Object.create(null);
/** o[k] = v as an own property even for k '__proto__' (which plain assignment would not add). */
export function putKey(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** The base of a class whose constructor only stores its deps (docs/style.md), as `deps_`. */
export class WithDeps<D> {
  protected readonly deps_: D;

  constructor(deps_: D) {
    this.deps_ = deps_;
  }
}

/** A JSON object: not null, not an array. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !isArray(v);
}

/** What a caught value says: its message, or the value as text. */
export function errorText(e: unknown): string {
  return String((e as Error | undefined)?.message ?? e);
}
