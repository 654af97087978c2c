// The batch wire format: events of one stream as one CBOR map, stored column by column
// (docs/wire-format.md is the normative description; keep the two in step).
// Why columns: a dns event is ~250 bytes of log but ~12 small fields whose values repeat
// (sensor, client, qtype, rcode...). Per column we keep a dictionary and write each event's value
// as a bit-packed index, times as exact integer deltas, and every string once per batch in a
// shared table (IP addresses as 4/16 raw bytes). Key order and unknown fields survive through
// per-event "shapes" (ordered lists of columns), so decoded events re-serialise byte for byte.
import type { NetEvent } from '../events';
import { CborReader, CborWriter, CborError } from './cbor';
import { ipBytes, ipText } from './ipbytes';

export const WIRE_VERSION = 1;

/** Column kinds (docs/wire-format.md, "Columns"). */
export const Kind = { Raw: 0, Str: 1, Time: 2, Lists: 3, Vals: 4 } as const;

export class BatchError extends Error {
  constructor(message: string) {
    super(`batch: ${message}`);
    this.name = 'BatchError';
  }
}

export interface BatchHeader {
  sensor: string;
  boot: string;
  seq: number;
  stream: string;
}

export interface DecodedBatch extends BatchHeader {
  v: number;
  events: NetEvent[];
}

interface Column {
  key: string;
  vals: unknown[];
}

/** A node of the shape trie: the ordered column indexes seen so far lead here. */
interface ShapeNode {
  next: (ShapeNode | undefined)[];
  id: number;
  path: number[];
}

const SCALES = [1, 1000, 1000000];

/** Collects events of one stream and writes them as one batch. */
export class BatchBuilder {
  private cols: Column[] = [];
  private colIndex = new Map<string, number>();
  private root: ShapeNode = { next: [], id: -1, path: [] };
  private shapes: number[][] = [];
  private shapeOf: number[] = [];
  private seen = new Map<string, true>();
  private textBytes = 0;
  count = 0;

  /** A cheap upper-bound guess of the encoded size so far (for flush-by-bytes). */
  estimate(): number {
    return 64 + this.textBytes + this.count * 8 + this.shapes.length * 16;
  }

  add(ev: NetEvent): void {
    const obj = ev as unknown as Record<string, unknown>;
    let node = this.root;
    for (const key in obj) {
      const v = obj[key];
      if (v === undefined) continue; // JSON.stringify omits it, so the wire does too
      let ci = this.colIndex.get(key);
      if (ci === undefined) {
        ci = this.cols.length;
        this.cols.push({ key, vals: [] });
        this.colIndex.set(key, ci);
      }
      this.cols[ci].vals.push(v);
      if (typeof v === 'string') this.note(v);
      else if (Array.isArray(v)) this.noteList(v);
      let nx = node.next[ci];
      if (nx === undefined) {
        nx = { next: [], id: -1, path: [...node.path, ci] };
        node.next[ci] = nx;
      }
      node = nx;
    }
    if (node.id < 0) {
      node.id = this.shapes.length;
      this.shapes.push(node.path);
    }
    this.shapeOf.push(node.id);
    this.count++;
  }

  private note(s: string): void {
    if (this.seen.has(s)) return;
    this.seen.set(s, true);
    this.textBytes += s.length + 2;
  }

  private noteList(a: unknown[]): void {
    for (let i = 0; i < a.length; i++) {
      const x = a[i];
      if (typeof x === 'string') this.note(x);
      else if (x !== null && typeof x === 'object') {
        const r = x as Record<string, unknown>;
        for (const k in r) if (typeof r[k] === 'string') this.note(r[k] as string);
      }
    }
  }

  finish(h: BatchHeader): Uint8Array {
    const table = new StringTable();
    const body = new CborWriter(1024);
    const shapeIdx = this.shapeOf;
    // Columns first into their own writer: they fill the string table, which precedes them.
    body.head(4, this.cols.length);
    for (const c of this.cols) writeColumn(body, c, table);
    const w = new CborWriter(body.len + table.bytes + 128);
    w.head(5, 10);
    w.text('v'); w.uint(WIRE_VERSION);
    w.text('sensor'); w.text(h.sensor);
    w.text('boot'); w.text(h.boot);
    w.text('seq'); w.uint(h.seq);
    w.text('stream'); w.text(h.stream);
    w.text('n'); w.uint(this.count);
    w.text('strs'); table.write(w);
    w.text('cols'); w.raw(body.buf.subarray(0, body.len));
    w.text('shapes');
    w.head(4, this.shapes.length);
    for (const s of this.shapes) {
      w.head(4, s.length);
      for (const ci of s) w.uint(ci);
    }
    w.text('shape'); w.byteString(pack(shapeIdx, this.shapes.length));
    return w.bytes();
  }
}

/** The batch's shared strings, numbered by first use; IP addresses are stored as raw bytes. */
class StringTable {
  private index = new Map<string, number>();
  private list: string[] = [];
  bytes = 0;

  ref(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
      this.bytes += s.length + 2;
    }
    return i;
  }

  write(w: CborWriter): void {
    w.head(4, this.list.length);
    for (const s of this.list) {
      const ip = ipBytes(s);
      if (ip) w.byteString(ip);
      else w.text(s);
    }
  }
}

/** Bit width of indexes into a dictionary of `size` entries: 0 when there is one entry. */
export function widthFor(size: number): number {
  let w = 0;
  while (1 << w < size) w++;
  return w;
}

/** Indexes, `width` bits each, least significant bit first (docs/wire-format.md §packed). */
export function pack(idx: number[], size: number): Uint8Array {
  const width = widthFor(size);
  const out = new Uint8Array(Math.ceil((idx.length * width) / 8));
  if (width === 0) return out;
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < idx.length; i++) {
    acc += idx[i] * 2 ** bits;
    bits += width;
    while (bits >= 8) {
      out[o++] = acc & 0xff;
      acc = Math.floor(acc / 256);
      bits -= 8;
    }
  }
  if (bits > 0) out[o] = acc;
  return out;
}

export function unpack(b: Uint8Array, n: number, size: number): number[] {
  const width = widthFor(size);
  const out = new Array<number>(n);
  if (width === 0) {
    if (n > 0 && size < 1) throw new BatchError('indexes into an empty dictionary');
    out.fill(0);
    return out;
  }
  if (b.length < Math.ceil((n * width) / 8)) throw new BatchError(`packed indexes: ${b.length} bytes cannot hold ${n} x ${width} bits`);
  let acc = 0;
  let bits = 0;
  let p = 0;
  const mask = 2 ** width;
  for (let i = 0; i < n; i++) {
    while (bits < width) {
      acc += b[p++] * 2 ** bits;
      bits += 8;
    }
    const v = acc % mask;
    acc = Math.floor(acc / mask);
    bits -= width;
    if (v >= size) throw new BatchError(`index ${v} outside a dictionary of ${size}`);
    out[i] = v;
  }
  return out;
}

function writeColumn(w: CborWriter, c: Column, table: StringTable): void {
  const vals = c.vals;
  let strings = true;
  let numbers = true;
  let lists = true;
  for (let i = 0; i < vals.length; i++) {
    const t = typeof vals[i];
    if (t !== 'string') strings = false;
    if (t !== 'number') numbers = false;
    if (!Array.isArray(vals[i])) lists = false;
  }
  w.head(4, 0); // patched below: the column array length depends on the kind
  const at = w.len - 1;
  w.text(c.key);
  let n: number;
  if (strings) n = writeStrings(w, vals as string[], table);
  else if (lists && listKeys(vals as unknown[][]) !== undefined) n = writeLists(w, vals as unknown[][], table);
  else if (numbers && writeNumbers(w, vals as number[])) n = 5;
  else n = writeValues(w, vals);
  w.buf[at] = 0x80 | n;
}

function writeStrings(w: CborWriter, vals: string[], table: StringTable): number {
  const local = new Map<string, number>();
  const dict: string[] = [];
  const idx = new Array<number>(vals.length);
  for (let i = 0; i < vals.length; i++) {
    const s = vals[i];
    let j = local.get(s);
    if (j === undefined) {
      j = dict.length;
      dict.push(s);
      local.set(s, j);
    }
    idx[i] = j;
  }
  w.uint(Kind.Str);
  w.head(4, dict.length);
  for (const s of dict) w.uint(table.ref(s));
  w.byteString(pack(idx, dict.length));
  return 4;
}

/**
 * The record keys shared by every element of every list (e.g. name/type/data of answers),
 * null for lists of plain strings, undefined when the lists do not fit the Lists kind.
 */
function listKeys(vals: unknown[][]): string[] | null | undefined {
  let keys: string[] | null | undefined;
  for (const list of vals) {
    for (const x of list) {
      if (typeof x === 'string') {
        if (keys === undefined) keys = null;
        else if (keys !== null) return undefined;
        continue;
      }
      if (x === null || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) return undefined;
      const r = x as Record<string, unknown>;
      if (keys === undefined) {
        keys = Object.keys(r);
        if (keys.length === 0) return undefined;
      } else if (keys === null) return undefined;
      let k = 0;
      for (const key in r) {
        const v = r[key];
        if (key !== keys[k++] || (v !== null && typeof v !== 'string')) return undefined;
      }
      if (k !== keys.length) return undefined;
    }
  }
  return keys === undefined ? null : keys;
}

function writeLists(w: CborWriter, vals: unknown[][], table: StringTable): number {
  const keys = listKeys(vals) as string[] | null;
  const local = new Map<string, number>();
  const dict: (number | null)[][] = [];
  const idx = new Array<number>(vals.length);
  for (let i = 0; i < vals.length; i++) {
    const list = vals[i];
    const flat: (number | null)[] = [];
    let id = '';
    for (const x of list) {
      if (keys === null) {
        const r = table.ref(x as string);
        flat.push(r);
        id += r + ',';
        continue;
      }
      const rec = x as Record<string, string | null>;
      for (let k = 0; k < keys.length; k++) {
        const v = rec[keys[k]];
        const r = v === null ? null : table.ref(v);
        flat.push(r);
        id += r === null ? '-,' : r + ',';
      }
    }
    let j = local.get(id);
    if (j === undefined) {
      j = dict.length;
      dict.push(flat);
      local.set(id, j);
    }
    idx[i] = j;
  }
  w.uint(Kind.Lists);
  if (keys === null) w.simple(22);
  else {
    w.head(4, keys.length);
    for (const k of keys) w.text(k);
  }
  w.head(4, dict.length);
  for (const flat of dict) {
    w.head(4, flat.length);
    for (const r of flat) {
      if (r === null) w.simple(22);
      else w.uint(r);
    }
  }
  w.byteString(pack(idx, dict.length));
  return 5;
}

/** Exact integer deltas at the smallest decimal scale that reproduces every value; false if none. */
function writeNumbers(w: CborWriter, vals: number[]): boolean {
  let s = 0;
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i];
    while (s < SCALES.length && Math.round(v * SCALES[s]) / SCALES[s] !== v) s++;
    if (s === SCALES.length) return false;
  }
  const p = SCALES[s];
  const m = new Array<number>(vals.length);
  for (let i = 0; i < vals.length; i++) {
    m[i] = Math.round(vals[i] * p);
    if (!Number.isSafeInteger(m[i]) || m[i] / p !== vals[i]) return false;
  }
  // Few distinct values (ports, flags) pack better as a dictionary than as deltas.
  const distinct = new Set(vals).size;
  if (distinct * 4 <= vals.length && distinct <= 256) return false;
  const out = new CborWriter(vals.length * 3 + 16);
  let prev = m[0];
  for (let i = 0; i < m.length; i++) {
    const d = m[i] - prev;
    prev = m[i];
    leb128(out, d >= 0 ? d * 2 : -d * 2 - 1);
  }
  w.uint(Kind.Time);
  w.uint(s * 3);
  w.int(m[0]);
  w.byteString(out.buf.subarray(0, out.len));
  return true;
}

function leb128(w: CborWriter, n: number): void {
  while (n >= 128) {
    w.byte((n % 128) | 128);
    n = Math.floor(n / 128);
  }
  w.byte(n);
}

/** Numbers, booleans, null, objects: a dictionary when values repeat, else plain CBOR items. */
function writeValues(w: CborWriter, vals: unknown[]): number {
  const prim = vals.every((v) => v === null || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string');
  if (prim) {
    const local = new Map<unknown, number>();
    const dict: unknown[] = [];
    const idx: number[] = [];
    for (const v of vals) {
      // Map keys compare numbers by value; -0 and 0 print the same in JSON, so sharing is safe.
      let j = local.get(v);
      if (j === undefined) {
        j = dict.length;
        dict.push(v);
        local.set(v, j);
      }
      idx.push(j);
    }
    if (dict.length * 2 <= vals.length) {
      w.uint(Kind.Vals);
      w.value(dict);
      w.byteString(pack(idx, dict.length));
      return 4;
    }
  }
  w.uint(Kind.Raw);
  w.value(vals);
  return 3;
}

export function encodeBatch(b: BatchHeader & { events: NetEvent[] }): Uint8Array {
  const builder = new BatchBuilder();
  for (const ev of b.events) builder.add(ev);
  return builder.finish(b);
}

// ---------------- decoding ----------------

const HEADER_KEYS = ['v', 'sensor', 'boot', 'seq', 'stream', 'n', 'strs', 'cols', 'shapes', 'shape'];

/** Decodes one batch; throws BatchError or CborError (both with context) on bad input. */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  return decodeBatchAt(new CborReader(bytes), true);
}

/** Decodes the batch at the reader's position (a CBOR sequence of batches, RFC 8742). */
export function decodeBatchAt(r: CborReader, whole = false): DecodedBatch {
  const nkeys = r.mapHead();
  const hdr: Record<string, unknown> = Object.create(null);
  let strs: string[] = [];
  let cols: unknown[][] = [];
  for (let i = 0; i < nkeys; i++) {
    const k = r.text();
    if (k === 'strs') strs = readTable(r);
    else if (k === 'cols') cols = r.value() as unknown[][];
    else hdr[k] = r.value();
  }
  if (whole && !r.done()) throw new CborError(`${r.end - r.pos} trailing bytes after the batch`, r.pos);
  for (const k of HEADER_KEYS) {
    if (k !== 'strs' && k !== 'cols' && !(k in hdr)) throw new BatchError(`missing header field ${k}`);
  }
  const v = hdr.v;
  if (v !== WIRE_VERSION) throw new BatchError(`unsupported version ${String(v)}`);
  const n = hdr.n;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new BatchError('n is not a count');
  for (const k of ['sensor', 'boot', 'stream']) if (typeof hdr[k] !== 'string') throw new BatchError(`${k} is not text`);
  if (typeof hdr.seq !== 'number') throw new BatchError('seq is not a number');
  if (!Array.isArray(cols)) throw new BatchError('cols is not an array');
  const shapes = hdr.shapes;
  if (!Array.isArray(shapes)) throw new BatchError('shapes is not an array');
  for (const s of shapes) {
    if (!Array.isArray(s)) throw new BatchError('a shape is not an array');
    for (const ci of s) if (typeof ci !== 'number' || !(ci >= 0 && ci < cols.length)) throw new BatchError(`shape names column ${String(ci)} of ${cols.length}`);
  }
  if (!(hdr.shape instanceof Uint8Array)) throw new BatchError('shape is not a byte string');
  const shapeOf = unpack(hdr.shape, n, shapes.length);
  const uses = new Array<number>(cols.length).fill(0);
  for (let i = 0; i < n; i++) for (const ci of shapes[shapeOf[i]] as number[]) uses[ci]++;
  const keys: string[] = [];
  const values: unknown[][] = [];
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c];
    if (!Array.isArray(col) || typeof col[0] !== 'string') throw new BatchError(`column ${c} has no key`);
    keys.push(col[0]);
    values.push(readColumn(col, uses[c], strs));
  }
  const events: NetEvent[] = new Array(n);
  const next = new Array<number>(cols.length).fill(0);
  for (let i = 0; i < n; i++) {
    const ev: Record<string, unknown> = {};
    for (const ci of shapes[shapeOf[i]] as number[]) {
      const key = keys[ci];
      const val = values[ci][next[ci]++];
      if (key === '__proto__') Object.defineProperty(ev, key, { value: val, enumerable: true, writable: true, configurable: true });
      else ev[key] = val;
    }
    events[i] = ev as unknown as NetEvent;
  }
  return {
    v: v as number, sensor: hdr.sensor as string, boot: hdr.boot as string, seq: hdr.seq as number,
    stream: hdr.stream as string, events,
  };
}

function readTable(r: CborReader): string[] {
  const n = r.arrayHead();
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) {
    const x = r.value();
    if (typeof x === 'string') out[i] = x;
    else if (x instanceof Uint8Array && (x.length === 4 || x.length === 16)) out[i] = ipText(x);
    else throw new BatchError(`string table entry ${i} is neither text nor a 4/16-byte address`);
  }
  return out;
}

function ref(strs: string[], x: unknown, where: string): string {
  if (typeof x !== 'number' || !(x >= 0 && x < strs.length) || !Number.isInteger(x)) {
    throw new BatchError(`${where}: string reference ${String(x)} outside a table of ${strs.length}`);
  }
  return strs[x];
}

function readColumn(col: unknown[], n: number, strs: string[]): unknown[] {
  const key = col[0] as string;
  const kind = col[1];
  const where = `column ${key}`;
  switch (kind) {
    case Kind.Raw: {
      const vals = col[2];
      if (!Array.isArray(vals) || vals.length !== n) throw new BatchError(`${where}: expected ${n} values`);
      return vals;
    }
    case Kind.Str: {
      const dict = col[2];
      if (!Array.isArray(dict) || !(col[3] instanceof Uint8Array)) throw new BatchError(`${where}: malformed`);
      const text = dict.map((x) => ref(strs, x, where));
      return unpack(col[3], n, dict.length).map((j) => text[j]);
    }
    case Kind.Time: {
      const scale = col[2];
      const base = col[3];
      const deltas = col[4];
      if ((scale !== 0 && scale !== 3 && scale !== 6) || typeof base !== 'number' || !(deltas instanceof Uint8Array)) {
        throw new BatchError(`${where}: malformed`);
      }
      const p = SCALES[scale / 3];
      const out = new Array<number>(n);
      let m = base;
      let pos = 0;
      for (let i = 0; i < n; i++) {
        let z = 0;
        let mul = 1;
        for (;;) {
          if (pos >= deltas.length) throw new BatchError(`${where}: deltas end after ${i} of ${n}`);
          const b = deltas[pos++];
          z += (b & 127) * mul;
          mul *= 128;
          if (b < 128) break;
          if (mul > 2 ** 56) throw new BatchError(`${where}: delta too long`);
        }
        m += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        out[i] = p === 1 ? m : m / p;
      }
      return out;
    }
    case Kind.Lists: {
      const rkeys = col[2];
      const dict = col[3];
      if ((rkeys !== null && !Array.isArray(rkeys)) || !Array.isArray(dict) || !(col[4] instanceof Uint8Array)) {
        throw new BatchError(`${where}: malformed`);
      }
      const lists: unknown[][] = dict.map((flat): unknown[] => {
        if (!Array.isArray(flat)) throw new BatchError(`${where}: list entry is not an array`);
        if (rkeys === null) return flat.map((x) => ref(strs, x, where));
        const kn = rkeys.length;
        if (kn === 0 || flat.length % kn !== 0) throw new BatchError(`${where}: list entry of ${flat.length} for ${kn} keys`);
        const recs: Record<string, string | null>[] = [];
        for (let i = 0; i < flat.length; i += kn) {
          const rec: Record<string, string | null> = {};
          for (let k = 0; k < kn; k++) rec[String(rkeys[k])] = flat[i + k] === null ? null : ref(strs, flat[i + k], where);
          recs.push(rec);
        }
        return recs;
      });
      // Each event gets its own copy, so a consumer editing one event does not change another.
      return unpack(col[4], n, dict.length).map((j) => structuredCopy(lists[j]));
    }
    case Kind.Vals: {
      const dict = col[2];
      if (!Array.isArray(dict) || !(col[3] instanceof Uint8Array)) throw new BatchError(`${where}: malformed`);
      return unpack(col[3], n, dict.length).map((j) => dict[j]);
    }
    default:
      throw new BatchError(`${where}: unknown kind ${String(kind)}`);
  }
}

function structuredCopy(list: unknown[]): unknown[] {
  return list.map((x) => (typeof x === 'object' && x !== null ? { ...x } : x));
}
