// A small Node `Buffer` for dependencies bundled into the qjs agent (dns-packet, and mqtt-packet
// when measured). scripts/build.mjs aliases `buffer` here. It covers what those packages call:
// from/alloc/concat/byteLength, utf8/hex/base64/latin1 text, big-endian and little-endian integer
// reads and writes, slice as a view (Node semantics, unlike Uint8Array.prototype.slice), copy.
// Not a full Buffer: no noAssert, no 64-bit ints, no ucs2.
import { utf8Decode, utf8Length, utf8Write } from './utf8';

type Encoding = 'utf8' | 'utf-8' | 'hex' | 'base64' | 'latin1' | 'binary' | 'ascii';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function norm(enc: string | undefined): string {
  return enc === undefined ? 'utf8' : enc.toLowerCase();
}

function textLength(s: string, enc: string): number {
  switch (enc) {
    case 'hex':
      return s.length >>> 1;
    case 'base64': {
      let n = s.length;
      while (n > 0 && s.charCodeAt(n - 1) === 61) n--;
      return (n * 3) >>> 2;
    }
    case 'latin1':
    case 'binary':
    case 'ascii':
      return s.length;
    default:
      return utf8Length(s);
  }
}

function writeText(s: string, enc: string, buf: Uint8Array, off: number, max: number): number {
  if (enc === 'utf8' || enc === 'utf-8') {
    if (utf8Length(s) <= max) return utf8Write(s, buf, off) - off;
    // Rare: a partial write; encode aside and copy what fits.
    const tmp = new Uint8Array(utf8Length(s));
    utf8Write(s, tmp, 0);
    buf.set(tmp.subarray(0, max), off);
    return max;
  }
  let n = 0;
  if (enc === 'hex') {
    for (; n < max && n * 2 + 1 < s.length; n++) {
      const v = parseInt(s.substr(n * 2, 2), 16);
      if (v !== v) break;
      buf[off + n] = v;
    }
    return n;
  }
  if (enc === 'base64') {
    let bits = 0;
    let acc = 0;
    for (let i = 0; i < s.length && n < max; i++) {
      let v = B64.indexOf(s[i]);
      if (v < 0) v = s[i] === '-' ? 62 : s[i] === '_' ? 63 : -1;
      if (v < 0) continue;
      acc = (acc << 6) | v;
      bits += 6;
      if (bits >= 8) {
        bits -= 8;
        buf[off + n++] = (acc >> bits) & 255;
      }
    }
    return n;
  }
  for (; n < max && n < s.length; n++) buf[off + n] = s.charCodeAt(n) & 255;
  return n;
}

function readText(buf: Uint8Array, enc: string, start: number, end: number): string {
  if (enc === 'utf8' || enc === 'utf-8') return utf8Decode(buf, start, end);
  let out = '';
  if (enc === 'hex') {
    for (let i = start; i < end; i++) out += (buf[i] < 16 ? '0' : '') + buf[i].toString(16);
    return out;
  }
  if (enc === 'base64') {
    let i = start;
    for (; i + 2 < end; i += 3) {
      const v = (buf[i] << 16) | (buf[i + 1] << 8) | buf[i + 2];
      out += B64[v >> 18] + B64[(v >> 12) & 63] + B64[(v >> 6) & 63] + B64[v & 63];
    }
    if (end - i === 1) out += B64[buf[i] >> 2] + B64[(buf[i] & 3) << 4] + '==';
    else if (end - i === 2) {
      const v = (buf[i] << 8) | buf[i + 1];
      out += B64[v >> 10] + B64[(v >> 4) & 63] + B64[(v & 15) << 2] + '=';
    }
    return out;
  }
  for (let i = start; i < end; i++) out += String.fromCharCode(enc === 'ascii' ? buf[i] & 127 : buf[i]);
  return out;
}

function range(buf: Uint8Array, off: number, n: number): void {
  if (!(off >= 0 && off + n <= buf.length)) throw new RangeError(`offset ${off} out of range for ${n} bytes in ${buf.length}`);
}

// @ts-expect-error Node's Buffer.from has a different signature from Uint8Array.from.
export class Buffer extends Uint8Array {
  static isBuffer(x: unknown): x is Buffer {
    return x instanceof Buffer;
  }

  static alloc(n: number, fill?: number): Buffer {
    const b = new Buffer(n);
    if (fill) b.fill(fill);
    return b;
  }

  static allocUnsafe(n: number): Buffer {
    return new Buffer(n);
  }

  static byteLength(x: string | Uint8Array | ArrayBuffer, enc?: Encoding): number {
    return typeof x === 'string' ? textLength(x, norm(enc)) : x.byteLength;
  }

  static override from(x: string | ArrayLike<number> | ArrayBuffer | Uint8Array, encOrOffset?: Encoding | number, length?: number): Buffer {
    if (typeof x === 'string') {
      const enc = norm(encOrOffset as string | undefined);
      const b = new Buffer(textLength(x, enc));
      const n = writeText(x, enc, b, 0, b.length);
      return n === b.length ? b : b.subarray(0, n);
    }
    if (x instanceof ArrayBuffer) return new Buffer(x, (encOrOffset as number) ?? 0, length ?? x.byteLength - ((encOrOffset as number) ?? 0));
    const b = new Buffer(x.length);
    b.set(x as ArrayLike<number>);
    return b;
  }

  static concat(list: readonly Uint8Array[], total?: number): Buffer {
    let n = 0;
    for (const b of list) n += b.length;
    const out = new Buffer(total ?? n);
    let off = 0;
    for (const b of list) {
      if (off >= out.length) break;
      out.set(off + b.length <= out.length ? b : b.subarray(0, out.length - off), off);
      off += b.length;
    }
    return out;
  }

  static compare(a: Uint8Array, b: Uint8Array): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }

  override toString(enc?: Encoding, start = 0, end = this.length): string {
    return readText(this, norm(enc), Math.max(0, start), Math.min(this.length, end));
  }

  toJSON(): { type: 'Buffer'; data: number[] } {
    return { type: 'Buffer', data: Array.from(this) };
  }

  write(s: string, offset?: number | Encoding, length?: number | Encoding, enc?: Encoding): number {
    if (typeof offset === 'string') return this.write(s, 0, this.length, offset);
    if (typeof length === 'string') return this.write(s, offset, this.length - (offset ?? 0), length);
    const off = offset ?? 0;
    return writeText(s, norm(enc), this, off, Math.min(length ?? this.length - off, this.length - off));
  }

  equals(o: Uint8Array): boolean {
    return Buffer.compare(this, o) === 0;
  }

  compare(o: Uint8Array): number {
    return Buffer.compare(this, o);
  }

  // Node's slice is a view; Uint8Array's is a copy.
  override slice(start?: number, end?: number): Buffer {
    return this.subarray(start, end);
  }

  override subarray(start?: number, end?: number): Buffer {
    const v = Uint8Array.prototype.subarray.call(this, start, end) as Uint8Array;
    return new Buffer(v.buffer as ArrayBuffer, v.byteOffset, v.length);
  }

  copy(target: Uint8Array, targetStart = 0, start = 0, end = this.length): number {
    const n = Math.max(0, Math.min(end - start, target.length - targetStart));
    target.set(Uint8Array.prototype.subarray.call(this, start, start + n), targetStart);
    return n;
  }

  private dv_(): DataView {
    return new DataView(this.buffer, this.byteOffset, this.byteLength);
  }

  readUInt8(o = 0): number { range(this, o, 1); return this[o]; }
  readInt8(o = 0): number { range(this, o, 1); return (this[o] << 24) >> 24; }
  readUInt16BE(o = 0): number { range(this, o, 2); return (this[o] << 8) | this[o + 1]; }
  readUInt16LE(o = 0): number { range(this, o, 2); return this[o] | (this[o + 1] << 8); }
  readInt16BE(o = 0): number { range(this, o, 2); return this.dv_().getInt16(o); }
  readInt16LE(o = 0): number { range(this, o, 2); return this.dv_().getInt16(o, true); }
  readUInt32BE(o = 0): number { range(this, o, 4); return this.dv_().getUint32(o); }
  readUInt32LE(o = 0): number { range(this, o, 4); return this.dv_().getUint32(o, true); }
  readInt32BE(o = 0): number { range(this, o, 4); return this.dv_().getInt32(o); }
  readInt32LE(o = 0): number { range(this, o, 4); return this.dv_().getInt32(o, true); }
  readFloatBE(o = 0): number { range(this, o, 4); return this.dv_().getFloat32(o); }
  readDoubleBE(o = 0): number { range(this, o, 8); return this.dv_().getFloat64(o); }

  writeUInt8(v: number, o = 0): number { range(this, o, 1); this[o] = v; return o + 1; }
  writeInt8(v: number, o = 0): number { range(this, o, 1); this[o] = v & 255; return o + 1; }
  writeUInt16BE(v: number, o = 0): number { range(this, o, 2); this[o] = v >>> 8; this[o + 1] = v; return o + 2; }
  writeUInt16LE(v: number, o = 0): number { range(this, o, 2); this[o] = v; this[o + 1] = v >>> 8; return o + 2; }
  writeInt16BE(v: number, o = 0): number { range(this, o, 2); this.dv_().setInt16(o, v); return o + 2; }
  writeUInt32BE(v: number, o = 0): number { range(this, o, 4); this.dv_().setUint32(o, v); return o + 4; }
  writeUInt32LE(v: number, o = 0): number { range(this, o, 4); this.dv_().setUint32(o, v, true); return o + 4; }
  writeInt32BE(v: number, o = 0): number { range(this, o, 4); this.dv_().setInt32(o, v); return o + 4; }
  writeFloatBE(v: number, o = 0): number { range(this, o, 4); this.dv_().setFloat32(o, v); return o + 4; }
  writeDoubleBE(v: number, o = 0): number { range(this, o, 8); this.dv_().setFloat64(o, v); return o + 8; }
}

export default { Buffer };
