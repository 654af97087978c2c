// Shared, reference-counted strings for the flow table. Thousands of open flows name the same
// few LAN clients, the same WAN address (NAT) and a few states: each flow holds small integers
// into this pool instead of its own copies, so 20k flows fit the router's memory budget.

export const NO_STRING = -1;

export class StringPool {
  private readonly index = new Map<string, number>();
  /** By handle; read-only for hot loops that cannot afford a get() call per string (~400 instructions in qjs). */
  readonly strings: string[] = [];
  private refs = new Int32Array(64);
  /**
   * Per handle, a small fact a later stage derived from the string and keeps here so it is
   * derived once per string, not once per flow (direction's router/LAN bits of an address);
   * -1 until set, reset when the handle is reused.
   */
  kinds = new Int8Array(64).fill(-1);
  private readonly free: number[] = [];

  /** A handle for `s`, holding one reference. */
  add(s: string): number {
    let k = this.index.get(s);
    if (k === undefined) {
      k = this.free.length > 0 ? (this.free.pop() as number) : this.strings.length;
      if (k >= this.refs.length) {
        const bigger = new Int32Array(this.refs.length * 2);
        bigger.set(this.refs);
        this.refs = bigger;
        const kinds = new Int8Array(bigger.length).fill(-1);
        kinds.set(this.kinds);
        this.kinds = kinds;
      }
      this.strings[k] = s;
      this.kinds[k] = -1;
      this.refs[k] = 0;
      this.index.set(s, k);
    }
    this.refs[k]++;
    return k;
  }

  get(k: number): string {
    return this.strings[k];
  }

  release(k: number): void {
    if (k < 0) return;
    if (--this.refs[k] === 0) {
      this.index.delete(this.strings[k]);
      this.strings[k] = '';
      this.free.push(k);
    }
  }

  /** Distinct strings held. */
  size(): number {
    return this.index.size;
  }
}
