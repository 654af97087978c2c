// The batch wire format: events of one stream as one CBOR map, stored column by column
// (docs/wire-format.md is the normative description; keep the two in step).
// Why columns: a dns event is ~250 bytes of log but ~12 small fields whose values repeat
// (sensor, client, qtype, rcode...). Per column we keep a dictionary and write each event's value
// as a bit-packed index, times as exact integer deltas, and every string once per batch in a
// shared table (IP addresses as 4/16 raw bytes). Key order and unknown fields survive through
// per-event "shapes" (ordered lists of columns), so decoded events re-serialise byte for byte.
import type { NetEvent } from '../events';
import { CborReader, CborWriter, CborError } from './cbor';
import { StringTable, readTable } from './strtable';
import { writeColumn, readColumn } from './columns';
import { ColumnBuilder } from './column-builder';
import { BatchError, pack, unpack, widthFor } from './wire';
import { isArray, isInteger, newDict, putKey } from '../compat/lang';

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
  id_: number;
  colIdx_: number[];
}

/**
 * A key sequence seen so far (a path from the root): events walk it key by key, so a change of
 * shape from one event to the next costs a lookup at the point where the key lists part, not a
 * restart. `hot` is the child taken last (most events repeat their predecessor's keys).
 */
interface Node {
  key_: string;
  ci_: number;
  col_: ColumnBuilder | null;
  parent_: Node | null;
  next_: Map<string, Node> | null;
  hot_: Node | null;
  shape_: Shape | null;
}

/** Collects events of one stream and writes them as one batch. */
export class BatchBuilder {
  private cols_: ColumnBuilder[] = [];
  private colIndex_ = new Map<string, number>();
  private shapes_: Shape[] = [];
  private readonly root_: Node = { key_: '', ci_: -1, col_: null, parent_: null, next_: null, hot_: null, shape_: null };
  private shapeOf_: number[] = [];
  count_ = 0;
  /** The columns' rough encoded bytes (ColumnBuilder.put_), summed as values are added. */
  private bytes_ = 0;

  /** A rough guess of the encoded size so far, for flushing by bytes (asked after every event). */
  estimate_(): number {
    return 64 + this.shapes_.length * 16 + this.bytes_;
  }

  add_(ev: NetEvent): void {
    // var: per event and per key, and qjs checks the dead zone on every read of a let/const local.
    var obj = ev as unknown as Record<string, unknown>, node = this.root_, k, v, nx, col, idx, bytes = 0;
    // for-in is cheaper than Object.keys under qjs; events are plain objects (no inherited
    // enumerable keys). Keys whose value is undefined are absent, as in JSON.
    for (k in obj) {
      v = obj[k];
      if (v === undefined) continue;
      nx = node.hot_;
      if (nx === null || nx.key_ !== k) nx = this.step_(node, k);
      col = nx.col_ as ColumnBuilder;
      // the column's last string again (type, sensor, a burst's client...): its index, no call
      if (v === col.last_) {
        idx = col.idx_;
        idx[idx.length] = col.lastJ_;
      } else bytes += col.put_(v);
      node = nx;
    }
    this.bytes_ += bytes;
    idx = this.shapeOf_;
    idx[idx.length] = (node.shape_ ?? this.newShape_(node)).id_;
    this.count_++;
  }

  private step_(node: Node, k: string): Node {
    let next = node.next_;
    if (next === null) next = node.next_ = new Map();
    let nx = next.get(k);
    if (nx === undefined) {
      let ci = this.colIndex_.get(k);
      if (ci === undefined) {
        ci = this.cols_.length;
        this.cols_.push(new ColumnBuilder(k));
        this.colIndex_.set(k, ci);
      }
      nx = { key_: k, ci_: ci, col_: this.cols_[ci], parent_: node, next_: null, hot_: null, shape_: null };
      next.set(k, nx);
    }
    node.hot_ = nx;
    return nx;
  }

  private newShape_(node: Node): Shape {
    const colIdx: number[] = [];
    for (let n: Node | null = node; n !== null && n.parent_ !== null; n = n.parent_) colIdx.push(n.ci_);
    colIdx.reverse();
    const shape: Shape = { id_: this.shapes_.length, colIdx_: colIdx };
    this.shapes_.push(shape);
    node.shape_ = shape;
    return shape;
  }

  finish_(h: BatchHeader): Uint8Array {
    const table = new StringTable();
    const plans = this.cols_.map((c) => c.plan_(table));
    // Splitting names on shared suffixes adds entries, so the table size is final only now.
    const items = new CborWriter(this.estimate_());
    const size = table.finalize_(items);
    const w = new CborWriter(this.estimate_() + 256);
    w.head_(5, 10);
    // the header fields in HEADER_KEYS order
    for (const [k, v] of [['v', WIRE_VERSION], ['sensor', h.sensor], ['boot', h.boot], ['seq', h.seq], ['stream', h.stream], ['n', this.count_]]) {
      w.text_(k as string);
      w.value_(v);
    }
    w.text_('strs'); w.head_(4, size); w.raw_(items.buf_.subarray(0, items.len_));
    w.text_('cols');
    w.head_(4, plans.length);
    for (const p of plans) writeColumn(w, p, size);
    w.text_('shapes'); w.value_(this.shapes_.map((s) => s.colIdx_));
    w.text_('shape'); w.byteString_(pack(this.shapeOf_, widthFor(this.shapes_.length)));
    return w.bytes_();
  }
}

export function encodeBatch(b: BatchHeader & { events: NetEvent[] }): Uint8Array {
  const builder = new BatchBuilder();
  for (const ev of b.events) builder.add_(ev);
  return builder.finish_(b);
}

// ---------------- decoding ----------------

/** Decodes one batch; throws BatchError or CborError (both with context) on bad input. */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  return decodeBatchAt(new CborReader(bytes), true);
}

/** Decodes the batch at the reader's position (a CBOR sequence of batches, RFC 8742). */
export function decodeBatchAt(r: CborReader, whole = false): DecodedBatch {
  // the header fields every batch has (`strs` and `cols` may be absent: empty) and their types
  // (in the function: postMinify may turn module-level strings into constants declared later)
  const HEADER: Record<string, string> = { v: 'number', sensor: 'string', boot: 'string', seq: 'number', stream: 'string', n: 'number', shapes: 'object', shape: 'object' };
  const nkeys = r.mapHead_();
  const hdr: Record<string, unknown> = newDict();
  let strs: string[] = [];
  let cols: unknown[][] = [];
  for (let i = 0; i < nkeys; i++) {
    const k = r.text_();
    if (k === 'strs') strs = readTable(r);
    else if (k === 'cols') cols = r.value_() as unknown[][];
    else hdr[k] = r.value_();
  }
  if (whole && !r.done_()) throw new CborError(`${r.end_ - r.pos_} trailing bytes after the batch`, r.pos_);
  for (const k in HEADER) if (!(k in hdr)) throw new BatchError(`missing header field ${k}`);
  const { v, n, shapes, shape } = hdr;
  if (v !== WIRE_VERSION) throw new BatchError(`unsupported version ${String(v)}`);
  for (const k in HEADER) if (typeof hdr[k] !== HEADER[k]) throw new BatchError(`${k} is not of type ${HEADER[k]}`);
  if (!isInteger(n) || (n as number) < 0) throw new BatchError(`n is not a count`);
  if (!isArray(cols)) throw new BatchError('cols is not an array');
  if (!isArray(shapes)) throw new BatchError('shapes is not an array');
  for (const s of shapes) {
    if (!isArray(s)) throw new BatchError('a shape is not an array');
    for (const ci of s) if (!(isInteger(ci) && ci >= 0 && ci < cols.length)) throw new BatchError(`shape names column ${String(ci)} of ${cols.length}`);
  }
  if (!(shape instanceof Uint8Array)) throw new BatchError('shape is not a byte string');
  const shapeOf = unpack(shape, n as number, widthFor(shapes.length), shapes.length, 'shape');
  const uses = new Array<number>(cols.length).fill(0);
  for (const si of shapeOf) for (const ci of shapes[si] as number[]) uses[ci]++;
  const keys: string[] = [];
  const values: unknown[][] = [];
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c];
    if (!isArray(col) || typeof col[0] !== 'string') throw new BatchError(`column ${c} has no key`);
    keys.push(col[0]);
    values.push(readColumn(col, uses[c], strs));
  }
  const next = new Array<number>(cols.length).fill(0);
  const events = shapeOf.map((si) => {
    const ev: Record<string, unknown> = {};
    for (const ci of shapes[si] as number[]) putKey(ev, keys[ci], values[ci][next[ci]++]);
    return ev as unknown as NetEvent;
  });
  return { v, sensor: hdr.sensor, boot: hdr.boot, seq: hdr.seq, stream: hdr.stream, events } as DecodedBatch;
}

