// Shared, reference-counted strings for the flow table. Thousands of open flows name the same
// few LAN clients, the same WAN address (NAT) and a few states: each flow holds small integers
// into this pool instead of its own copies, so 20k flows fit the router's memory budget.

export const NO_STRING = -1;

const IDLE_MAX = 256;

export class StringPool {
  /**
   * string -> handle; read-only outside (a hot caller may look up and count a reference itself).
   * A null-prototype record, not a Map: a cheaper lookup in qjs (ct replay -0.7k to -0.9k
   * instructions a line), though not less memory here (+32 kB RssAnon on the 200k-line bench:
   * its keys become atoms). No key is special without a prototype.
   */
  readonly index = Object.create(null) as Record<string, number | undefined>;
  /** By handle; read-only for hot loops that cannot afford a method call per string (~400 instructions in qjs). */
  readonly strings: string[] = [];
  /** references by handle; a hot caller may count one more, or one less while it stays above 0 */
  refs = new Int32Array(64);
  /**
   * Per handle, a small fact a later stage derived from the string and keeps here so it is
   * derived once per string, not once per flow (direction's router/LAN bits of an address);
   * -1 until set, reset when the handle is reused.
   */
  kinds = new Int8Array(64).fill(-1);
  private readonly free_: number[] = [];
  /**
   * Strings no flow holds any more, oldest first, kept up to IDLE_MAX: a remote address comes
   * back with the next connection, and re-adding it (and re-deriving its kind) costs more.
   */
  private readonly idle_ = new Int32Array(IDLE_MAX);
  private idleHead_ = 0;
  private idleCount_ = 0;

  /** A handle for `s`, holding one reference. */
  // var locals: qjs 2025-04 checks each read of a let/const local for its dead zone
  add(s: string): number {
    var k = this.index[s];
    var refs = this.refs;
    if (k !== undefined) {
      refs[k]++;
      return k;
    }
    var free = this.free_;
    k = free.length > 0 ? (free.pop() as number) : this.strings.length;
    if (k >= refs.length) {
      var bigger = new Int32Array(refs.length * 2);
      bigger.set(refs);
      this.refs = refs = bigger;
      var kinds = new Int8Array(bigger.length).fill(-1);
      kinds.set(this.kinds);
      this.kinds = kinds;
    }
    this.strings[k] = s;
    this.kinds[k] = -1;
    refs[k] = 1;
    this.index[s] = k;
    return k;
  }

  release(k: number): void {
    if (k < 0) return;
    var refs = this.refs;
    if (--refs[k] !== 0) return;
    var idle = this.idle_;
    var head = this.idleHead_;
    var n = this.idleCount_;
    if (n === IDLE_MAX) {
      // forget the oldest idle string unless it is in use again (or already forgotten)
      var j = idle[head];
      head = this.idleHead_ = (head + 1) % IDLE_MAX;
      n--;
      var strings = this.strings;
      if (refs[j] === 0 && strings[j] !== '') {
        delete this.index[strings[j]];
        strings[j] = '';
        this.free_.push(j);
      }
    }
    this.idleCount_ = n + 1;
    idle[(head + n) % IDLE_MAX] = k;
  }
}
