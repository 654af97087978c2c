// The batch wire format: events of one stream as one CBOR map, stored column by column
// (docs/wire-format.md is the normative description; keep the two in step).
// Why columns: a dns event is ~250 bytes of log but ~12 small fields whose values repeat
// (sensor, client, qtype, rcode...). Per column we keep a dictionary and write each event's value
// as a bit-packed index, times as exact integer deltas, and every string once per batch in a
// shared table (IP addresses as 4/16 raw bytes). Key order and unknown fields survive through
// per-event "shapes" (ordered lists of columns), so decoded events re-serialise byte for byte.
import type { NetEvent } from '../events';
import { CborReader, CborWriter, CborError } from './cbor';
import { StringTable, writeEntries, readTable } from './strtable';
import { writeColumn, readColumn } from './columns';
import { ColumnBuilder } from './column-builder';
import { BatchError, pack, unpack, widthFor } from './wire';

export { BatchError } from './wire';
export const WIRE_VERSION = 1;

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

/** An ordered key list seen in this batch, with the column each key feeds. */
interface Shape {
  id: number;
  keys: string[];
  cols: ColumnBuilder[];
  colIdx: number[];
}

/** Collects events of one stream and writes them as one batch. */
export class BatchBuilder {
  private cols: ColumnBuilder[] = [];
  private colIndex = new Map<string, number>();
  private shapes: Shape[] = [];
  private shapeIndex = new Map<string, Shape>();
  private last: Shape | undefined;
  private shapeOf: number[] = [];
  count = 0;

  /** A rough guess of the encoded size so far, for flushing by bytes. */
  estimate(): number {
    let n = 64 + this.shapes.length * 16;
    for (let i = 0; i < this.cols.length; i++) n += this.cols[i].bytes;
    return n;
  }

  add(ev: NetEvent): void {
    const obj = ev as unknown as Record<string, unknown>;
    // Events of a stream mostly repeat the previous key list: check it while storing values.
    // (for-in is cheaper than Object.keys under qjs.)
    const shape = this.last;
    if (shape !== undefined) {
      const skeys = shape.keys;
      const cols = shape.cols;
      let i = 0;
      for (const k in obj) {
        const v = obj[k];
        if (i >= skeys.length || k !== skeys[i] || v === undefined) return this.addSlow(obj, i);
        cols[i++].put(v);
      }
      if (i !== skeys.length) return this.addSlow(obj, i);
      this.shapeOf.push(shape.id);
      this.count++;
      return;
    }
    this.addSlow(obj, 0);
  }

  /** The event's first `done` values are stored already (they match the last shape's keys). */
  private addSlow(obj: Record<string, unknown>, done: number): void {
    const shape = this.shapeFor(Object.keys(obj), obj);
    // The new shape begins with the same `done` keys (all defined), so continue from there.
    for (let j = done; j < shape.cols.length; j++) shape.cols[j].put(obj[shape.keys[j]]);
    this.last = shape;
    this.shapeOf.push(shape.id);
    this.count++;
  }

  private shapeFor(keys: string[], obj: Record<string, unknown>): Shape {
    const present: string[] = [];
    for (const k of keys) if (obj[k] !== undefined) present.push(k);
    const sig = present.join('\u0000');
    let shape = this.shapeIndex.get(sig);
    if (shape === undefined) {
      const colIdx = present.map((k) => {
        let ci = this.colIndex.get(k);
        if (ci === undefined) {
          ci = this.cols.length;
          this.cols.push(new ColumnBuilder(k));
          this.colIndex.set(k, ci);
        }
        return ci;
      });
      shape = { id: this.shapes.length, keys: present, cols: colIdx.map((ci) => this.cols[ci]), colIdx };
      this.shapes.push(shape);
      this.shapeIndex.set(sig, shape);
    }
    return shape;
  }

  finish(h: BatchHeader): Uint8Array {
    const table = new StringTable();
    const plans = this.cols.map((c) => c.plan(table));
    // Splitting names on shared suffixes adds entries, so the table size is final only now.
    const entries = table.finalize();
    const w = new CborWriter(this.estimate() + 256);
    w.head(5, 10);
    w.text('v'); w.uint(WIRE_VERSION);
    w.text('sensor'); w.text(h.sensor);
    w.text('boot'); w.text(h.boot);
    w.text('seq'); w.uint(h.seq);
    w.text('stream'); w.text(h.stream);
    w.text('n'); w.uint(this.count);
    w.text('strs'); writeEntries(w, entries);
    w.text('cols');
    w.head(4, plans.length);
    for (const p of plans) writeColumn(w, p, entries.length);
    w.text('shapes');
    w.head(4, this.shapes.length);
    for (const s of this.shapes) {
      w.head(4, s.colIdx.length);
      for (const ci of s.colIdx) w.uint(ci);
    }
    w.text('shape'); w.byteString(pack(this.shapeOf, widthFor(this.shapes.length)));
    return w.bytes();
  }
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
  const shapeOf = unpack(hdr.shape, n, widthFor(shapes.length), shapes.length, 'shape');
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

