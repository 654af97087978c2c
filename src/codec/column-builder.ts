// Collects one column's values as events arrive, doing the dictionary work at once (one Map
// lookup per string, one per list) so that finishing a batch only walks the distinct values.
// Encoding cost per event matters under qjs: see docs/performance.md, "Transport".
import type { StringTable } from './strtable';
import { Kind } from './wire';
import { planTimes, planValues, type ColumnPlan } from './columns';

export class ColumnBuilder {
  /** Every value in order; for a pure string column only built if it stops being one. */
  private raw: unknown[] | null = null;
  private n = 0;
  /** Rough encoded bytes of what this column holds so far (for flush-by-bytes). */
  bytes = 0;
  private strings = true;
  private numbers = true;
  private lists = true;
  // Str kind: distinct strings and each value's index among them.
  private readonly strIndex = new Map<string, number>();
  private readonly strList: string[] = [];
  private readonly strIdx: number[] = [];
  // Lists kind: record keys (null = lists of strings, undefined = not seen yet), distinct lists.
  private recKeys: string[] | null | undefined;
  private readonly listIndex = new Map<string, number>();
  private readonly listList: unknown[][] = [];
  private readonly listIdx: number[] = [];

  constructor(readonly key: string) {}

  get vals(): unknown[] {
    if (this.raw === null) {
      // Only strings so far: rebuild them from the dictionary.
      const r = new Array<unknown>(this.n);
      for (let i = 0; i < this.n; i++) r[i] = this.strList[this.strIdx[i]];
      this.raw = r;
    }
    return this.raw;
  }

  put(v: unknown): void {
    // Hot path under qjs: a string into a column that has held only strings.
    if (this.strings && typeof v === 'string') {
      let j = this.strIndex.get(v);
      if (j === undefined) {
        j = this.strList.length;
        this.strList.push(v);
        this.strIndex.set(v, j);
        this.bytes += v.length + 3;
      }
      this.strIdx.push(j);
      this.n++;
      return;
    }
    const raw = this.vals;
    // Strings held so far (fast path) rule out the number and list kinds.
    if (this.strings && this.n > 0) this.numbers = this.lists = false;
    this.strings = false;
    raw.push(v);
    this.n++;
    if (typeof v === 'string') {
      this.numbers = this.lists = false;
      this.bytes += v.length + 3;
      return;
    }
    if (typeof v === 'number') {
      this.lists = false;
      this.bytes += 2;
      return;
    }
    this.numbers = false;
    if (this.lists && Array.isArray(v)) this.putList(v);
    else {
      this.lists = false;
      this.bytes += 8;
    }
  }

  private putList(list: unknown[]): void {
    // An unambiguous identity (each string length-prefixed) built in the same pass that checks
    // the structure; cheaper under qjs than JSON.stringify, measured.
    let id = '';
    for (let i = 0; i < list.length; i++) {
      const x = list[i];
      if (typeof x === 'string') {
        if (this.recKeys === undefined) this.recKeys = null;
        else if (this.recKeys !== null) return this.notLists();
        id += x.length + ':' + x;
        continue;
      }
      if (x === null || typeof x !== 'object' || Array.isArray(x) || x instanceof Uint8Array) return this.notLists();
      const rec = x as Record<string, unknown>;
      let want = this.recKeys;
      if (want === undefined) {
        want = this.recKeys = Object.keys(rec);
        if (want.length === 0) return this.notLists();
      } else if (want === null) return this.notLists();
      let k = 0;
      for (const name in rec) {
        if (name !== want[k++] || name === '__proto__') return this.notLists();
        const val = rec[name];
        if (val === null) id += '-';
        else if (typeof val === 'string') id += val.length + ':' + val;
        else return this.notLists();
      }
      if (k !== want.length) return this.notLists();
    }
    id += '#' + list.length;
    let j = this.listIndex.get(id);
    if (j === undefined) {
      j = this.listList.length;
      this.listList.push(list);
      this.listIndex.set(id, j);
      this.bytes += id.length + 2;
    }
    this.listIdx.push(j);
  }

  private notLists(): void {
    this.lists = false;
    this.bytes += 64;
  }

  /** Chooses the kind; the strings it will write are entered into `table`. */
  plan(table: StringTable): ColumnPlan {
    const key = this.key;
    if (this.strings && this.n > 0) {
      const dict = this.strList.map((s) => table.ref(s));
      return { kind: Kind.Str, key, dict, idx: this.strIdx };
    }
    if (this.lists && this.n > 0) {
      const counts: number[] = [];
      const refs: number[] = [];
      const rk = this.recKeys ?? null;
      for (const list of this.listList) {
        counts.push(list.length);
        for (const x of list) {
          if (rk === null) {
            refs.push(table.ref(x as string));
            continue;
          }
          const rec = x as Record<string, string | null>;
          for (let k = 0; k < rk.length; k++) {
            const v = rec[rk[k]];
            refs.push(v === null ? -1 : table.ref(v));
          }
        }
      }
      return { kind: Kind.Lists, key, keys: rk, counts, refs, idx: this.listIdx };
    }
    if (this.numbers && this.n > 0) {
      const t = planTimes(key, this.vals as number[]);
      if (t) return t;
    }
    return planValues(key, this.vals);
  }
}
