// One column of a batch: the values one key takes across the batch's events, in event order.
// The encoder picks the most compact kind the values allow (docs/wire-format.md, "Columns");
// any value at all still fits the Raw kind, so unknown fields always survive.
import { fail, Kind, need, pack, unpack } from './wire';
import { floor } from '../compat/lang';

const SCALES = [1, 1000, 1000000];

/**
 * A column as it is written: its array (key, kind, the kind's items: docs/wire-format.md), but
 * packed indexes are functions (of the string table's final size), called as they are written:
 * each byte string is then freed at once, not held until the batch is done.
 */
export type ColumnPlan = unknown[];
type Plan = ColumnPlan;

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
  // zigzag LEB128 deltas (read back by readColumn), at most 8 bytes each for a safe integer;
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
  // (+ 0: a base of -0 is written as the integer 0)
  return [key, Kind.Time, s * 3, Math.round(vals[0] * p) + 0, out.slice(0, o)];
}

/** Numbers, booleans, null: a dictionary when values repeat; anything else as plain items. */
export function planValues(key: string, vals: unknown[]): Plan {
  const local = new Map<unknown, number>();
  const dict: unknown[] = [];
  const idx: number[] = [];
  for (const v of vals) {
    if (v !== null && typeof v === 'object') return [key, Kind.Raw, vals];
    // Map compares numbers by value; -0 and 0 print alike in JSON, so sharing them is safe.
    let j = local.get(v);
    if (j === undefined) {
      j = dict.length;
      dict.push(v);
      local.set(v, j);
    }
    idx.push(j);
  }
  if (dict.length * 2 > vals.length) return [key, Kind.Raw, vals];
  return [key, Kind.Vals, dict, () => pack(idx, dict.length)];
}

/** Checks and reads each kind's items of a column array (after key and kind), from item 2 on. */
const ITEMS = ['a', 'cbb', 'nnb', 'kab', 'ab'];

/**
 * The `n` values of a column as decoded CBOR (`col`), with strings from `strs`; list entries are
 * counted by `spend` (the batch's cap on decoded values) before they are copied.
 */
export function readColumn(col: unknown[], n: number, strs: string[], spend: (k: number, where: string) => void): unknown[] {
  const kind = col[1] as number;
  const where = `column ${col[0] as string}`;
  const bad = (what: string): never => fail(`${where}: ${what}`);
  const items = (typeof kind === 'number' && ITEMS[kind]) || bad(`unknown kind ${String(kind)}`);
  for (let i = 0; i < items.length; i++) need(col[i + 2], items[i], `${where}: item ${i + 2}`);
  const [, , a, b] = col as [unknown, unknown, any, any];
  // `count` indexes below `size`, packed in item i
  const indexes = (i: number, count: number, size: number): number[] => unpack(col[i], count, size, `${where}: item ${i}`);
  // the n values as entries of `dict`, indexed by item i
  const pick = <T>(dict: T[], i: number): T[] => indexes(i, n, dict.length).map((j) => dict[j]);
  switch (kind) {
    case Kind.Raw:
      return a.length === n ? a : bad(`expected ${n} values`);
    case Kind.Str:
      return pick(indexes(3, a, strs.length).map((r) => strs[r]), 4);
    case Kind.Time: {
      // zigzag LEB128 deltas (0, -1, 1, -2 ... as 0, 1, 2, 3 ..., 7 bits a byte, low group first)
      const deltas = col[4] as Uint8Array;
      const p = SCALES[a / 3] ?? bad(`scale ${a}`);
      const out = new Array<number>(n);
      for (let i = 0, at = 0, m = b as number; i < n; i++) {
        let z = 0;
        for (let mul = 1, x = 128; x > 127; mul *= 128) {
          if (mul > 2 ** 49) bad('integer longer than 53 bits');
          if (at >= deltas.length) bad('integer runs past the end');
          x = deltas[at++];
          z += (x & 127) * mul;
        }
        m += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        out[i] = p === 1 ? m : m / p;
      }
      return out;
    }
    case Kind.Lists: {
      const per = a === null ? 1 : (a as unknown[]).length || bad('records without keys');
      let total = 0;
      for (let i = 0; i < b.length; i++) total += need<number>(b[i], 'c', `${where}: item 3[${i}]`) * per;
      const refs = indexes(4, total, strs.length + 1);
      let p = 0;
      // the next string; the number after the table's last entry is null (in records only)
      const next = (): string | null => {
        const r = refs[p++];
        return r < strs.length ? strs[r] : a ? null : bad('null in a list of strings');
      };
      const lists = (b as number[]).map((c) => {
        const list: unknown[] = [];
        for (let i = 0; i < c; i++) {
          if (a) {
            const rec: Record<string, string | null> = {};
            for (const k of a) rec[String(k)] = next();
            list.push(rec);
          } else list.push(next());
        }
        return list;
      });
      // Each event gets its own copy, so a consumer editing one event does not change another.
      return pick(lists, 5).map((list) => (spend(list.length * per, where), list.map((x) => (a ? { ...(x as object) } : x))));
    }
  }
  // Kind.Vals
  return pick(a, 3);
}
