// Every skip and drop in netledger is counted here, by name, and surfaces in the replay
// summary and the `health` event. Nothing is dropped silently.
//
// Hot paths (one count per log line) use a cell: `const c = counters.cell('x'); c.n++` is a
// property increment, where inc() is a call, a lookup and a store (~650 instructions in qjs).
// Cells are read back by get() and snapshot(), so both ways of counting look the same.
import { newDict } from './compat/lang';

/** A counter a hot path increments directly: `cell.n += k`. */
export interface CounterCell {
  n: number;
}

export class Counters {
  private readonly counts_: Record<string, number> = newDict();
  private readonly drops_: Record<string, number> = newDict();
  private readonly samples_: Record<string, string> = newDict();
  private readonly cells_: Record<string, CounterCell> = newDict();

  inc(name: string, n = 1): void {
    this.counts_[name] = (this.counts_[name] ?? 0) + n;
  }

  /** The cell of `name` (one per name: every caller shares it). It adds to inc()'s count. */
  cell(name: string): CounterCell {
    let c = this.cells_[name];
    if (c === undefined) {
      c = { n: 0 };
      this.cells_[name] = c;
    }
    return c;
  }

  /** A lost or rejected item. `sample` keeps the first offending input per reason for debugging. */
  drop(reason: string, n = 1, sample?: string): void {
    this.drops_[reason] = (this.drops_[reason] ?? 0) + n;
    if (sample !== undefined && !(reason in this.samples_)) {
      this.samples_[reason] = sample.length > 200 ? sample.slice(0, 200) + '…' : sample;
    }
  }

  get(name: string): number {
    const c = this.cells_[name];
    return (this.counts_[name] ?? 0) + (c === undefined ? 0 : c.n);
  }

  dropped(reason: string): number {
    return this.drops_[reason] ?? 0;
  }

  snapshot(): { counters: Record<string, number>; dropped: Record<string, number> } {
    const counters = { ...this.counts_ };
    for (const name in this.cells_) {
      const n = this.cells_[name].n;
      // An untouched cell is no count, as if inc() had never been called.
      if (n !== 0 || name in this.counts_) counters[name] = (counters[name] ?? 0) + n;
    }
    return { counters, dropped: { ...this.drops_ } };
  }

  sample(reason: string): string | undefined {
    return this.samples_[reason];
  }
}
