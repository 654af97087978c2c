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

import { NameStore, grown, type Index } from './join-names';

/** d0 or t1 marking a time kept in a side map (answers refreshed over 18 hours; last seen
 *  before the base) */
const FAR = 65535;
/** a rebase leaves this much room above the newest time: a rebase every ~4.5 hours at most */
const HEADROOM = 16383;

export interface AnswerTable {
  /** name id of each slot */
  nm_: Index;
  /** last seen - base_, FAR when it does not fit (the exact last seen is then in `far1_`) */
  t1_: Uint16Array;
  /** what t1_ counts from: whole seconds, moved forward when a last seen does not fit */
  base_: number;
  /** last seen - first seen, FAR when it does not fit (the exact first seen is then in a side map) */
  d0_: Uint16Array;
  /** slot → last seen, for the slots whose t1_ is FAR */
  readonly far1_: Map<number, number>;
  readonly names_: NameStore;
  /** per client id: oldest slot, slots held */
  readonly head_: number[];
  readonly count_: number[];
  /** Makes client id `c` known with no slots. */
  resetClient_(c: number): void;
  find4_(c: number, addr: number): number;
  /** `w`: four uint32 words, most significant first (cidr.ts parseIPv6). */
  find6_(c: number, w: readonly number[]): number;
  /** A new slot for (c, IPv4 addr) at the back of c's order, holding name id `id`, seen at ts. */
  add4_(c: number, addr: number, id: number, ts: number): number;
  add6_(c: number, w: readonly number[], id: number, ts: number): number;
  /** Slot s now holds name id `id` instead of the one it held. */
  setName_(s: number, id: number): void;
  /** Last seen of slot s. */
  last_(s: number): number;
  /** First seen of slot s. */
  first_(s: number): number;
  /** Sets first and last seen of slot s (t0 ≤ t1). */
  seen_(s: number, t0: number, t1: number): void;
  /** Moves slot s to the back of its client's order (it was just refreshed). */
  touch_(s: number): void;
  /** Frees slot s and lets go of its name. */
  remove_(s: number): void;
}

/**
 * `new AnswerTable(maxSlots)`: a constructor function returning its object, whose state is
 * closure locals (shorter than `this.x_` members, and cheaper to read in qjs); what join.ts reads
 * in place (nm_, t1_, d0_, base_) is published on the object again when it changes. `var`: qjs
 * checks let/const for their dead zone on every read.
 */
export const AnswerTable = function (maxSlots: number): AnswerTable {
  var wide = maxSlots > 65000; // name ids reach maxSlots + 1
  var index = (n: number): Index => (wide ? new Int32Array(n) : new Uint16Array(n));
  /** (client id + 1) * 2 + (1 for IPv6); 0 for a free slot */
  var kc = index(0);
  /** IPv4 address (as int32), or the IPv6 store index */
  var ka = new Int32Array(0);
  var t1 = new Uint16Array(0);
  var base = 0;
  var far1 = new Map<number, number>();
  var d0 = new Uint16Array(0);
  /** slot → first seen, for the slots whose d0 is FAR */
  var far0 = new Map<number, number>();
  var nm = kc;
  var names = new NameStore(index);
  var mask = 0; // buckets.length - 1
  var prev = kc;
  var next = kc;
  var chain = kc; // hash chain; for a free slot, the free list
  var buckets = kc;
  var freeHead = 0;
  var used = 0; // highest slot handed out
  var w6 = new Int32Array(0); // IPv6 words, 4 per entry; free entries chained through word 0
  var free6 = -1;
  var used6 = 0;
  /** per client id: oldest slot, newest slot, slots held */
  var head: number[] = [];
  var tail: number[] = [];
  var count: number[] = [];

  /** The hash of held slot s's key. */
  function hashOf(s: number): number {
    var k = kc[s];
    var a = ka[s] * 4;
    return k & 1 ? hash6(k, w6[a], w6[a + 1], w6[a + 2], w6[a + 3]) : hash4(k, ka[s]);
  }

  /** Room for slots 1..n. */
  function resize(n: number): void {
    kc = grown(kc, n + 1);
    ka = grown(ka, n + 1);
    self.t1_ = t1 = grown(t1, n + 1);
    self.d0_ = d0 = grown(d0, n + 1);
    self.nm_ = nm = grown(nm, n + 1);
    prev = grown(prev, n + 1);
    next = grown(next, n + 1);
    chain = grown(chain, n + 1);
    // buckets ≥ slots / 2: chains average under 2 (half the buckets of slots ≥ buckets: -2 B an answer)
    let nb = 1;
    while (nb * 2 < n) nb *= 2;
    if (nb === buckets.length) return;
    mask = nb - 1;
    // rehash every held slot (kc is 0 for free ones); the old buckets go first (the peak)
    buckets = index(0);
    buckets = index(nb);
    for (let s = 1; s <= used; s++) {
      if (kc[s] === 0) continue;
      const b = hashOf(s) & mask;
      chain[s] = buckets[b];
      buckets[b] = s;
    }
  }

  /** Sets last seen of slot s (first seen, kept as its distance from it, moves along). */
  function setLast(s: number, t: number): void {
    if (t1[s] === FAR) far1.delete(s);
    var v = t - base;
    if (v >= FAR) {
      // the base moves forward to b: held last-seen times now below it go to the side map
      const b = t - FAR + 1 + HEADROOM;
      const d = b - base;
      for (let s = 1; s <= used; s++) {
        if (kc[s] === 0) continue;
        const v = t1[s];
        if (v === FAR) {
          const t = far1.get(s) as number;
          if (t >= b && t - b < FAR) {
            t1[s] = t - b;
            far1.delete(s);
          }
        } else if (v >= d) t1[s] = v - d;
        else {
          t1[s] = FAR;
          far1.set(s, base + v);
        }
      }
      self.base_ = base = b;
      v = t - base;
    }
    if (v >= 0) t1[s] = v;
    else {
      t1[s] = FAR;
      far1.set(s, t);
    }
  }

  /** A slot for key k of hash h, at the back of c's order; the caller sets ka. */
  function put(k: number, h: number, c: number, id: number, ts: number): number {
    var s = freeHead;
    if (s !== 0) freeHead = chain[s];
    else {
      s = used + 1;
      if (s >= kc.length) {
        if (s > maxSlots) throw new Error(`join table: slot ${s} beyond the cap of ${maxSlots}`);
        resize(Math.min((kc.length - 1) * 2, maxSlots)); // before `used` counts s: not rehashed
      }
      used = s;
    }
    kc[s] = k;
    nm[s] = id;
    names.ref_[id]++;
    d0[s] = 0;
    // setLast()'s common case written out (a call costs ~400 instructions); a free slot's FAR
    // has no side-map entry left
    var v = ts - base;
    if (v >= 0 && v < FAR) t1[s] = v;
    else setLast(s, ts);
    var b = h & mask;
    chain[s] = buckets[b];
    buckets[b] = s;
    // appended to c's order
    var t = tail[c];
    prev[s] = t;
    next[s] = 0;
    if (t === 0) head[c] = s;
    else next[t] = s;
    tail[c] = s;
    count[c]++;
    return s;
  }

  function unlinkOrder(s: number, c: number): void {
    var p = prev[s];
    var n = next[s];
    if (p === 0) head[c] = n;
    else next[p] = n;
    if (n === 0) tail[c] = p;
    else prev[n] = p;
  }

  function last(s: number): number {
    var v = t1[s];
    return v !== FAR ? base + v : (far1.get(s) as number);
  }

  var self: AnswerTable = {
    nm_: nm,
    t1_: t1,
    base_: base,
    d0_: d0,
    far1_: far1,
    names_: names,
    head_: head,
    count_: count,

    resetClient_(c) {
      head[c] = tail[c] = count[c] = 0;
      if ((c + 2) * 2 > 65535 && kc instanceof Uint16Array) kc = Int32Array.from(kc);
    },

    find4_(c, addr) {
      var k = c * 2 + 2;
      var a = addr | 0;
      // hash4, written out: a call costs ~400 instructions
      for (var s = buckets[((a ^ (a >>> 12) ^ (a >>> 22)) + k * 40503) & mask]; s !== 0; s = chain[s]) {
        if (ka[s] === a && kc[s] === k) return s;
      }
      return 0;
    },

    find6_(c, w) {
      var k = c * 2 + 3;
      var w0 = w[0] | 0, w1 = w[1] | 0, w2 = w[2] | 0, w3 = w[3] | 0;
      for (var s = buckets[hash6(k, w0, w1, w2, w3) & mask]; s !== 0; s = chain[s]) {
        if (kc[s] !== k) continue;
        var i = ka[s] * 4;
        if (w6[i + 3] === w3 && w6[i + 2] === w2 && w6[i + 1] === w1 && w6[i] === w0) return s;
      }
      return 0;
    },

    add4_(c, addr, id, ts) {
      var k = c * 2 + 2;
      var a = addr | 0;
      var s = put(k, (a ^ (a >>> 12) ^ (a >>> 22)) + k * 40503, c, id, ts); // hash4
      ka[s] = a;
      return s;
    },

    add6_(c, w, id, ts) {
      var w0 = w[0] | 0, w1 = w[1] | 0, w2 = w[2] | 0, w3 = w[3] | 0;
      var k = c * 2 + 3;
      // an entry of the IPv6 store: a free one, else the next (grown in quarter steps past 1,024
      // entries: doubling left up to half the store unused, 16 B an entry)
      var i = free6;
      if (i !== -1) free6 = w6[i * 4];
      else {
        i = used6++;
        var n = w6.length;
        if (i * 4 >= n) w6 = grown(w6, Math.min(n < 4096 ? Math.max(256, n * 2) : n + ((n >> 4) << 2), maxSlots * 4));
      }
      var j = i * 4;
      w6[j] = w0;
      w6[j + 1] = w1;
      w6[j + 2] = w2;
      w6[j + 3] = w3;
      var s = put(k, hash6(k, w0, w1, w2, w3), c, id, ts);
      ka[s] = i;
      return s;
    },

    setName_(s, id) {
      var old = nm[s];
      names.ref_[id]++;
      nm[s] = id;
      if (--names.ref_[old] === 0) names.drop_(old);
    },

    last_: last,

    first_(s) {
      var d = d0[s];
      return d !== FAR ? last(s) - d : (far0.get(s) as number);
    },

    seen_(s, t0, t1) {
      if (d0[s] === FAR) far0.delete(s);
      var d = t1 - t0;
      setLast(s, t1);
      if (d < FAR) d0[s] = d;
      else {
        d0[s] = FAR;
        far0.set(s, t0);
      }
    },

    touch_(s) {
      var c = (kc[s] >> 1) - 1;
      var t = tail[c];
      if (t === s) return;
      unlinkOrder(s, c); // s had a next: t stays the tail
      prev[s] = t;
      next[s] = 0;
      next[t] = s;
      tail[c] = s;
    },

    remove_(s) {
      var k = kc[s];
      var c = (k >> 1) - 1;
      var b = hashOf(s) & mask;
      if (k & 1) {
        w6[ka[s] * 4] = free6;
        free6 = ka[s];
      }
      for (var i = buckets[b], p = 0; i !== 0; p = i, i = chain[i]) {
        if (i !== s) continue;
        if (p === 0) buckets[b] = chain[i];
        else chain[p] = chain[i];
        break;
      }
      unlinkOrder(s, c);
      count[c]--;
      kc[s] = 0;
      if (d0[s] === FAR) far0.delete(s);
      if (t1[s] === FAR) far1.delete(s);
      var id = nm[s];
      if (--names.ref_[id] === 0) names.drop_(id);
      nm[s] = 0;
      chain[s] = freeHead;
      freeHead = s;
    },
  };
  resize(Math.min(1024, maxSlots));
  return self;
} as unknown as new (maxSlots: number) => AnswerTable;

// Plain shifts and adds: Math.imul is a call (~500 instructions in qjs), these ~100. The low bits
// of an address vary most; the client id is spread by a multiplier that stays exact in doubles.
function hash4(kc: number, a: number): number {
  return (a ^ (a >>> 12) ^ (a >>> 22)) + kc * 40503;
}

function hash6(kc: number, w0: number, w1: number, w2: number, w3: number): number {
  const x = w3 ^ (w3 >>> 16) ^ w2 ^ (w2 >>> 11) ^ w1 ^ (w1 >>> 7) ^ w0;
  return x + kc * 40503;
}
