// Collects one column's values as events arrive, doing the dictionary work at once (one Map
// lookup per string; answer records and lists interned) so that finishing a batch only walks the
// distinct values. Encoding cost per event matters under qjs: see docs/performance.md,
// "Transport". Every put is on the hot path: few property accesses, no push() calls, no strings
// built per value.
import type { StringTable } from './strtable';
import { Kind } from './wire';
import { planTimes, planValues, type ColumnPlan } from './columns';

// What the column has held so far: nothing, only strings, only numbers, only lists of strings or
// of same-keyed records with string/null values, or anything else (kept as plain values).
const EMPTY = 0;
const STRS = 1;
const NUMS = 2;
const LISTS = 3;
const MIXED = 4;

export class ColumnBuilder {
  private mode = EMPTY;
  /** Rough encoded bytes of what this column holds so far (for flush-by-bytes). */
  bytes = 0;
  /** Each value's index into the distinct strings (STRS) or distinct lists (LISTS). */
  private readonly idx: number[] = [];
  /** The values themselves (NUMS, MIXED). */
  private raw: unknown[] = [];
  // STRS: distinct strings; the last value and its index (runs of one value are common).
  private readonly strIndex = new Map<string, number>();
  private readonly strList: string[] = [];
  private last: string | undefined;
  private lastJ = 0;
  // LISTS: record keys (null = lists of strings, undefined = not seen yet). A record is interned
  // through nested Maps on its values (the last level gives its number); a list is its record
  // numbers joined.
  private recKeys: string[] | null | undefined;
  private readonly recRoot = new Map<string | null, unknown>();
  /** Values of record r at [r * keys, (r + 1) * keys). */
  private readonly recVals: (string | null)[] = [];
  private nrec = 0;
  private readonly listIndex = new Map<string, number>();
  /** Distinct lists as record numbers. */
  private readonly listRecs: number[][] = [];
  /** The first list seen of each identity, to rebuild plain values if the column turns mixed. */
  private readonly listFirst: unknown[][] = [];
  private readonly scratch: number[] = [];

  constructor(readonly key: string) {}

  get vals(): unknown[] {
    if (this.mode === STRS) {
      const idx = this.idx;
      const r = new Array<unknown>(idx.length);
      for (let i = 0; i < idx.length; i++) r[i] = this.strList[idx[i]];
      return r;
    }
    if (this.mode === LISTS) {
      const idx = this.idx;
      const r = new Array<unknown>(idx.length);
      for (let i = 0; i < idx.length; i++) r[i] = this.listFirst[idx[i]];
      return r;
    }
    return this.raw;
  }

  put(v: unknown): void {
    const mode = this.mode;
    if (mode === STRS) {
      if (typeof v === 'string') {
        const idx = this.idx;
        if (v === this.last) {
          idx[idx.length] = this.lastJ;
          return;
        }
        let j = this.strIndex.get(v);
        if (j === undefined) {
          const list = this.strList;
          j = list.length;
          list[j] = v;
          this.strIndex.set(v, j);
          this.bytes += v.length + 3;
        }
        this.last = v;
        this.lastJ = j;
        idx[idx.length] = j;
        return;
      }
    } else if (mode === NUMS) {
      if (typeof v === 'number') {
        const raw = this.raw;
        raw[raw.length] = v;
        this.bytes += 2;
        return;
      }
    } else if (mode === LISTS) {
      if (Array.isArray(v) && this.putList(v)) return;
    } else if (mode === EMPTY) {
      if (typeof v === 'string') {
        this.mode = STRS;
        return this.put(v);
      }
      if (typeof v === 'number') {
        this.mode = NUMS;
        return this.put(v);
      }
      if (Array.isArray(v)) {
        this.mode = LISTS;
        if (this.putList(v)) return;
      }
    }
    this.putMixed(v);
  }

  private putMixed(v: unknown): void {
    if (this.mode !== MIXED) {
      this.raw = this.vals;
      this.mode = MIXED;
    }
    const raw = this.raw;
    raw[raw.length] = v;
    if (typeof v === 'string') this.bytes += v.length + 3;
    else if (typeof v === 'number') this.bytes += 2;
    else this.bytes += Array.isArray(v) ? 64 : 8;
  }

  /** Adds a list when it fits the LISTS kind (changing nothing when it does not). */
  private putList(list: unknown[]): boolean {
    const ids = this.scratch;
    ids.length = 0;
    let size = 0;
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (typeof x === 'string') {
        if (this.recKeys === undefined) this.recKeys = null;
        else if (this.recKeys !== null) return false;
        let r = this.recRoot.get(x) as number | undefined;
        if (r === undefined) {
          r = this.nrec++;
          this.recVals[r] = x;
          this.recRoot.set(x, r);
        }
        ids[i] = r;
        size += x.length + 2;
        continue;
      }
      if (x === null || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) return false;
      const r = this.putRecord(x as Record<string, unknown>);
      if (r < 0) return false;
      ids[i] = r;
      size += 24;
    }
    const id = ids.join(',');
    let j = this.listIndex.get(id);
    if (j === undefined) {
      j = this.listRecs.length;
      this.listRecs[j] = ids.slice();
      this.listFirst[j] = list;
      this.listIndex.set(id, j);
      this.bytes += size + 3;
    }
    const idx = this.idx;
    idx[idx.length] = j;
    return true;
  }

  /** The record's number, or -1 when its keys differ from the column's or a value is not text/null. */
  private putRecord(rec: Record<string, unknown>): number {
    let want = this.recKeys;
    if (want === undefined) {
      want = Object.keys(rec);
      if (want.length === 0) return -1;
      this.recKeys = want;
    } else if (want === null) return -1;
    const last = want.length - 1;
    let node = this.recRoot;
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
        r = this.nrec++;
        node.set(val, r);
      } else r = next as number;
      k++;
    }
    if (k !== want.length) return -1;
    if (r >= 0 && this.recVals[r * want.length] === undefined) {
      for (let i = 0; i < want.length; i++) this.recVals[r * want.length + i] = rec[want[i]] as string | null;
    }
    return r;
  }

  /** Chooses the kind; the strings it will write are entered into `table`. */
  plan(table: StringTable): ColumnPlan {
    const key = this.key;
    const n = this.mode === STRS || this.mode === LISTS ? this.idx.length : this.raw.length;
    if (this.mode === STRS && n > 0) {
      const list = this.strList;
      const dict = new Array<number>(list.length);
      for (let i = 0; i < list.length; i++) dict[i] = table.ref(list[i]);
      return { kind: Kind.Str, key, dict, idx: this.idx };
    }
    if (this.mode === LISTS && n > 0) {
      const rk = this.recKeys ?? null;
      const per = rk === null ? 1 : rk.length;
      // Each distinct record's table refs once (-1 for null).
      const recRefs = new Array<number>(this.nrec * per);
      const vals = this.recVals;
      for (let i = 0; i < recRefs.length; i++) {
        const v = vals[i];
        recRefs[i] = v === null ? -1 : table.ref(v as string);
      }
      const counts: number[] = [];
      const refs: number[] = [];
      for (let j = 0; j < this.listRecs.length; j++) {
        const recs = this.listRecs[j];
        counts[j] = recs.length;
        for (let i = 0; i < recs.length; i++) {
          const at = recs[i] * per;
          for (let k = 0; k < per; k++) refs[refs.length] = recRefs[at + k];
        }
      }
      return { kind: Kind.Lists, key, keys: rk, counts, refs, idx: this.idx };
    }
    if (this.mode === NUMS && n > 0) {
      const t = planTimes(key, this.raw as number[]);
      if (t) return t;
    }
    return planValues(key, this.vals);
  }
}
