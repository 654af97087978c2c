// A small CBOR codec (RFC 8949) on Uint8Array + DataView, for the batch wire format.
// Definite lengths only on encode; the decoder rejects indefinite lengths (§3.2) with a stable
// error, as our batches never use them. Maps decode to plain objects whose key order is the wire
// order (JSON.stringify then reproduces it).
// Only what batches carry is supported (issue 4, bundle size): no bigint, no bignums, no tags
// (§3.4), no simple values but false/true/null/undefined (§3.3) and no map keys but text (the
// encoder still writes a Map, for scripts/bench/codec-bytes.mjs): each is rejected with a stable
// error. Integers beyond 2^53 decode to the nearest number, as JSON.parse would read them.
import { utf8Write, utf8DecodeStrict } from '../compat/utf8';
import { isArray, toJson, isInteger, floor, putKey } from '../compat/lang';

export class CborError extends Error {
  constructor(message: string, offset: number) {
    super(`cbor: ${message} at byte ${offset}`);
    this.name = 'CborError';
  }
}

const TWO32 = 4294967296;
/** Simple values 20-23 (§3.3). */
const SIMPLE: unknown[] = [false, true, null, undefined];

// ---------- half precision (§3.3, Appendix D) ----------

function halfToNumber(h: number): number {
  const e = (h >> 10) & 31;
  const m = h & 1023;
  // (subnormals: no implicit leading bit, the exponent of e = 1)
  const v = e === 31 ? (m ? NaN : Infinity) : (e ? m + 1024 : m) * 2 ** ((e || 1) - 25);
  return h & 0x8000 ? -v : v;
}

/** The half-precision bits of n when n is exactly representable as a half, else -1. */
function numberToHalf(n: number): number {
  if (n !== n) return 0x7e00;
  // (most floats are no single either: one call turns them away)
  if (Math.fround(n) !== n) return -1;
  const sign = n < 0 || 1 / n < 0 ? 0x8000 : 0;
  const a = Math.abs(n);
  if (a === Infinity) return sign | 0x7c00;
  if (a > 65504) return -1;
  // the exponent field e: 0 (subnormal, zero) below 2^-14, else a is in [2^(e-15), 2^(e-14))
  let e = 0;
  while (a >= 2 ** (e - 14)) e++;
  // the mantissa it leaves (scaling by a power of two is exact): a half only if it is whole
  const m = e ? a * 2 ** (25 - e) - 1024 : a * 2 ** 24;
  return isInteger(m) ? sign | (e << 10) | m : -1;
}

// ---------- writer ----------

/** A growable output buffer with CBOR item writers. */
export interface CborWriter {
  /** An initial byte plus argument, in the shortest form (§4.2.1 preferred serialisation). */
  head_(major: number, n: number): void;
  text_(s: string): void;
  /** Bytes as they are (items encoded elsewhere). */
  raw_(b: Uint8Array): void;
  /**
   * Any JS value: numbers, strings, booleans, null, undefined, Uint8Array, arrays, plain objects
   * (keys in insertion order), Map.
   */
  value_(v: unknown): void;
  /** The bytes written so far (a copy, so the writer can be reused). */
  bytes_(): Uint8Array;
  /** Starts again at the first byte. */
  reset_(): void;
}

/**
 * A writer starting with room for `initial` bytes: a closure (the buffer and length are locals,
 * read without a property lookup). Locals are `var`: these run for every item written (qjs checks
 * the dead zone of let/const locals).
 */
export function cborWriter(initial = 256): CborWriter {
  var buf = new Uint8Array(initial), len = 0;
  const room = (n: number): void => {
    var size = buf.length * 2, next;
    if (len + n <= buf.length) return;
    while (size < len + n) size *= 2;
    next = new Uint8Array(size);
    next.set(buf);
    buf = next;
  };
  const raw = (b: Uint8Array): void => {
    if (len + b.length > buf.length) room(b.length);
    buf.set(b, len);
    len += b.length;
  };
  const head = (major: number, n: number): void => {
    // 32-bit integer operations (qjs takes a slow path for ** and for doubles)
    if (len + 9 > buf.length) room(9);
    var at = len, size = n < 24 ? 0 : n < 256 ? 1 : n < 65536 ? 2 : n < 4294967296 ? 4 : 8, i;
    // additional information 24..27: the argument in the next 1, 2, 4 or 8 bytes, most significant first
    buf[at] = (major << 5) | (size === 0 ? n : size === 8 ? 27 : size === 4 ? 26 : 23 + size);
    if (size < 8) for (i = size; i > 0; i--, n >>>= 8) buf[at + i] = n;
    // (exact: each step divides by a power of two)
    else for (i = 8; i > 0; i--, n = floor(n / 256)) buf[at + i] = n % 256;
    len = at + 1 + size;
  };
  const text = (s: string): void => {
    // Reserve the worst case (3 bytes per UTF-16 unit) and write the text after a head sized for
    // its UTF-16 length (its smallest byte length), not measuring first: a JS character loop
    // costs qjs ~1,000 instructions a character. Multi-byte text whose length needs a longer
    // head is moved (natively) to make room for it.
    var n = s.length, at, hs, end, bytes, hs2;
    if (len + n * 3 + 9 > buf.length) room(n * 3 + 9);
    at = len;
    hs = n < 24 ? 0 : n < 256 ? 1 : n < 65536 ? 2 : 4;
    end = utf8Write(s, buf, at + 1 + hs);
    bytes = end - at - 1 - hs;
    hs2 = bytes < 24 ? 0 : bytes < 256 ? 1 : bytes < 65536 ? 2 : 4;
    // (the text first: the longer head would overwrite its start)
    if (hs2 !== hs) buf.copyWithin(at + 1 + hs2, at + 1 + hs, end);
    head(3, bytes);
    len += bytes;
  };
  /** A number: an integer when it is one (and not -0), else the shortest float that holds it exactly (§4.2.2). */
  const number = (n: number): void => {
    // 2^64 bounds the argument of major types 0/1 (§3.1); -1 - n rounds up to 2^64 past the edge.
    if (isInteger(n) && !Object.is(n, -0) && (n >= 0 ? n : -1 - n) < 18446744073709551616) return head(n < 0 ? 1 : 0, n < 0 ? -1 - n : n);
    room(9);
    // NaN as 0xf97e00, ±Infinity as half
    const h = numberToHalf(n);
    const size = h >= 0 ? 2 : Math.fround(n) === n ? 4 : 8;
    const at = len + 1;
    // floats are rare in batches: a view for each is cheaper than keeping one in step
    const view = new DataView(buf.buffer);
    // 0xf9, 0xfa, 0xfb: half, single, double
    buf[at - 1] = 0xf9 + (size >> 2);
    if (size === 2) view.setUint16(at, h);
    else if (size === 4) view.setFloat32(at, n);
    else view.setFloat64(at, n);
    len = at + size;
  };
  const value = (v: unknown): void => {
    var i;
    if (typeof v === 'string') text(v);
    else if (typeof v === 'number') number(v);
    else if (v instanceof Uint8Array) {
      head(2, v.length);
      raw(v);
    } else if (isArray(v)) {
      head(4, v.length);
      for (i = 0; i < v.length; i++) value(v[i]);
    }
    // simple values 20-23 (§3.3)
    else if ((i = SIMPLE.indexOf(v)) >= 0) head(7, 20 + i);
    else if (typeof v === 'object') {
      const entries = v instanceof Map ? [...v] : Object.entries(v as object);
      head(5, entries.length);
      for (const [k, x] of entries) {
        value(k);
        value(x);
      }
    } else throw new CborError(`cannot encode a ${typeof v}`, len);
  };
  return {
    head_: head, text_: text, raw_: raw, value_: value, bytes_: () => buf.slice(0, len), reset_: () => {
      len = 0;
    },
  };
}

// ---------- reader ----------

/** Nesting deeper than this is rejected, so hostile input cannot exhaust the stack. */
const MAX_DEPTH = 64;

/** A bounds-checked cursor over one buffer; every failure is a CborError. */
export interface CborReader {
  /** Where the next item starts. */
  pos_(): number;
  done_(): boolean;
  /** Throws unless the next item (if there is one) is of major type `major` (`what` names it). */
  expect_(major: number, what: string): void;
  /** Any one data item as a JS value (see CborWriter.value_ for the mapping). */
  value_(depth?: number): unknown;
}

/** A reader of `buf` from its start (decoding is cold: a closure, no members to spell). */
export function cborReader(buf: Uint8Array): CborReader {
  const end = buf.length;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  /** The major type of the head last read. */
  let major = 0;
  const fail = (what: string, at = pos): never => {
    throw new CborError(what, at);
  };
  /** Skips n bytes that must be there; returns where they start. */
  const take = (n: number): number => (pos + n > end ? fail(`truncated: need ${n} more bytes (§3)`) : (pos += n) - n);
  /** Reads an initial byte (its major type into `major`) and returns its argument. */
  const head = (): number => {
    const start = pos;
    const ib = buf[take(1)];
    const info = ib & 31;
    major = ib >> 5;
    if (info < 24) return info;
    if (info === 24) return buf[take(1)];
    if (info === 25) return view.getUint16(take(2));
    if (info === 26) return view.getUint32(take(4));
    if (info === 27) return view.getUint32(take(8)) * TWO32 + view.getUint32(pos - 4);
    return fail(`${info > 30 ? 'indefinite length or break (§3.2)' : `reserved additional information ${info}`} in major type ${major}`, start);
  };
  const expect = (m: number, what: string): void => {
    if (pos < end && buf[pos] >> 5 !== m) fail(`expected ${what}, got major type ${buf[pos] >> 5}`);
  };
  const value = (depth = 0): unknown => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH}`);
    const at = pos;
    const arg = head();
    // An item takes at least one byte, so a count larger than what is left is a lie (§3.1).
    // (errors after a head give the offset where its content starts)
    if ((major === 4 || major === 5) && arg > end - pos) fail(`count ${arg} exceeds the remaining ${end - pos} bytes`);
    switch (major) {
      case 0:
        return arg;
      case 1:
        return -1 - arg;
      case 2:
        return buf.slice(take(arg), pos);
      case 3:
        return utf8DecodeStrict(buf, take(arg), pos) ?? fail('invalid UTF-8 in a text string (§3.1)', pos - arg);
      case 4: {
        const a = new Array(arg);
        for (let i = 0; i < arg; i++) a[i] = value(depth + 1);
        return a;
      }
      case 5: {
        const obj: Record<string, unknown> = {};
        for (let i = 0; i < arg; i++) {
          const keyAt = pos;
          expect(3, 'a text string');
          const k = value(depth + 1) as string;
          if (Object.hasOwn(obj, k)) fail(`duplicate map key ${toJson(k)} (§5.6)`, keyAt);
          putKey(obj, k, value(depth + 1));
        }
        return obj;
      }
      case 7: {
        // simple values and floats (§3.3): head read the float's bits as the argument
        const info = buf[at] & 31;
        if (info === 25) return halfToNumber(arg);
        if (info > 25) return info === 26 ? view.getFloat32(at + 1) : view.getFloat64(at + 1);
        return info > 19 && info < 24 ? SIMPLE[info - 20] : fail(`simple value ${arg} not supported (§3.3)`, at);
      }
    }
    // major 6: batches carry no tags (§3.4)
    return fail(`tag ${arg} not supported (§3.4)`, at);
  };
  return { pos_: () => pos, done_: () => pos >= end, expect_: expect, value_: value };
}

/** One value as CBOR bytes. */
export function encode(value: unknown): Uint8Array {
  const w = cborWriter();
  w.value_(value);
  return w.bytes_();
}

/** Exactly one data item; trailing bytes are an error (§5.1 well-formedness of a single item). */
export function decode(buf: Uint8Array): unknown {
  const r = cborReader(buf);
  const v = r.value_();
  if (!r.done_()) throw new CborError(`${buf.length - r.pos_()} trailing bytes after the item`, r.pos_());
  return v;
}

/** Items of a CBOR sequence (RFC 8742): data items back to back. */
export function decodeSequence(buf: Uint8Array): unknown[] {
  const r = cborReader(buf);
  const out: unknown[] = [];
  while (!r.done_()) out.push(r.value_());
  return out;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/** Hex (upper or lower case, no separators) to bytes, or null when it is not even-length hex. */
export function fromHex(s: string): Uint8Array | null {
  if (!/^(?:[\da-f]{2})*$/i.test(s)) return null;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}
