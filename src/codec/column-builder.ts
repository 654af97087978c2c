// Collects one column's values as events arrive, doing the dictionary work at once (one Map
// lookup per string; answer records and lists interned) so that finishing a batch only walks the
// distinct values. Encoding cost per event matters under qjs: see docs/performance.md,
// "Transport". Every put is on the hot path: few property accesses, no push() calls, no strings
// built per value.
import type { StringTable } from './strtable';
import { Kind, pack } from './wire';
import { planTimes, planValues, type ColumnPlan } from './columns';
import { isArray, keysOf } from '../compat/lang';

// What the column has held so far: nothing, only strings, only numbers, only lists of strings or
// of same-keyed records with string/null values, or anything else (kept as plain values).
const enum Mode { EMPTY, STRS, NUMS, LISTS, MIXED }

export class ColumnBuilder {
  private mode_: Mode = Mode.EMPTY;
  /** Each value's index into the distinct strings (Mode.STRS) or distinct lists (Mode.LISTS). */
  readonly idx_: number[] = [];
  /** The values themselves (Mode.NUMS, Mode.MIXED). */
  private raw_: unknown[] = [];
  // Mode.STRS: distinct strings; the last value and its index (runs of one value are common).
  private readonly strIndex_ = new Map<string, number>();
  private readonly strList_: string[] = [];
  // BatchBuilder.add_ appends lastJ_ itself when a value is last_ (a string only in Mode.STRS).
  last_: string | undefined;
  lastJ_ = 0;
  // Mode.LISTS: record keys (null = lists of strings, undefined = not seen yet). Records need no
  // numbers of their own: the table refs of the distinct lists' values, in list order, are what
  // is written (a record seen again refers to strings already in the table).
  private recKeys_: string[] | null | undefined;
  /** Distinct lists as their values, record after record (what a list is compared by). */
  private readonly listVals_: (string | null)[][] = [];
  /** The list seen last whose first value is the key (undefined: the empty list). */
  private readonly listHead_ = new Map<string | null | undefined, number>();
  /** The list seen before j with the same first value, or -1: candidates are tried newest first. */
  private readonly listNext_: number[] = [];
  /** The first list seen of each identity, to rebuild plain values if the column turns mixed. */
  private readonly listFirst_: unknown[][] = [];
  /** The values of the list being added. */
  private readonly scratch_: (string | null)[] = [];

  readonly key_: string;

  constructor(key_: string) {
    this.key_ = key_;
  }

  /**
   * Adds a value; returns the rough encoded bytes it adds (for flush-by-bytes: the batch keeps
   * the sum, since summing the columns per event would cost more than the adding).
   */
  put_(v: unknown): number {
    // var: per value (qjs checks the dead zone of let/const locals)
    var mode = this.mode_, idx, j, list;
    if (mode === Mode.STRS) {
      if (typeof v === 'string') {
        idx = this.idx_;
        j = this.strIndex_.get(v);
        if (j === undefined) {
          list = this.strList_;
          j = list.length;
          list[j] = v;
          this.strIndex_.set(v, j);
          this.last_ = v;
          this.lastJ_ = j;
          idx[idx.length] = j;
          return v.length + 3;
        }
        this.last_ = v;
        this.lastJ_ = j;
        idx[idx.length] = j;
        return 0;
      }
    } else if (mode === Mode.NUMS) {
      if (typeof v === 'number') {
        idx = this.raw_;
        idx[idx.length] = v;
        return 2;
      }
    } else if (mode === Mode.LISTS) {
      const d = isArray(v) ? this.putList_(v) : -1;
      if (d >= 0) return d;
    } else if (mode === Mode.EMPTY) {
      // the first value sets the mode (a list that does not fit turns it mixed at once)
      this.mode_ = typeof v === 'string' ? Mode.STRS : typeof v === 'number' ? Mode.NUMS : isArray(v) ? Mode.LISTS : Mode.MIXED;
      return this.put_(v);
    }
    return this.putMixed_(v);
  }

  private putMixed_(v: unknown): number {
    const mode = this.mode_;
    if (mode !== Mode.MIXED) {
      // the values so far as they are (strings and lists by their index)
      if (mode === Mode.STRS || mode === Mode.LISTS) {
        const from: unknown[] = mode === Mode.STRS ? this.strList_ : this.listFirst_;
        this.raw_ = this.idx_.map((j) => from[j]);
      }
      this.mode_ = Mode.MIXED;
      this.last_ = undefined;
    }
    const raw = this.raw_;
    raw[raw.length] = v;
    if (typeof v === 'string') return v.length + 3;
    if (typeof v === 'number') return 2;
    return isArray(v) ? 64 : 8;
  }

  /**
   * Adds a list when it fits the Mode.LISTS kind: the bytes it adds, or -1. A failure leaves
   * state behind that does not matter: the column turns mixed for good.
   */
  private putList_(list: unknown[]): number {
    // var: hot path, and qjs checks the dead zone on every read of a let/const local.
    // Each element is checked and its values copied once (a record by one for-in, the cheapest
    // enumeration qjs has); the list is then compared value by value with the lists that start
    // with the same value, newest first: a Map lookup per list, not one per value.
    var vals = this.scratch_, nv = 0, want = this.recKeys_, n = list.length, i, x, k, name, val, per;
    for (i = 0; i < n; i++) {
      x = list[i];
      if (typeof x === 'string') {
        if (want === undefined) want = this.recKeys_ = null;
        else if (want !== null) return -1;
        vals[nv++] = x;
        continue;
      }
      if (x === null || typeof x !== 'object' || isArray(x) || x instanceof Uint8Array) return -1;
      if (want === undefined) {
        // a '__proto__' key cannot be put back by assignment (see putKey): such records stay plain
        want = keysOf(x);
        if (want.length === 0 || want.indexOf('__proto__') >= 0) return -1;
        this.recKeys_ = want;
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
    var j = this.listHead_.get(head);
    var lv = this.listVals_, c;
    if (j === undefined) j = -1;
    var first = j;
    while (j >= 0) {
      c = lv[j];
      if (c.length === nv) {
        for (k = 0; k < nv && c[k] === vals[k]; k++);
        if (k === nv) break;
      }
      j = this.listNext_[j];
    }
    // a new list: entered before `first` (the newest list with the same first value, or -1);
    // d: the bytes it adds (24 a record, a string's length + 2)
    var d = 0;
    if (j < 0) {
      if (want) d = (nv / want.length) * 24;
      else for (k = 0; k < nv; k++) d += (vals[k] as string).length + 2;
      d += 3;
      j = lv.length;
      lv[j] = vals.slice(0, nv);
      this.listFirst_[j] = list;
      this.listNext_[j] = first;
      this.listHead_.set(head, j);
    }
    var idx = this.idx_;
    idx[idx.length] = j;
    return d;
  }

  /** Chooses the kind; the strings it will write are entered into `table`. */
  plan_(table: StringTable): ColumnPlan {
    // (a column is made for a value: in Mode.STRS or Mode.LISTS it holds one at least)
    const key = this.key_;
    const mode = this.mode_;
    if (mode === Mode.STRS) {
      const list = this.strList_;
      const dict = new Array<number>(list.length);
      for (let i = 0; i < list.length; i++) dict[i] = table.ref_(list[i]);
      const idx = this.idx_;
      return [key, Kind.Str, list.length, (size: number) => pack(dict, size), () => pack(idx, list.length)];
    }
    if (mode === Mode.LISTS) {
      const idx = this.idx_;
      const rk = this.recKeys_ ?? null;
      const per = rk === null ? 1 : rk.length;
      const counts: number[] = [];
      const refs: number[] = [];
      // var: per value of every distinct list (qjs checks the dead zone of let/const locals)
      var lists = this.listVals_, j, i, vals, v, r = 0;
      for (j = 0; j < lists.length; j++) {
        vals = lists[j];
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
    return (mode === Mode.NUMS && planTimes(key, this.raw_ as number[])) || planValues(key, this.raw_);
  }
}
