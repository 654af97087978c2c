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

export interface Counters {
  inc(name: string, n?: number): void;
  /** The cell of `name` (one per name: every caller shares it). It adds to inc()'s count. */
  cell(name: string): CounterCell;
  /** A lost or rejected item. `sample` keeps the first offending input per reason for debugging. */
  drop(reason: string, n?: number, sample?: string): void;
  get(name: string): number;
  dropped(reason: string): number;
  snapshot(): { counters: Record<string, number>; dropped: Record<string, number> };
  sample(reason: string): string | undefined;
}

/**
 * `new Counters(onDrop?)`: a constructor function returning its object, whose tables are closure
 * locals (short names in the bundle, where a class's members are `this.x` each time). `onDrop`
 * hears every drop (the agent's debug log: which input went where, as it happens).
 */
export const Counters = function (onDrop?: (reason: string, n: number, sample?: string) => void): Counters {
  const counts: Record<string, number> = newDict();
  const drops: Record<string, number> = newDict();
  const samples: Record<string, string> = newDict();
  const cells: Record<string, CounterCell> = newDict();
  return {
    inc(name, n = 1) {
      counts[name] = (counts[name] ?? 0) + n;
    },
    cell: (name) => (cells[name] ??= { n: 0 }),
    drop(reason, n = 1, sample) {
      drops[reason] = (drops[reason] ?? 0) + n;
      if (sample !== undefined && !(reason in samples)) {
        samples[reason] = sample.length > 200 ? sample.slice(0, 200) + '…' : sample;
      }
      onDrop?.(reason, n, sample);
    },
    get: (name) => (counts[name] ?? 0) + (cells[name]?.n ?? 0),
    dropped: (reason) => drops[reason] ?? 0,
    snapshot() {
      const counters = { ...counts };
      for (const name in cells) {
        const n = cells[name].n;
        // An untouched cell is no count, as if inc() had never been called.
        if (n !== 0 || name in counts) counters[name] = (counters[name] ?? 0) + n;
      }
      return { counters, dropped: { ...drops } };
    },
    sample: (reason) => samples[reason],
  };
} as unknown as new (onDrop?: (reason: string, n: number, sample?: string) => void) => Counters;
