// One column of a batch: the values one key takes across the batch's events, in event order.
// The encoder picks the most compact kind the values allow (docs/wire-format.md, "Columns");
// any value at all still fits the Raw kind, so unknown fields always survive.
import { BatchError, Kind, pack, unpack, widthFor, readZigzag } from './wire';
import type { CborWriter } from './cbor';
import { isArray, isInteger, floor } from '../compat/lang';

const SCALES = [1, 1000, 1000000];

type Plan =
  | { kind_: 0; key_: string; vals_: unknown[] }
  | { kind_: 1; key_: string; dict_: number[]; idx_: number[] }
  | { kind_: 2; key_: string; scale_: number; base_: number; deltas_: Uint8Array }
  | { kind_: 3; key_: string; keys_: string[] | null; counts_: number[]; refs_: number[]; idx_: number[] }
  | { kind_: 4; key_: string; dict_: unknown[]; idx_: number[] };
export type ColumnPlan = Plan;

/** Exact integer deltas at the smallest decimal scale that reproduces every value. */
export function planTimes(key: string, vals: number[]): Plan | null {
  // var: runs per value (qjs checks the dead zone of let/const locals)
  var n = vals.length, s = 0, p = 1, i, v, m, prev = 0, d, o = 0;
  for (i = 0; i < n; i++) {
    v = vals[i];
    while (Math.round(v * p) / p !== v) {
      if (++s === SCALES.length) return null;
      p = SCALES[s];
    }
  }
  // Few distinct values (ports, flags) pack better as a dictionary than as deltas: counting
  // stops as soon as there are too many for that.
  const seen = new Set<number>();
  for (i = 0; i < n && seen.size * 4 <= n; i++) seen.add(vals[i]);
  if (seen.size * 4 <= n) return null;
  // zigzag LEB128 deltas (read by wire.ts readZigzag), at most 8 bytes each for a safe integer;
  // 32-bit operations while they are exact
  const out = new Uint8Array(n * 8);
  for (i = 0; i < n; i++) {
    m = Math.round(vals[i] * p);
    if (!Number.isSafeInteger(m) || m / p !== vals[i]) return null;
    d = i === 0 ? 0 : m - prev;
    prev = m;
    d = d >= 0 ? d * 2 : -d * 2 - 1;
    if (d < 1073741824) {
      while (d >= 128) {
        out[o++] = d | 128;
        d >>>= 7;
      }
    } else {
      while (d >= 128) {
        out[o++] = (d % 128) | 128;
        d = floor(d / 128);
      }
    }
    out[o++] = d;
  }
  return { kind_: Kind.Time, key_: key, scale_: s * 3, base_: vals.length ? Math.round(vals[0] * p) : 0, deltas_: out.slice(0, o) };
}

/** Numbers, booleans, null: a dictionary when values repeat; anything else as plain items. */
export function planValues(key: string, vals: unknown[]): Plan {
  const local = new Map<unknown, number>();
  const dict: unknown[] = [];
  const idx: number[] = [];
  for (const v of vals) {
    if (v !== null && typeof v === 'object') return { kind_: Kind.Raw, key_: key, vals_: vals };
    // Map compares numbers by value; -0 and 0 print alike in JSON, so sharing them is safe.
    let j = local.get(v);
    if (j === undefined) {
      j = dict.length;
      dict.push(v);
      local.set(v, j);
    }
    idx.push(j);
  }
  if (dict.length * 2 > vals.length) return { kind_: Kind.Raw, key_: key, vals_: vals };
  return { kind_: Kind.Vals, key_: key, dict_: dict, idx_: idx };
}

/** Items of a column's array by kind: key, kind and the kind's fields (docs/wire-format.md). */
const ITEMS = [3, 5, 5, 6, 4];

/** Writes a planned column; `tableSize` is final (after StringTable.finalize). */
export function writeColumn(w: CborWriter, c: Plan, tableSize: number): void {
  // indexes below `size`, packed at the width that needs
  const packed = (idx: number[], size: number): void => w.byteString_(pack(idx, widthFor(size)));
  w.head_(4, ITEMS[c.kind_]); w.text_(c.key_); w.uint_(c.kind_);
  switch (c.kind_) {
    case Kind.Raw:
      w.value_(c.vals_);
      return;
    case Kind.Str:
      w.uint_(c.dict_.length);
      packed(c.dict_, tableSize);
      packed(c.idx_, c.dict_.length);
      return;
    case Kind.Time:
      w.uint_(c.scale_); w.int_(c.base_); w.byteString_(c.deltas_);
      return;
    case Kind.Lists: {
      w.value_(c.keys_); // null or texts
      w.value_(c.counts_);
      // null (-1 in the plan) is the number after the table's last entry
      for (let i = 0, refs = c.refs_; i < refs.length; i++) if (refs[i] < 0) refs[i] = tableSize;
      packed(c.refs_, tableSize + 1);
      packed(c.idx_, c.counts_.length);
      return;
    }
    case Kind.Vals:
      w.value_(c.dict_);
      packed(c.idx_, c.dict_.length);
      return;
  }
}

/** The `n` values of a column as decoded CBOR (`col`), with strings from `strs`. */
export function readColumn(col: unknown[], n: number, strs: string[]): unknown[] {
  const kind = col[1];
  const where = `column ${col[0] as string}`;
  const fail = (what: string): never => {
    throw new BatchError(`${where}: ${what}`);
  };
  const bytes = (i: number): Uint8Array => (col[i] instanceof Uint8Array ? col[i] : fail(`item ${i} is not a byte string`));
  const count = (x: unknown, i: number): number => (isInteger(x) && (x as number) >= 0 ? (x as number) : fail(`item ${i} is not a count`));
  // `count` indexes below `size`, packed in item i
  const indexes = (i: number, count: number, size: number): number[] => unpack(bytes(i), count, widthFor(size), size, where);
  switch (kind) {
    case Kind.Raw: {
      const vals = col[2];
      return isArray(vals) && vals.length === n ? vals : fail(`expected ${n} values`);
    }
    case Kind.Str: {
      const size = count(col[2], 2);
      const dict = indexes(3, size, strs.length).map((r) => strs[r]);
      return indexes(4, n, size).map((j) => dict[j]);
    }
    case Kind.Time: {
      const scale = col[2];
      let m = col[3];
      const deltas = bytes(4);
      if ((scale !== 0 && scale !== 3 && scale !== 6) || typeof m !== 'number') fail('bad scale or base');
      const p = SCALES[(scale as number) / 3];
      const at = { pos: 0 };
      const out = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        (m as number) += readZigzag(deltas, at, where);
        out[i] = p === 1 ? (m as number) : (m as number) / p;
      }
      return out;
    }
    case Kind.Lists: {
      const rkeys = col[2];
      const counts = col[3];
      if ((rkeys !== null && !isArray(rkeys)) || !isArray(counts)) fail('malformed');
      const per = rkeys === null ? 1 : (rkeys as unknown[]).length || fail('records without keys');
      let total = 0;
      (counts as unknown[]).forEach((c, i) => (total += count(c, i) * per));
      const refs = indexes(4, total, strs.length + 1);
      let p = 0;
      const lists = (counts as number[]).map((c) => {
        const list: unknown[] = [];
        for (let i = 0; i < c; i++) {
          if (rkeys === null) {
            const r = refs[p++];
            list.push(r === strs.length ? fail('null in a list of strings') : strs[r]);
            continue;
          }
          const rec: Record<string, string | null> = {};
          for (const k of rkeys as unknown[]) {
            const r = refs[p++];
            rec[String(k)] = r === strs.length ? null : strs[r];
          }
          list.push(rec);
        }
        return list;
      });
      // Each event gets its own copy, so a consumer editing one event does not change another.
      return indexes(5, n, lists.length).map((j) => lists[j].map((x) => (typeof x === 'object' && x !== null ? { ...x } : x)));
    }
    case Kind.Vals: {
      const dict = col[2];
      if (!isArray(dict)) fail('dictionary is not an array');
      return indexes(3, n, (dict as unknown[]).length).map((j) => (dict as unknown[])[j]);
    }
  }
  return fail(`unknown kind ${String(kind)}`);
}
