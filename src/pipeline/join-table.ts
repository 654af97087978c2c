// The DNS-to-flow join's storage: (client id, address) → slot, in typed arrays, so an answer
// costs ~25 B in qjs plus its share of the qname (docs/join.md, "Cost").
//
// - Slots and name ids count from 1; 0 is "none", so freshly zeroed arrays need no fill.
// - Indices (slot links, hash chain and buckets, name ids and their reference counts) are
//   Uint16Array while the cap allows (the default 50,000 does), Int32Array beyond.
// - A slot holds one answer: its key (client id and family packed in `kc`, the IPv4 address or
//   the index of the IPv6 words in `ka`), first/last seen in whole seconds (Uint32Array: dnsmasq
//   logs whole seconds; AnswerJoin floors), the name id, its links in its client's order and in
//   its hash chain.
// - Names: a name id per event (join-names.ts), shared by its answers and kept when an answer is
//   refreshed with the same name, reference-counted so it goes with its last answer. Not pooled
//   by text: hashing text in a JS loop costs ~1,400 instructions a character in qjs, and a Map
//   entry costs more memory than the text it would save.
// - Each client's slots form a doubly linked list, least recently refreshed first: per-client
//   LRU eviction and expiry by walking from the head.
// - Lookup: a chained hash table (buckets ≥ slots, chains stay ~1 long). Chaining, not open
//   addressing, because answers are removed all the time and chains need no tombstones.
// - IPv6 words live in a side store of their own (most answers are IPv4 and need one word).
// Arrays grow by doubling up to the cap, one array at a time, so the peak while growing is the
// old table plus one new array.

import { NameStore, type Index } from './join-names';

export class AnswerTable {
  /** (client id + 1) * 2 + (1 for IPv6); 0 for a free slot */
  kc: Index;
  /** IPv4 address (as int32), or the IPv6 store index */
  ka = new Int32Array(0);
  t0 = new Uint32Array(0);
  t1 = new Uint32Array(0);
  /** name id of each slot */
  nm: Index;
  readonly names: NameStore;
  private mask = 0; // buckets.length - 1
  private prev: Index;
  private next: Index;
  private chain: Index; // hash chain; for a free slot, the free list
  private buckets: Index;
  private freeHead = 0;
  private used = 0; // highest slot handed out
  private w6 = new Int32Array(0); // IPv6 words, 4 per entry; free entries chained through word 0
  private free6 = -1;
  private used6 = 0;
  private readonly wide: boolean;
  /** per client id: oldest slot, newest slot, slots held */
  readonly head: number[] = [];
  readonly tail: number[] = [];
  readonly count: number[] = [];

  constructor(private readonly maxSlots: number) {
    this.wide = maxSlots > 65000; // name ids reach maxSlots + 1
    this.kc = this.nm = this.prev = this.next = this.chain = this.buckets = this.index(0);
    this.names = new NameStore((n) => this.index(n));
    this.resize(Math.min(1024, maxSlots));
  }

  /** Makes client id `c` known with no slots. */
  resetClient(c: number): void {
    this.head[c] = 0;
    this.tail[c] = 0;
    this.count[c] = 0;
    if ((c + 2) * 2 > 65535 && this.kc instanceof Uint16Array) this.kc = Int32Array.from(this.kc);
  }

  find4(c: number, addr: number): number {
    const kc = c * 2 + 2;
    const a = addr | 0;
    // hash4, written out: a call costs ~400 instructions
    for (let s = this.buckets[((a ^ (a >>> 12) ^ (a >>> 22)) + kc * 40503) & this.mask]; s !== 0; s = this.chain[s]) {
      if (this.ka[s] === a && this.kc[s] === kc) return s;
    }
    return 0;
  }

  /** `w`: four uint32 words, most significant first (cidr.ts parseIPv6). */
  find6(c: number, w: readonly number[]): number {
    const kc = c * 2 + 3;
    const w0 = w[0] | 0, w1 = w[1] | 0, w2 = w[2] | 0, w3 = w[3] | 0;
    const s6 = this.w6;
    for (let s = this.buckets[hash6(kc, w0, w1, w2, w3) & this.mask]; s !== 0; s = this.chain[s]) {
      if (this.kc[s] !== kc) continue;
      const k = this.ka[s] * 4;
      if (s6[k + 3] === w3 && s6[k + 2] === w2 && s6[k + 1] === w1 && s6[k] === w0) return s;
    }
    return 0;
  }

  /** A new slot for (c, IPv4 addr) at the back of c's order, holding name id `id`, seen at ts. */
  add4(c: number, addr: number, id: number, ts: number): number {
    const kc = c * 2 + 2;
    const a = addr | 0;
    const s = this.put(kc, (a ^ (a >>> 12) ^ (a >>> 22)) + kc * 40503, c, id, ts); // hash4
    this.ka[s] = a;
    return s;
  }

  add6(c: number, w: readonly number[], id: number, ts: number): number {
    const w0 = w[0] | 0, w1 = w[1] | 0, w2 = w[2] | 0, w3 = w[3] | 0;
    const kc = c * 2 + 3;
    const i = this.alloc6();
    const k = i * 4;
    this.w6[k] = w0;
    this.w6[k + 1] = w1;
    this.w6[k + 2] = w2;
    this.w6[k + 3] = w3;
    const s = this.put(kc, hash6(kc, w0, w1, w2, w3), c, id, ts);
    this.ka[s] = i;
    return s;
  }

  /** Slot s now holds name id `id` instead of the one it held. */
  setName(s: number, id: number): void {
    const old = this.nm[s];
    this.names.ref[id]++;
    this.nm[s] = id;
    if (--this.names.ref[old] === 0) this.names.drop(old);
  }

  /** Moves slot s to the back of its client's order (it was just refreshed). */
  touch(s: number): void {
    const c = (this.kc[s] >> 1) - 1;
    if (this.tail[c] === s) return;
    this.unlinkOrder(s, c);
    this.appendOrder(s, c);
  }

  /** Frees slot s and lets go of its name. */
  remove(s: number): void {
    const kc = this.kc[s];
    const c = (kc >> 1) - 1;
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
    let p = 0;
    for (let k = this.buckets[b]; k !== 0; p = k, k = this.chain[k]) {
      if (k !== s) continue;
      if (p === 0) this.buckets[b] = this.chain[k];
      else this.chain[p] = this.chain[k];
      break;
    }
    this.unlinkOrder(s, c);
    this.count[c]--;
    this.kc[s] = 0;
    const id = this.nm[s];
    if (--this.names.ref[id] === 0) this.names.drop(id);
    this.nm[s] = 0;
    this.chain[s] = this.freeHead;
    this.freeHead = s;
  }

  /** A slot for key kc of hash h, at the back of c's order; the caller sets ka. */
  private put(kc: number, h: number, c: number, id: number, ts: number): number {
    let s = this.freeHead;
    if (s !== 0) this.freeHead = this.chain[s];
    else {
      s = this.used + 1;
      if (s >= this.kc.length) {
        if (s > this.maxSlots) throw new Error(`join table: slot ${s} beyond the cap of ${this.maxSlots}`);
        this.resize(Math.min((this.kc.length - 1) * 2, this.maxSlots)); // before `used` counts s: not rehashed
      }
      this.used = s;
    }
    this.kc[s] = kc;
    this.nm[s] = id;
    this.names.ref[id]++;
    this.t0[s] = ts;
    this.t1[s] = ts;
    const b = h & this.mask;
    this.chain[s] = this.buckets[b];
    this.buckets[b] = s;
    this.appendOrder(s, c);
    this.count[c]++;
    return s;
  }

  private appendOrder(s: number, c: number): void {
    const t = this.tail[c];
    this.prev[s] = t;
    this.next[s] = 0;
    if (t === 0) this.head[c] = s;
    else this.next[t] = s;
    this.tail[c] = s;
  }

  private unlinkOrder(s: number, c: number): void {
    const p = this.prev[s];
    const n = this.next[s];
    if (p === 0) this.head[c] = n;
    else this.next[p] = n;
    if (n === 0) this.tail[c] = p;
    else this.prev[n] = p;
  }

  private alloc6(): number {
    let i = this.free6;
    if (i !== -1) {
      this.free6 = this.w6[i * 4];
      return i;
    }
    i = this.used6++;
    if (i * 4 >= this.w6.length) this.w6 = grown(this.w6, Math.max(256, Math.min(this.w6.length * 2, this.maxSlots * 4)));
    return i;
  }

  private index(n: number): Index {
    return this.wide ? new Int32Array(n) : new Uint16Array(n);
  }

  /** Room for slots 1..n. */
  private resize(n: number): void {
    this.kc = grown(this.kc, n + 1);
    this.ka = grown(this.ka, n + 1);
    this.t0 = grown(this.t0, n + 1);
    this.t1 = grown(this.t1, n + 1);
    this.nm = grown(this.nm, n + 1);
    this.prev = grown(this.prev, n + 1);
    this.next = grown(this.next, n + 1);
    this.chain = grown(this.chain, n + 1);
    let nb = 1;
    while (nb < n) nb *= 2;
    if (nb === this.buckets.length) return;
    this.mask = nb - 1;
    // rehash every held slot (kc is 0 for free ones)
    this.buckets = this.index(0);
    const buckets = this.index(nb);
    const mask = nb - 1;
    for (let s = 1; s <= this.used; s++) {
      const kc = this.kc[s];
      if (kc === 0) continue;
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

/** A copy of `a` (of the same type) with room for n elements. */
function grown<T extends Index | Uint32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
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
