// Shared, reference-counted strings for the flow table. Thousands of open flows name the same
// few LAN clients, the same WAN address (NAT) and a few states: each flow holds small integers
// into this pool instead of its own copies, so 20k flows fit the router's memory budget.

import { newDict } from '../../compat/lang';

export const NO_STRING = -1;

const IDLE_MAX = 256;

/** Strings by handle, each held by reference counts. */
export interface StringPool {
  /**
   * string -> handle; read-only outside (a hot caller may look up and count a reference itself).
   * A null-prototype record, not a Map: a cheaper lookup in qjs (ct replay -0.7k to -0.9k
   * instructions a line), though not less memory here (+32 kB RssAnon on the 200k-line bench:
   * its keys become atoms). No key is special without a prototype.
   */
  readonly index: Record<string, number | undefined>;
  /** By handle; read-only for hot loops that cannot afford a method call per string (~400 instructions in qjs). */
  readonly strings: string[];
  /** references by handle; a hot caller may count one more, or one less while it stays above 0 */
  refs: Int32Array;
  /**
   * Per handle, a small fact a later stage derived from the string and keeps here so it is
   * derived once per string, not once per flow (direction's router/LAN bits of an address);
   * -1 until set, reset when the handle is reused.
   */
  kinds: Int8Array;
  /** A handle for `s`, holding one reference. */
  add(s: string): number;
  /** Drops a reference (a negative handle: none). */
  release(k: number): void;
}

/**
 * `new StringPool()`: a constructor function returning its object, whose private state is
 * closure locals (`var`: qjs checks each read of a let/const local for its dead zone).
 */
export const StringPool = function (): StringPool {
  var free: number[] = [];
  /**
   * Strings no flow holds any more, oldest first, kept up to IDLE_MAX: a remote address comes
   * back with the next connection, and re-adding it (and re-deriving its kind) costs more.
   */
  var idle = new Int32Array(IDLE_MAX);
  var idleHead = 0;
  var idleCount = 0;
  var index = newDict<number | undefined>();
  var strings: string[] = [];
  const self: StringPool = {
    index,
    strings,
    refs: new Int32Array(64),
    kinds: new Int8Array(64).fill(-1),
    add(s) {
      var k = index[s];
      var refs = self.refs;
      if (k !== undefined) {
        refs[k]++;
        return k;
      }
      k = free.length > 0 ? (free.pop() as number) : strings.length;
      if (k >= refs.length) {
        var bigger = new Int32Array(refs.length * 2);
        bigger.set(refs);
        self.refs = refs = bigger;
        var kinds = new Int8Array(bigger.length).fill(-1);
        kinds.set(self.kinds);
        self.kinds = kinds;
      }
      strings[k] = s;
      self.kinds[k] = -1;
      refs[k] = 1;
      index[s] = k;
      return k;
    },
    release(k) {
      if (k < 0) return;
      var refs = self.refs;
      if (--refs[k] !== 0) return;
      var head = idleHead;
      var n = idleCount;
      if (n === IDLE_MAX) {
        // forget the oldest idle string unless it is in use again (or already forgotten)
        var j = idle[head];
        head = idleHead = (head + 1) % IDLE_MAX;
        n--;
        if (refs[j] === 0 && strings[j] !== '') {
          delete index[strings[j]];
          strings[j] = '';
          free.push(j);
        }
      }
      idleCount = n + 1;
      idle[(head + n) % IDLE_MAX] = k;
    },
  };
  return self;
} as unknown as new () => StringPool;
