// The DNS-to-flow join's storage: (client id, address) → slot, in typed arrays, so an answer
// costs ~25 B in qjs plus its share of the qname (docs/join.md, "Cost").
//
// - Slots and name ids count from 1; 0 is "none", so freshly zeroed arrays need no fill.
// - Indices (slot links, hash chain and buckets, name ids and their reference counts) are
//   Uint16Array while the cap allows (the default 50,000 does), Int32Array beyond.
// - A slot holds one answer: its key (client id and family packed in `kc`, the IPv4 address or
//   the index of the IPv6 words in `ka`), last seen in whole seconds (dnsmasq logs whole
//   seconds; AnswerJoin floors) as 16 bits from a base that moves forward when a newer time does
//   not fit, first seen as 16 bits back from last seen (each with a side Map for what does not
//   fit: a last seen over ~13 hours older than the newest, an answer refreshed for over 18
//   hours), the name id, its links in its client's order and in its hash chain.
// - Names: a name id per event (join-names.ts), shared by its answers and kept when an answer is
//   refreshed with the same name, reference-counted so it goes with its last answer. Not pooled
//   by text across events: hashing text in a JS loop costs ~1,400 instructions a character in
//   qjs, and a Map entry costs more memory than the text it would save.
// - Each client's slots form a doubly linked list, least recently refreshed first: per-client
//   LRU eviction and expiry by walking from the head.
// - Lookup: a chained hash table (buckets ≥ slots, chains stay ~1 long). Chaining, not open
//   addressing, because answers are removed all the time and chains need no tombstones.
// - IPv6 words live in a side store of their own (most answers are IPv4 and need one word).
// Arrays grow by doubling up to the cap, one array at a time, so the peak while growing is the
// old table plus one new array.

import { NameStore, type Index } from './join-names';

/** d0 or t1 marking a time kept in a side map (answers refreshed over 18 hours; last seen
 *  before the base) */
const FAR = 65535;
/** a rebase leaves this much room above the newest time: a rebase every ~4.5 hours at most */
const HEADROOM = 16383;

export class AnswerTable {
  /** (client id + 1) * 2 + (1 for IPv6); 0 for a free slot */
  kc_: Index;
  /** IPv4 address (as int32), or the IPv6 store index */
  ka_ = new Int32Array(0);
  /** last seen - base_, FAR when it does not fit (the exact last seen is then in `far1_`) */
  t1_ = new Uint16Array(0);
  /** what t1_ counts from: whole seconds, moved forward when a last seen does not fit */
  base_ = 0;
  private readonly far1_ = new Map<number, number>();
  /** last seen - first seen, FAR when it does not fit (the exact first seen is then in `far_`) */
  d0_ = new Uint16Array(0);
  private readonly far_ = new Map<number, number>();
  /** name id of each slot */
  nm_: Index;
  readonly names_: NameStore;
  private mask_ = 0; // buckets.length - 1
  private prev_: Index;
  private next_: Index;
  private chain_: Index; // hash chain; for a free slot, the free list
  private buckets_: Index;
  private freeHead_ = 0;
  private used_ = 0; // highest slot handed out
  private w6_ = new Int32Array(0); // IPv6 words, 4 per entry; free entries chained through word 0
  private free6_ = -1;
  private used6_ = 0;
  private readonly wide_: boolean;
  /** per client id: oldest slot, newest slot, slots held */
  readonly head_: number[] = [];
  readonly tail_: number[] = [];
  readonly count_: number[] = [];

  private readonly maxSlots_: number;

  constructor(maxSlots_: number) {
    this.maxSlots_ = maxSlots_;
    this.wide_ = maxSlots_ > 65000; // name ids reach maxSlots + 1
    this.kc_ = this.nm_ = this.prev_ = this.next_ = this.chain_ = this.buckets_ = this.index_(0);
    this.names_ = new NameStore((n) => this.index_(n));
    this.resize_(Math.min(1024, maxSlots_));
  }

  /** Makes client id `c` known with no slots. */
  resetClient_(c: number): void {
    this.head_[c] = 0;
    this.tail_[c] = 0;
    this.count_[c] = 0;
    if ((c + 2) * 2 > 65535 && this.kc_ instanceof Uint16Array) this.kc_ = Int32Array.from(this.kc_);
  }

  find4_(c: number, addr: number): number {
    const kc = c * 2 + 2;
    const a = addr | 0;
    // hash4, written out: a call costs ~400 instructions
    for (let s = this.buckets_[((a ^ (a >>> 12) ^ (a >>> 22)) + kc * 40503) & this.mask_]; s !== 0; s = this.chain_[s]) {
      if (this.ka_[s] === a && this.kc_[s] === kc) return s;
    }
    return 0;
  }

  /** `w`: four uint32 words, most significant first (cidr.ts parseIPv6). */
  find6_(c: number, w: readonly number[]): number {
    const kc = c * 2 + 3;
    const w0 = w[0] | 0, w1 = w[1] | 0, w2 = w[2] | 0, w3 = w[3] | 0;
    const s6 = this.w6_;
    for (let s = this.buckets_[hash6(kc, w0, w1, w2, w3) & this.mask_]; s !== 0; s = this.chain_[s]) {
      if (this.kc_[s] !== kc) continue;
      const k = this.ka_[s] * 4;
      if (s6[k + 3] === w3 && s6[k + 2] === w2 && s6[k + 1] === w1 && s6[k] === w0) return s;
    }
    return 0;
  }

  /** A new slot for (c, IPv4 addr) at the back of c's order, holding name id `id`, seen at ts. */
  add4_(c: number, addr: number, id: number, ts: number): number {
    const kc = c * 2 + 2;
    const a = addr | 0;
    const s = this.put_(kc, (a ^ (a >>> 12) ^ (a >>> 22)) + kc * 40503, c, id, ts); // hash4
    this.ka_[s] = a;
    return s;
  }

  add6_(c: number, w: readonly number[], id: number, ts: number): number {
    const w0 = w[0] | 0, w1 = w[1] | 0, w2 = w[2] | 0, w3 = w[3] | 0;
    const kc = c * 2 + 3;
    const i = this.alloc6_();
    const k = i * 4;
    this.w6_[k] = w0;
    this.w6_[k + 1] = w1;
    this.w6_[k + 2] = w2;
    this.w6_[k + 3] = w3;
    const s = this.put_(kc, hash6(kc, w0, w1, w2, w3), c, id, ts);
    this.ka_[s] = i;
    return s;
  }

  /** Slot s now holds name id `id` instead of the one it held. */
  setName_(s: number, id: number): void {
    const old = this.nm_[s];
    this.names_.ref_[id]++;
    this.nm_[s] = id;
    if (--this.names_.ref_[old] === 0) this.names_.drop_(old);
  }

  /** Last seen of slot s. */
  last_(s: number): number {
    const v = this.t1_[s];
    return v !== FAR ? this.base_ + v : (this.far1_.get(s) as number);
  }

  /** First seen of slot s. */
  first_(s: number): number {
    const d = this.d0_[s];
    return d !== FAR ? this.last_(s) - d : (this.far_.get(s) as number);
  }

  /** Sets first and last seen of slot s (t0 ≤ t1). */
  seen_(s: number, t0: number, t1: number): void {
    if (this.d0_[s] === FAR) this.far_.delete(s);
    const d = t1 - t0;
    this.setLast_(s, t1);
    if (d < FAR) this.d0_[s] = d;
    else {
      this.d0_[s] = FAR;
      this.far_.set(s, t0);
    }
  }

  /** Sets last seen of slot s (first seen, kept as its distance from it, moves along). */
  private setLast_(s: number, t: number): void {
    if (this.t1_[s] === FAR) this.far1_.delete(s);
    let v = t - this.base_;
    if (v >= FAR) {
      this.rebase_(t - FAR + 1 + HEADROOM);
      v = t - this.base_;
    }
    if (v >= 0) this.t1_[s] = v;
    else {
      this.t1_[s] = FAR;
      this.far1_.set(s, t);
    }
  }

  /** Moves the base forward to b: held last-seen times now below it go to the side map. */
  private rebase_(b: number): void {
    const d = b - this.base_;
    const t1 = this.t1_;
    for (let s = 1; s <= this.used_; s++) {
      if (this.kc_[s] === 0) continue;
      const v = t1[s];
      if (v === FAR) {
        const t = this.far1_.get(s) as number;
        if (t >= b && t - b < FAR) {
          t1[s] = t - b;
          this.far1_.delete(s);
        }
      } else if (v >= d) t1[s] = v - d;
      else {
        t1[s] = FAR;
        this.far1_.set(s, this.base_ + v);
      }
    }
    this.base_ = b;
  }

  /** Moves slot s to the back of its client's order (it was just refreshed). */
  touch_(s: number): void {
    const c = (this.kc_[s] >> 1) - 1;
    const t = this.tail_[c];
    if (t === s) return;
    this.unlinkOrder_(s, c); // s had a next: t stays the tail
    this.prev_[s] = t;
    this.next_[s] = 0;
    this.next_[t] = s;
    this.tail_[c] = s;
  }

  /** Frees slot s and lets go of its name. */
  remove_(s: number): void {
    const kc = this.kc_[s];
    const c = (kc >> 1) - 1;
    let h: number;
    if ((kc & 1) === 0) {
      h = hash4(kc, this.ka_[s]);
    } else {
      const k = this.ka_[s] * 4;
      const s6 = this.w6_;
      h = hash6(kc, s6[k], s6[k + 1], s6[k + 2], s6[k + 3]);
      s6[k] = this.free6_;
      this.free6_ = this.ka_[s];
    }
    const b = h & (this.buckets_.length - 1);
    let p = 0;
    for (let k = this.buckets_[b]; k !== 0; p = k, k = this.chain_[k]) {
      if (k !== s) continue;
      if (p === 0) this.buckets_[b] = this.chain_[k];
      else this.chain_[p] = this.chain_[k];
      break;
    }
    this.unlinkOrder_(s, c);
    this.count_[c]--;
    this.kc_[s] = 0;
    if (this.d0_[s] === FAR) this.far_.delete(s);
    if (this.t1_[s] === FAR) this.far1_.delete(s);
    const id = this.nm_[s];
    if (--this.names_.ref_[id] === 0) this.names_.drop_(id);
    this.nm_[s] = 0;
    this.chain_[s] = this.freeHead_;
    this.freeHead_ = s;
  }

  /** A slot for key kc of hash h, at the back of c's order; the caller sets ka. */
  private put_(kc: number, h: number, c: number, id: number, ts: number): number {
    let s = this.freeHead_;
    if (s !== 0) this.freeHead_ = this.chain_[s];
    else {
      s = this.used_ + 1;
      if (s >= this.kc_.length) {
        if (s > this.maxSlots_) throw new Error(`join table: slot ${s} beyond the cap of ${this.maxSlots_}`);
        this.resize_(Math.min((this.kc_.length - 1) * 2, this.maxSlots_)); // before `used` counts s: not rehashed
      }
      this.used_ = s;
    }
    this.kc_[s] = kc;
    this.nm_[s] = id;
    this.names_.ref_[id]++;
    this.d0_[s] = 0;
    // setLast_()'s common case written out (a call costs ~400 instructions); a free slot's FAR
    // has no side-map entry left
    const v = ts - this.base_;
    if (v >= 0 && v < FAR) this.t1_[s] = v;
    else this.setLast_(s, ts);
    const b = h & this.mask_;
    this.chain_[s] = this.buckets_[b];
    this.buckets_[b] = s;
    // appended to c's order
    const last = this.tail_[c];
    this.prev_[s] = last;
    this.next_[s] = 0;
    if (last === 0) this.head_[c] = s;
    else this.next_[last] = s;
    this.tail_[c] = s;
    this.count_[c]++;
    return s;
  }

  private unlinkOrder_(s: number, c: number): void {
    const p = this.prev_[s];
    const n = this.next_[s];
    if (p === 0) this.head_[c] = n;
    else this.next_[p] = n;
    if (n === 0) this.tail_[c] = p;
    else this.prev_[n] = p;
  }

  private alloc6_(): number {
    let i = this.free6_;
    if (i !== -1) {
      this.free6_ = this.w6_[i * 4];
      return i;
    }
    i = this.used6_++;
    // quarter steps past 1,024 entries: doubling left up to half the store unused (16 B an entry)
    const n = this.w6_.length;
    if (i * 4 >= n) this.w6_ = grown(this.w6_, Math.min(n < 4096 ? Math.max(256, n * 2) : n + ((n >> 4) << 2), this.maxSlots_ * 4));
    return i;
  }

  private index_(n: number): Index {
    return this.wide_ ? new Int32Array(n) : new Uint16Array(n);
  }

  /** Room for slots 1..n. */
  private resize_(n: number): void {
    this.kc_ = grown(this.kc_, n + 1);
    this.ka_ = grown(this.ka_, n + 1);
    this.t1_ = grown(this.t1_, n + 1);
    this.d0_ = grown(this.d0_, n + 1);
    this.nm_ = grown(this.nm_, n + 1);
    this.prev_ = grown(this.prev_, n + 1);
    this.next_ = grown(this.next_, n + 1);
    this.chain_ = grown(this.chain_, n + 1);
    // buckets ≥ slots / 2: chains average under 2 (half the buckets of slots ≥ buckets: -2 B an answer)
    let nb = 1;
    while (nb * 2 < n) nb *= 2;
    if (nb === this.buckets_.length) return;
    this.mask_ = nb - 1;
    // rehash every held slot (kc is 0 for free ones)
    this.buckets_ = this.index_(0);
    const buckets = this.index_(nb);
    const mask = nb - 1;
    for (let s = 1; s <= this.used_; s++) {
      const kc = this.kc_[s];
      if (kc === 0) continue;
      let h: number;
      if ((kc & 1) === 0) h = hash4(kc, this.ka_[s]);
      else {
        const k = this.ka_[s] * 4;
        h = hash6(kc, this.w6_[k], this.w6_[k + 1], this.w6_[k + 2], this.w6_[k + 3]);
      }
      this.chain_[s] = buckets[h & mask];
      buckets[h & mask] = s;
    }
    this.buckets_ = buckets;
  }
}

/** A copy of `a` (of the same type) with room for n elements. */
function grown<T extends Index>(a: T, n: number): T {
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
