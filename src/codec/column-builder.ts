// Collects one column's values as events arrive, doing the dictionary work at once (one Map
// lookup per string; answer records and lists interned) so that finishing a batch only walks the
// distinct values. Encoding cost per event matters under qjs: see docs/performance.md,
// "Transport". Every put is on the hot path: few property accesses, no push() calls, no strings
// built per value.
import type { StringTable } from './strtable';
import { Kind } from './wire';
import { planTimes, planValues, type ColumnPlan } from './columns';
import { isArray, keysOf } from '../compat/lang';

// What the column has held so far: nothing, only strings, only numbers, only lists of strings or
// of same-keyed records with string/null values, or anything else (kept as plain values).
const enum Mode { EMPTY, STRS, NUMS, LISTS, MIXED }

export class ColumnBuilder {
  private mode_: Mode = Mode.EMPTY;
  /** Rough encoded bytes of what this column holds so far (for flush-by-bytes). */
  bytes_ = 0;
  /** Each value's index into the distinct strings (Mode.STRS) or distinct lists (Mode.LISTS). */
  private readonly idx_: number[] = [];
  /** The values themselves (Mode.NUMS, Mode.MIXED). */
  private raw_: unknown[] = [];
  // Mode.STRS: distinct strings; the last value and its index (runs of one value are common).
  private readonly strIndex_ = new Map<string, number>();
  private readonly strList_: string[] = [];
  private last_: string | undefined;
  private lastJ_ = 0;
  // Mode.LISTS: record keys (null = lists of strings, undefined = not seen yet). A record is interned
  // through nested Maps on its values (the last level gives its number); a list is its record
  // numbers joined.
  private recKeys_: string[] | null | undefined;
  private readonly recRoot_ = new Map<string | null, unknown>();
  /** Values of record r at [r * keys, (r + 1) * keys). */
  private readonly recVals_: (string | null)[] = [];
  private nrec_ = 0;
  private readonly listIndex_ = new Map<string, number>();
  /** Distinct lists as record numbers. */
  private readonly listRecs_: number[][] = [];
  /** The first list seen of each identity, to rebuild plain values if the column turns mixed. */
  private readonly listFirst_: unknown[][] = [];
  private readonly scratch_: number[] = [];

  readonly key_: string;

  constructor(key_: string) {
    this.key_ = key_;
  }

  get vals_(): unknown[] {
    const mode = this.mode_;
    if (mode !== Mode.STRS && mode !== Mode.LISTS) return this.raw_;
    const from: unknown[] = mode === Mode.STRS ? this.strList_ : this.listFirst_;
    return this.idx_.map((j) => from[j]);
  }

  put_(v: unknown): void {
    const mode = this.mode_;
    if (mode === Mode.STRS) {
      if (typeof v === 'string') {
        const idx = this.idx_;
        if (v === this.last_) {
          idx[idx.length] = this.lastJ_;
          return;
        }
        let j = this.strIndex_.get(v);
        if (j === undefined) {
          const list = this.strList_;
          j = list.length;
          list[j] = v;
          this.strIndex_.set(v, j);
          this.bytes_ += v.length + 3;
        }
        this.last_ = v;
        this.lastJ_ = j;
        idx[idx.length] = j;
        return;
      }
    } else if (mode === Mode.NUMS) {
      if (typeof v === 'number') {
        const raw = this.raw_;
        raw[raw.length] = v;
        this.bytes_ += 2;
        return;
      }
    } else if (mode === Mode.LISTS) {
      if (isArray(v) && this.putList_(v)) return;
    } else if (mode === Mode.EMPTY) {
      if (typeof v === 'string') {
        this.mode_ = Mode.STRS;
        return this.put_(v);
      }
      if (typeof v === 'number') {
        this.mode_ = Mode.NUMS;
        return this.put_(v);
      }
      if (isArray(v)) {
        this.mode_ = Mode.LISTS;
        if (this.putList_(v)) return;
      }
    }
    this.putMixed_(v);
  }

  private putMixed_(v: unknown): void {
    if (this.mode_ !== Mode.MIXED) {
      this.raw_ = this.vals_;
      this.mode_ = Mode.MIXED;
    }
    const raw = this.raw_;
    raw[raw.length] = v;
    if (typeof v === 'string') this.bytes_ += v.length + 3;
    else if (typeof v === 'number') this.bytes_ += 2;
    else this.bytes_ += isArray(v) ? 64 : 8;
  }

  /** Adds a list when it fits the Mode.LISTS kind (changing nothing when it does not). */
  private putList_(list: unknown[]): boolean {
    const ids = this.scratch_;
    ids.length = 0;
    let size = 0;
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (typeof x === 'string') {
        if (this.recKeys_ === undefined) this.recKeys_ = null;
        else if (this.recKeys_ !== null) return false;
        let r = this.recRoot_.get(x) as number | undefined;
        if (r === undefined) {
          r = this.nrec_++;
          this.recVals_[r] = x;
          this.recRoot_.set(x, r);
        }
        ids[i] = r;
        size += x.length + 2;
        continue;
      }
      if (x === null || typeof x !== 'object' || isArray(x) || x instanceof Uint8Array) return false;
      const r = this.putRecord_(x as Record<string, unknown>);
      if (r < 0) return false;
      ids[i] = r;
      size += 24;
    }
    const id = ids.join(',');
    let j = this.listIndex_.get(id);
    if (j === undefined) {
      j = this.listRecs_.length;
      this.listRecs_[j] = ids.slice();
      this.listFirst_[j] = list;
      this.listIndex_.set(id, j);
      this.bytes_ += size + 3;
    }
    const idx = this.idx_;
    idx[idx.length] = j;
    return true;
  }

  /** The record's number, or -1 when its keys differ from the column's or a value is not text/null. */
  private putRecord_(rec: Record<string, unknown>): number {
    let want = this.recKeys_;
    if (want === undefined) {
      want = keysOf(rec);
      if (want.length === 0) return -1;
      this.recKeys_ = want;
    } else if (want === null) return -1;
    const last = want.length - 1;
    let node = this.recRoot_;
    let k = 0;
    let r = -1;
    for (const name in rec) {
      if (k > last || name !== want[k] || name === '__proto__') return -1;
      const val = rec[name];
      if (val !== null && typeof val !== 'string') return -1;
      const next = node.get(val);
      if (k < last) {
        if (next === undefined) {
          // Paths left by a record that fails further on do no harm: failing turns the column
          // into plain values for good.
          const m = new Map<string | null, unknown>();
          node.set(val, m);
          node = m;
        } else node = next as Map<string | null, unknown>;
      } else if (next === undefined) {
        r = this.nrec_++;
        node.set(val, r);
      } else r = next as number;
      k++;
    }
    if (k !== want.length) return -1;
    if (r >= 0 && this.recVals_[r * want.length] === undefined) {
      for (let i = 0; i < want.length; i++) this.recVals_[r * want.length + i] = rec[want[i]] as string | null;
    }
    return r;
  }

  /** Chooses the kind; the strings it will write are entered into `table`. */
  plan_(table: StringTable): ColumnPlan {
    const key = this.key_;
    const n = this.mode_ === Mode.STRS || this.mode_ === Mode.LISTS ? this.idx_.length : this.raw_.length;
    if (this.mode_ === Mode.STRS && n > 0) {
      const list = this.strList_;
      const dict = new Array<number>(list.length);
      for (let i = 0; i < list.length; i++) dict[i] = table.ref_(list[i]);
      return { kind_: Kind.Str, key_: key, dict_: dict, idx_: this.idx_ };
    }
    if (this.mode_ === Mode.LISTS && n > 0) {
      const rk = this.recKeys_ ?? null;
      const per = rk === null ? 1 : rk.length;
      // Each distinct record's table refs once (-1 for null).
      const recRefs = new Array<number>(this.nrec_ * per);
      const vals = this.recVals_;
      for (let i = 0; i < recRefs.length; i++) {
        const v = vals[i];
        recRefs[i] = v === null ? -1 : table.ref_(v as string);
      }
      const counts: number[] = [];
      const refs: number[] = [];
      for (let j = 0; j < this.listRecs_.length; j++) {
        const recs = this.listRecs_[j];
        counts[j] = recs.length;
        for (let i = 0; i < recs.length; i++) {
          const at = recs[i] * per;
          for (let k = 0; k < per; k++) refs[refs.length] = recRefs[at + k];
        }
      }
      return { kind_: Kind.Lists, key_: key, keys_: rk, counts_: counts, refs_: refs, idx_: this.idx_ };
    }
    if (this.mode_ === Mode.NUMS && n > 0) {
      const t = planTimes(key, this.raw_ as number[]);
      if (t) return t;
    }
    return planValues(key, this.vals_);
  }
}
