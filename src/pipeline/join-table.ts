// The DNS-to-flow join's storage: (client id, address) → slot, in typed arrays only, so an answer
// costs ~45 B in qjs instead of the ~200 B of a Map record, its key string and a number array
// element (docs/join.md, "Cost").
//
// - A slot holds one answer: its key (client id and family packed in `kc`, the IPv4 address or
//   the index of the IPv6 words in `ka`), first/last seen (Float64Array, exact), the qname (a
//   plain array of the events' strings: pooling them needs a string hash, and hashing text in a
//   JS loop costs ~1,400 instructions a character in qjs), links in its client's order and in
//   its hash chain.
// - Each client's slots form a doubly linked list, least recently refreshed first: per-client
//   LRU eviction and expiry by walking from the head, as the Map-in-insertion-order was before.
// - Lookup: a chained hash table (bucket heads ≥ slots, so chains stay ~1 long). Chaining, not
//   open addressing, because answers are removed all the time and chains need no tombstones.
// - IPv6 words live in a side store of their own (most answers are IPv4 and need one word).
// Arrays grow by doubling up to the cap, one array at a time, so the peak while growing is the
// old table plus one new array.

const NONE = -1;

export class AnswerTable {
  /** client id * 2 + (1 for IPv6); NONE for a free slot */
  kc = new Int32Array(0);
  /** IPv4 address (as int32), or the IPv6 store index */
  ka = new Int32Array(0);
  t0 = new Float64Array(0);
  t1 = new Float64Array(0);
  /** the qname asked; answers of one event share the string */
  qn: (string | undefined)[] = [];
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private chain = new Int32Array(0); // hash chain; for a free slot, the free list
  private buckets = new Int32Array(0);
  private freeHead = NONE;
  private used = 0;
  private w6 = new Int32Array(0); // IPv6 words, 4 per entry; free entries chained through word 0
  private free6 = NONE;
  private used6 = 0;
  /** per client id: oldest slot, newest slot, slots held */
  readonly head: number[] = [];
  readonly tail: number[] = [];
  readonly count: number[] = [];

  constructor(private readonly maxSlots: number) {
    this.resize(Math.min(1024, maxSlots));
  }

  /** Makes client id `c` known with no slots. */
  resetClient(c: number): void {
    this.head[c] = NONE;
    this.tail[c] = NONE;
    this.count[c] = 0;
  }

  find4(c: number, addr: number): number {
    const kc = c * 2;
    const a = addr | 0;
    for (let s = this.buckets[hash4(kc, a) & (this.buckets.length - 1)]; s !== NONE; s = this.chain[s]) {
      if (this.ka[s] === a && this.kc[s] === kc) return s;
    }
    return NONE;
  }

  /** `w`: four uint32 words, most significant first (cidr.ts parseIPv6). */
  find6(c: number, w: readonly number[]): number {
    const kc = c * 2 + 1;
    const w0 = w[0] | 0, w1 = w[1] | 0, w2 = w[2] | 0, w3 = w[3] | 0;
    const s6 = this.w6;
    for (let s = this.buckets[hash6(kc, w0, w1, w2, w3) & (this.buckets.length - 1)]; s !== NONE; s = this.chain[s]) {
      if (this.kc[s] !== kc) continue;
      const k = this.ka[s] * 4;
      if (s6[k + 3] === w3 && s6[k + 2] === w2 && s6[k + 1] === w1 && s6[k] === w0) return s;
    }
    return NONE;
  }

  /** A new slot for (c, IPv4 addr) at the back of c's order; the caller fills t0/t1/qn. */
  add4(c: number, addr: number): number {
    const s = this.alloc();
    this.kc[s] = c * 2;
    this.ka[s] = addr | 0;
    this.link(s, hash4(c * 2, addr | 0), c);
    return s;
  }

  add6(c: number, w: readonly number[]): number {
    const s = this.alloc();
    const w0 = w[0] | 0, w1 = w[1] | 0, w2 = w[2] | 0, w3 = w[3] | 0;
    const i = this.alloc6();
    const k = i * 4;
    this.w6[k] = w0;
    this.w6[k + 1] = w1;
    this.w6[k + 2] = w2;
    this.w6[k + 3] = w3;
    this.kc[s] = c * 2 + 1;
    this.ka[s] = i;
    this.link(s, hash6(c * 2 + 1, w0, w1, w2, w3), c);
    return s;
  }

  /** Moves slot s to the back of its client's order (it was just refreshed). */
  touch(s: number): void {
    const c = this.kc[s] >> 1;
    if (this.tail[c] === s) return;
    this.unlinkOrder(s, c);
    this.appendOrder(s, c);
  }

  /** Frees slot s; the caller has released its name. */
  remove(s: number): void {
    const kc = this.kc[s];
    const c = kc >> 1;
    let h: number;
    if ((kc & 1) === 0) {
      h = hash4(kc, this.ka[s]);
    } else {
      const k = this.ka[s] * 4;
      const s6 = this.w6;
      h = hash6(kc, s6[k], s6[k + 1], s6[k + 2], s6[k + 3]);
      s6[k] = this.free6;
      this.free6 = this.ka[s];
    }
    const b = h & (this.buckets.length - 1);
    let p = NONE;
    for (let k = this.buckets[b]; k !== NONE; p = k, k = this.chain[k]) {
      if (k !== s) continue;
      if (p === NONE) this.buckets[b] = this.chain[k];
      else this.chain[p] = this.chain[k];
      break;
    }
    this.unlinkOrder(s, c);
    this.count[c]--;
    this.kc[s] = NONE;
    this.qn[s] = undefined; // let the string go
    this.chain[s] = this.freeHead;
    this.freeHead = s;
  }

  private link(s: number, h: number, c: number): void {
    const b = h & (this.buckets.length - 1);
    this.chain[s] = this.buckets[b];
    this.buckets[b] = s;
    this.appendOrder(s, c);
    this.count[c]++;
  }

  private appendOrder(s: number, c: number): void {
    const t = this.tail[c];
    this.prev[s] = t;
    this.next[s] = NONE;
    if (t === NONE) this.head[c] = s;
    else this.next[t] = s;
    this.tail[c] = s;
  }

  private unlinkOrder(s: number, c: number): void {
    const p = this.prev[s];
    const n = this.next[s];
    if (p === NONE) this.head[c] = n;
    else this.next[p] = n;
    if (n === NONE) this.tail[c] = p;
    else this.prev[n] = p;
  }

  private alloc(): number {
    let s = this.freeHead;
    if (s !== NONE) {
      this.freeHead = this.chain[s];
      return s;
    }
    s = this.used;
    if (s >= this.kc.length) {
      if (s >= this.maxSlots) throw new Error(`join table: slot ${s} beyond the cap of ${this.maxSlots}`);
      this.resize(Math.min(this.kc.length * 2, this.maxSlots)); // before `used` counts s: not rehashed
    }
    this.used++;
    return s;
  }

  private alloc6(): number {
    let i = this.free6;
    if (i !== NONE) {
      this.free6 = this.w6[i * 4];
      return i;
    }
    i = this.used6++;
    if (i * 4 >= this.w6.length) this.w6 = grown(this.w6, Math.max(256, Math.min(this.w6.length * 2, this.maxSlots * 4)));
    return i;
  }

  private resize(n: number): void {
    this.kc = grown(this.kc, n);
    this.ka = grown(this.ka, n);
    this.t0 = grown(this.t0, n);
    this.t1 = grown(this.t1, n);
    this.prev = grown(this.prev, n);
    this.next = grown(this.next, n);
    this.chain = grown(this.chain, n);
    let nb = 1;
    while (nb < n) nb *= 2;
    if (nb === this.buckets.length) return;
    // rehash every held slot (kc is NONE for free ones)
    this.buckets = new Int32Array(0);
    const buckets = new Int32Array(nb).fill(NONE);
    const mask = nb - 1;
    for (let s = 0; s < this.used; s++) {
      const kc = this.kc[s];
      if (kc === NONE) continue;
      let h: number;
      if ((kc & 1) === 0) h = hash4(kc, this.ka[s]);
      else {
        const k = this.ka[s] * 4;
        h = hash6(kc, this.w6[k], this.w6[k + 1], this.w6[k + 2], this.w6[k + 3]);
      }
      this.chain[s] = buckets[h & mask];
      buckets[h & mask] = s;
    }
    this.buckets = buckets;
  }
}

function grown<T extends Int32Array | Float64Array>(a: T, n: number): T {
  const b = (a instanceof Float64Array ? new Float64Array(n) : new Int32Array(n)) as T;
  b.set(a.length <= n ? a : (a.subarray(0, n) as T));
  return b;
}

// Plain shifts and adds: Math.imul is a call (~500 instructions in qjs), these ~100. The low bits
// of an address vary most; the client id is spread by a multiplier that stays exact in doubles.
function hash4(kc: number, a: number): number {
  return (a ^ (a >>> 12) ^ (a >>> 22)) + kc * 40503;
}

function hash6(kc: number, w0: number, w1: number, w2: number, w3: number): number {
  const x = w3 ^ (w3 >>> 16) ^ w2 ^ (w2 >>> 11) ^ w1 ^ (w1 >>> 7) ^ w0;
  return x + kc * 40503;
}
