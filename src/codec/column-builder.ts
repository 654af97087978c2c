// Collects one column's values as events arrive, doing the dictionary work at once (one Map
// lookup per string; answer records and lists interned) so that finishing a batch only walks the
// distinct values. Encoding cost per event matters under qjs: see docs/performance.md,
// "Transport". Every put is on the hot path: few property accesses, no push() calls, no strings
// built per value. A closure: its state is locals (a local read costs qjs less than a member's);
// they are `var` (qjs checks the dead zone on every read of a let/const local).
import type { StringTable } from './strtable';
import { Kind, pack } from './wire';
import { planTimes, planValues, type ColumnPlan } from './columns';
import { isArray, keysOf } from '../compat/lang';

// What the column has held so far: nothing, only strings, only numbers, only lists of strings or
// of same-keyed records with string/null values, or anything else (kept as plain values).
const enum Mode { EMPTY, STRS, NUMS, LISTS, MIXED }

export interface ColumnBuilder {
  /** Each value's index into the distinct strings (Mode.STRS) or distinct lists (Mode.LISTS). */
  readonly idx_: number[];
  // BatchBuilder.add_ appends lastJ_ itself when a value is last_ (a string only in Mode.STRS;
  // runs of one value are common).
  last_: string | undefined;
  lastJ_: number;
  /**
   * Adds a value; returns the rough encoded bytes it adds (for flush-by-bytes: the batch keeps
   * the sum, since summing the columns per event would cost more than the adding).
   */
  put_(v: unknown): number;
  /** Chooses the kind; the strings it will write are entered into `table`. */
  plan_(table: StringTable): ColumnPlan;
}

/** The column of `key`, empty. */
export function columnBuilder(key: string): ColumnBuilder {
  var mode = Mode.EMPTY;
  var idx: number[] = [];
  /** The values themselves (Mode.NUMS, Mode.MIXED). */
  var raw: unknown[] = [];
  // Mode.STRS: distinct strings
  var strIndex = new Map<string, number>();
  var strList: string[] = [];
  // Mode.LISTS: record keys (null = lists of strings, undefined = not seen yet). Records need no
  // numbers of their own: the table refs of the distinct lists' values, in list order, are what
  // is written (a record seen again refers to strings already in the table).
  var recKeys: string[] | null | undefined;
  /** Distinct lists as their values, record after record (what a list is compared by). */
  var listVals: (string | null)[][] = [];
  /** The list seen last whose first value is the key (undefined: the empty list). */
  var listHead = new Map<string | null | undefined, number>();
  /** The list seen before j with the same first value, or -1: candidates are tried newest first. */
  var listNext: number[] = [];
  /** The first list seen of each identity, to rebuild plain values if the column turns mixed. */
  var listFirst: unknown[][] = [];
  /** The values of the list being added. */
  var scratch: (string | null)[] = [];

  const self: ColumnBuilder = { idx_: idx, last_: undefined, lastJ_: 0, put_: put, plan_: plan };

  function put(v: unknown): number {
    var j, n;
    if (mode === Mode.STRS) {
      if (typeof v === 'string') {
        j = strIndex.get(v);
        n = 0;
        if (j === undefined) {
          j = strList.length;
          strList[j] = v;
          strIndex.set(v, j);
          n = v.length + 3;
        }
        self.last_ = v;
        self.lastJ_ = j;
        idx[idx.length] = j;
        return n;
      }
    } else if (mode === Mode.NUMS) {
      if (typeof v === 'number') {
        raw[raw.length] = v;
        return 2;
      }
    } else if (mode === Mode.LISTS) {
      n = isArray(v) ? putList(v) : -1;
      if (n >= 0) return n;
    } else if (mode === Mode.EMPTY) {
      // the first value sets the mode (a list that does not fit turns it mixed at once)
      mode = typeof v === 'string' ? Mode.STRS : typeof v === 'number' ? Mode.NUMS : isArray(v) ? Mode.LISTS : Mode.MIXED;
      return put(v);
    }
    if (mode !== Mode.MIXED) {
      // the values so far as they are (strings and lists by their index)
      if (mode === Mode.STRS || mode === Mode.LISTS) {
        const from: unknown[] = mode === Mode.STRS ? strList : listFirst;
        raw = idx.map((k) => from[k]);
      }
      mode = Mode.MIXED;
      self.last_ = undefined;
    }
    raw[raw.length] = v;
    return typeof v === 'string' ? v.length + 3 : typeof v === 'number' ? 2 : isArray(v) ? 64 : 8;
  }

  /**
   * Adds a list when it fits the Mode.LISTS kind: the bytes it adds, or -1. A failure leaves
   * state behind that does not matter: the column turns mixed for good.
   * Each element is checked and its values copied once (a record by one for-in, the cheapest
   * enumeration qjs has); the list is then compared value by value with the lists that start
   * with the same value, newest first: a Map lookup per list, not one per value.
   */
  function putList(list: unknown[]): number {
    var vals = scratch, nv = 0, want = recKeys, n = list.length, i, x, k, name, val, per;
    for (i = 0; i < n; i++) {
      x = list[i];
      if (typeof x === 'string') {
        if (want === undefined) want = recKeys = null;
        else if (want !== null) return -1;
        vals[nv++] = x;
        continue;
      }
      if (x === null || typeof x !== 'object' || isArray(x) || x instanceof Uint8Array) return -1;
      if (want === undefined) {
        // a '__proto__' key cannot be put back by assignment (see putKey): such records stay plain
        want = keysOf(x);
        if (want.length === 0 || want.indexOf('__proto__') >= 0) return -1;
        recKeys = want;
      } else if (want === null) return -1;
      per = want.length;
      k = 0;
      // want[per] is undefined: a key too many fails the compare
      for (name in x) {
        if (name !== want[k]) return -1;
        val = (x as Record<string, unknown>)[name];
        if (val !== null && typeof val !== 'string') return -1;
        vals[nv++] = val;
        k++;
      }
      if (k !== per) return -1;
    }
    var head = nv === 0 ? undefined : vals[0];
    var j = listHead.get(head);
    var c;
    if (j === undefined) j = -1;
    var first = j;
    while (j >= 0) {
      c = listVals[j];
      if (c.length === nv) {
        for (k = 0; k < nv && c[k] === vals[k]; k++);
        if (k === nv) break;
      }
      j = listNext[j];
    }
    // a new list: entered before `first` (the newest list with the same first value, or -1);
    // d: the bytes it adds (24 a record, a string's length + 2)
    var d = 0;
    if (j < 0) {
      if (want) d = (nv / want.length) * 24;
      else for (k = 0; k < nv; k++) d += (vals[k] as string).length + 2;
      d += 3;
      j = listVals.length;
      listVals[j] = vals.slice(0, nv);
      listFirst[j] = list;
      listNext[j] = first;
      listHead.set(head, j);
    }
    idx[idx.length] = j;
    return d;
  }

  function plan(table: StringTable): ColumnPlan {
    // (a column is made for a value: in Mode.STRS or Mode.LISTS it holds one at least)
    if (mode === Mode.STRS) {
      const dict = new Array<number>(strList.length);
      for (let i = 0; i < strList.length; i++) dict[i] = table.ref_(strList[i]);
      return [key, Kind.Str, strList.length, (size: number) => pack(dict, size), () => pack(idx, strList.length)];
    }
    if (mode === Mode.LISTS) {
      const rk = recKeys ?? null;
      const per = rk === null ? 1 : rk.length;
      const counts: number[] = [];
      const refs: number[] = [];
      // var: per value of every distinct list
      var j, i, vals, v, r = 0;
      for (j = 0; j < listVals.length; j++) {
        vals = listVals[j];
        counts[j] = vals.length / per;
        for (i = 0; i < vals.length; i++) {
          v = vals[i];
          refs[r++] = v === null ? -1 : table.ref_(v);
        }
      }
      // null (-1 here) is the number after the table's last entry
      return [key, Kind.Lists, rk, counts, (size: number) => {
        for (let k = 0; k < refs.length; k++) if (refs[k] < 0) refs[k] = size;
        return pack(refs, size + 1);
      }, () => pack(idx, counts.length)];
    }
    return (mode === Mode.NUMS && planTimes(key, raw as number[])) || planValues(key, raw);
  }

  return self;
}
