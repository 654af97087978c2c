// Building blocks of the batch wire format shared by its encoder and decoder
// (docs/wire-format.md): column kinds, bit-packed index arrays, zigzag LEB128 integers.
import { floor } from '../compat/lang';

export class BatchError extends Error {
  constructor(message: string) {
    super(`batch: ${message}`);
    this.name = 'BatchError';
  }
}

/** Column kinds (docs/wire-format.md, "Columns"). */
export enum Kind { Raw, Str, Time, Lists, Vals }

/** Bit width of indexes into `size` choices: 0 when there is only one. */
export function widthFor(size: number): number {
  let w = 0;
  while (2 ** w < size) w++;
  return w;
}

/** Each index in `width` bits, least significant bit first, packed into bytes. */
export function pack(idx: ArrayLike<number>, width: number): Uint8Array {
  // var: runs per value written (qjs checks the dead zone of let/const locals)
  var n = idx.length, out = new Uint8Array(Math.ceil((n * width) / 8)), i, acc = 0, bits = 0, o = 0;
  if (width === 0) return out;
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

/** `n` indexes of `width` bits; each must be below `limit`. */
export function unpack(b: Uint8Array, n: number, width: number, limit: number, where: string): number[] {
  const fail = (what: string): never => {
    throw new BatchError(`${where}: ${what}`);
  };
  if (width > 30) fail(`index width ${width}`);
  if (b.length < Math.ceil((n * width) / 8)) fail(`${b.length} bytes cannot hold ${n} indexes of ${width} bits`);
  const out = new Array<number>(n);
  let acc = 0;
  let bits = 0;
  let p = 0;
  // (width 0: every index is 0, which must still be below `limit`)
  const mask = 2 ** width;
  for (let i = 0; i < n; i++) {
    while (bits < width) {
      acc += b[p++] * 2 ** bits;
      bits += 8;
    }
    const v = acc % mask;
    acc = floor(acc / mask);
    bits -= width;
    out[i] = v < limit ? v : fail(`index ${v} not below ${limit}`);
  }
  return out;
}

/**
 * Reads zigzag LEB128 integers back (0, -1, 1, -2 ... as 0, 1, 2, 3 ..., 7 bits a byte, low group
 * first; planTimes in columns.ts writes them); `at.pos` advances.
 */
export function readZigzag(b: Uint8Array, at: { pos: number }, where: string): number {
  let z = 0;
  let mul = 1;
  for (;;) {
    if (at.pos >= b.length) throw new BatchError(`${where}: integer runs past the end`);
    const x = b[at.pos++];
    z += (x & 127) * mul;
    if (x < 128) break;
    mul *= 128;
    if (mul > 2 ** 49) throw new BatchError(`${where}: integer longer than 53 bits`);
  }
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
}
