// The batch wire format: events of one stream as one CBOR map, stored column by column
// (docs/wire-format.md is the normative description; keep the two in step).
// Why columns: a dns event is ~250 bytes of log but ~12 small fields whose values repeat
// (sensor, client, qtype, rcode...). Per column we keep a dictionary and write each event's value
// as a bit-packed index, times as exact integer deltas, and every string once per batch in a
// shared table (IP addresses as 4/16 raw bytes). Key order and unknown fields survive through
// per-event "shapes" (ordered lists of columns), so decoded events re-serialise byte for byte.
import type { NetEvent } from '../events';
import { cborReader, cborWriter, CborError, type CborReader } from './cbor';
import { stringTable, readTable } from './strtable';
import { readColumn } from './columns';
import { columnBuilder, type ColumnBuilder } from './column-builder';
import { fail, need, pack, unpack } from './wire';
import { isArray, isInteger, putKey } from '../compat/lang';

export { BatchError } from './wire';
export const WIRE_VERSION = 1;

/**
 * The batch's keys in wire order, with their types (wire.ts need()): the encoder writes them in
 * this order, the decoder checks them by it.
 */
const HEADER: Record<string, string> = { v: 'n', sensor: 's', boot: 's', seq: 'n', stream: 's', n: 'c', strs: 'a', cols: 'a', shapes: 'a', shape: 'b' };

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
export interface BatchBuilder {
  /** Events added so far. */
  count_: number;
  add_(ev: NetEvent): void;
  /** A rough guess of the encoded size so far, for flushing by bytes (asked after every event). */
  estimate_(): number;
  finish_(h: BatchHeader): Uint8Array;
}

/** (a closure: its state is locals, `var` because qjs checks the dead zone of let/const locals) */
export const BatchBuilder = function (): BatchBuilder {
  var cols: ColumnBuilder[] = [];
  var colIndex = new Map<string, number>();
  var shapes: Shape[] = [];
  var root: Node = { key_: '', ci_: -1, col_: null, parent_: null, next_: null, hot_: null, shape_: null };
  var shapeOf: number[] = [];
  /** The columns' rough encoded bytes (ColumnBuilder.put_), summed as values are added. */
  var bytes = 0;
  const estimate = (): number => 64 + shapes.length * 16 + bytes;

  function step(node: Node, k: string): Node {
    let next = node.next_;
    if (next === null) next = node.next_ = new Map();
    let nx = next.get(k);
    if (nx === undefined) {
      let ci = colIndex.get(k);
      if (ci === undefined) {
        ci = cols.length;
        cols.push(columnBuilder(k));
        colIndex.set(k, ci);
      }
      nx = { key_: k, ci_: ci, col_: cols[ci], parent_: node, next_: null, hot_: null, shape_: null };
      next.set(k, nx);
    }
    node.hot_ = nx;
    return nx;
  }

  function newShape(node: Node): Shape {
    const colIdx: number[] = [];
    for (let n: Node | null = node; n !== null && n.parent_ !== null; n = n.parent_) colIdx.push(n.ci_);
    colIdx.reverse();
    const shape: Shape = { id_: shapes.length, colIdx_: colIdx };
    shapes.push(shape);
    node.shape_ = shape;
    return shape;
  }

  const self: BatchBuilder = {
    count_: 0,
    estimate_: estimate,
    add_(ev: NetEvent): void {
      // var: per event and per key
      var obj = ev as unknown as Record<string, unknown>, node = root, k, v, nx, col, idx, b = 0;
      // for-in is cheaper than Object.keys under qjs; events are plain objects (no inherited
      // enumerable keys). Keys whose value is undefined are absent, as in JSON.
      for (k in obj) {
        v = obj[k];
        if (v === undefined) continue;
        nx = node.hot_;
        if (nx === null || nx.key_ !== k) nx = step(node, k);
        col = nx.col_ as ColumnBuilder;
        // the column's last string again (type, sensor, a burst's client...): its index, no call
        if (v === col.last_) {
          idx = col.idx_;
          idx[idx.length] = col.lastJ_;
        } else b += col.put_(v);
        node = nx;
      }
      bytes += b;
      shapeOf[shapeOf.length] = (node.shape_ ?? newShape(node)).id_;
      self.count_++;
    },
    finish_(h: BatchHeader): Uint8Array {
      const table = stringTable();
      const plans = cols.map((c) => c.plan_(table));
      // Splitting names on shared suffixes adds entries, so the table size is final only now.
      const items = cborWriter(estimate());
      const size = table.finalize_(items);
      const body: Record<string, unknown> = { ...h, v: WIRE_VERSION, n: self.count_, shapes: shapes.map((s) => s.colIdx_), shape: pack(shapeOf, shapes.length) };
      const w = cborWriter(estimate() + 256);
      w.head_(5, 10);
      for (const k in HEADER) {
        w.text_(k);
        if (k === 'strs') {
          w.head_(4, size);
          w.raw_(items.bytes_());
        } else if (k === 'cols') {
          w.head_(4, plans.length);
          for (const p of plans) {
            w.head_(4, p.length);
            for (const x of p) w.value_(typeof x === 'function' ? x(size) : x);
          }
        } else w.value_(body[k]);
      }
      return w.bytes_();
    },
  };
  return self;
} as unknown as new () => BatchBuilder;

export function encodeBatch(b: BatchHeader & { events: NetEvent[] }): Uint8Array {
  const builder = new BatchBuilder();
  for (const ev of b.events) builder.add_(ev);
  return builder.finish_(b);
}

// ---------------- decoding ----------------

/** Decodes one batch; throws BatchError or CborError (both with context) on bad input. */
export function decodeBatch(bytes: Uint8Array): DecodedBatch {
  return decodeBatchAt(cborReader(bytes), bytes.length);
}

/**
 * Decodes the batch at the reader's position (a CBOR sequence of batches, RFC 8742); with `end`,
 * the batch must end there.
 */
export function decodeBatchAt(r: CborReader, end?: number): DecodedBatch {
  r.expect_(5, 'a map');
  // (at depth -1: `cols` has the depth budget of a top-level item)
  const hdr = r.value_(-1) as Record<string, any>;
  if (end && !r.done_()) throw new CborError(`${end - r.pos_()} trailing bytes after the batch`, r.pos_());
  if ('v' in hdr && hdr.v !== WIRE_VERSION) fail(`unsupported version ${String(hdr.v)}`);
  for (const k in HEADER) {
    // (`strs` and `cols` may be absent: empty)
    if (!(k in hdr)) hdr[k] = k === 'strs' || k === 'cols' ? [] : fail(`missing header field ${k}`);
    need(hdr[k], HEADER[k], k);
  }
  const { n, cols, shapes } = hdr as { n: number; cols: unknown[][]; shapes: number[][] };
  // The format's cap on events (the agent sends at most 10,000): with one shape nothing else in
  // the batch grows with n, so without it a few bytes could ask for billions of events.
  if (n > 65536) fail(`n is ${n}, over 65536`);
  shapes.forEach((s, i) => {
    for (const ci of need<unknown[]>(s, 'a', `shapes[${i}]`)) if (!(isInteger(ci) && (ci as number) >= 0 && (ci as number) < cols.length)) fail(`shape names column ${String(ci)} of ${cols.length}`);
  });
  const strs = readTable(hdr.strs);
  const shapeOf = unpack(hdr.shape, n, shapes.length, 'shape');
  const uses = new Array<number>(cols.length).fill(0);
  // Decoded values (the events' keys, the entries of their lists) are capped: dictionaries and
  // one-choice indexes let a few bytes ask for n copies of anything (the agent's batches hold
  // far fewer: at most 10,000 events).
  let cells = 0;
  const spend = (k: number, where: string): void => {
    if ((cells += k) > 4194304) fail(`${where}: over 4194304 values`);
  };
  for (const si of shapeOf) {
    spend(shapes[si].length, 'events');
    for (const ci of shapes[si]) uses[ci]++;
  }
  const values = cols.map((col, c) => (isArray(col) && typeof col[0] === 'string' ? readColumn(col, uses[c], strs, spend) : fail(`column ${c} has no key`)));
  uses.fill(0);
  const events = shapeOf.map((si) => {
    const ev: Record<string, unknown> = {};
    for (const ci of shapes[si]) putKey(ev, cols[ci][0] as string, values[ci][uses[ci]++]);
    return ev as unknown as NetEvent;
  });
  // (the header with the events: its other fields are left in)
  hdr.events = events;
  return hdr as DecodedBatch;
}
