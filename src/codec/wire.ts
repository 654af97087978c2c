// Building blocks of the batch wire format shared by its encoder and decoder
// (docs/wire-format.md): column kinds, item types, bit-packed index arrays, zigzag LEB128 integers.
import { floor, isArray, isInteger } from '../compat/lang';

export class BatchError extends Error {
  constructor(message: string) {
    super(`batch: ${message}`);
    this.name = 'BatchError';
  }
}

/** Column kinds (docs/wire-format.md, "Columns"). */
export const enum Kind { Raw, Str, Time, Lists, Vals }

/**
 * The types of a batch's items by letter (header fields, column items), as their checks name them:
 * n number, s string, c count, a array, b byte string, k record keys (null or an array).
 */
const TYPES: Record<string, string> = { n: 'a number', s: 'a string', c: 'a count', a: 'an array', b: 'a byte string', k: 'null or an array' };

/** Throws a BatchError saying what is wrong (and where). */
export function fail(what: string): never {
  throw new BatchError(what);
}

/** x when it is of type `t` (a letter of TYPES), else a BatchError saying `where` it is not. */
export function need<T = never>(x: unknown, t: string, where: string): T {
  return (t === 'b' ? x instanceof Uint8Array : t === 'a' ? isArray(x) : t === 'c' ? isInteger(x) && (x as number) >= 0 : t === 'k' ? x === null || isArray(x) : typeof x === (t === 's' ? 'string' : 'number'))
    ? (x as T)
    : fail(`${where} is not ${TYPES[t]}`);
}

/** Bit width of indexes into `size` choices: 0 when there is only one. */
export function widthFor(size: number): number {
  let w = 0;
  while (2 ** w < size) w++;
  return w;
}

/** Each index at the width `size` choices need, least significant bit first, packed into bytes. */
export function pack(idx: ArrayLike<number>, size: number): Uint8Array {
  // var: runs per value written (qjs checks the dead zone of let/const locals)
  var width = widthFor(size), n = idx.length, out = new Uint8Array(Math.ceil((n * width) / 8)), i, acc = 0, bits = 0, o = 0;
  if (width === 0) return out;
  // (a byte per index: a copy, much cheaper in qjs than the bit loop)
  if (width === 8) {
    for (i = 0; i < n; i++) out[i] = idx[i];
    return out;
  }
  if (width <= 24) {
    // 32-bit integer arithmetic: fewer bits than 8 wait in acc, so acc stays below 2^31.
    for (i = 0; i < n; i++) {
      acc |= idx[i] << bits;
      bits += width;
      while (bits >= 8) {
        out[o++] = acc;
        acc >>>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) out[o] = acc;
    return out;
  }
  for (i = 0; i < n; i++) {
    acc += idx[i] * 2 ** bits;
    bits += width;
    while (bits >= 8) {
      out[o++] = acc & 0xff;
      acc = floor(acc / 256);
      bits -= 8;
    }
  }
  if (bits > 0) out[o] = acc;
  return out;
}

/** `n` indexes below `size` from the byte string x, packed at the width `size` needs. */
export function unpack(x: unknown, n: number, size: number, where: string): number[] {
  const b = need<Uint8Array>(x, 'b', where);
  const width = widthFor(size);
  if (width > 30) fail(`${where}: index width ${width}`);
  // Width 0 (one choice) takes no bytes, so nothing else bounds the count: the format caps it
  // (as it caps a batch's n) at 65,536, or a few hostile bytes would make that many values.
  if (!width && n > 65536) fail(`${where}: ${n} indexes over 65536`);
  if (b.length < Math.ceil((n * width) / 8)) fail(`${where}: ${b.length} bytes cannot hold ${n} indexes of ${width} bits`);
  const out = new Array<number>(n);
  let acc = 0;
  let bits = 0;
  let p = 0;
  // (width 0: every index is 0, which must still be below `size`)
  const mask = 2 ** width;
  for (let i = 0; i < n; i++) {
    while (bits < width) {
      acc += b[p++] * 2 ** bits;
      bits += 8;
    }
    const v = acc % mask;
    acc = floor(acc / mask);
    bits -= width;
    out[i] = v < size ? v : fail(`${where}: index ${v} not below ${size}`);
  }
  return out;
}
