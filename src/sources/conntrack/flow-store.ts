// Storage for the flow table (src/pipeline/flows.ts): open flows as slots in typed-array
// columns, found by conntrack id and by original tuple through two open-addressing indexes (no
// Map entry or key string per flow: a qjs Map costs ~90 bytes an entry), and kept in a linked
// list (eviction, interim records, flush take it from the head): opening order, or with
// interim records on, the order of last report (FlowTable moves a reported flow to the tail). The tuple index is
// what a table read (/proc has no ids) matches its lines against, and finds the flows adopted
// from /proc when their first event brings the id. About 51 bytes a flow with the id index and
// interim records on (8 B less with them off; +32 B with counters kept, +2 B for table reads'
// marks, +3 B once they index tuples, +2 B once a flow has a zone); 20k flows ≈ 1.05 MB.

export const NO_SLOT = -1;

// flag bits: the low nibble is FlowTable's (what the flow's records said), the rest the store's
export const F_ASSURED = 1;
export const F_UNREPLIED = 2;
export const F_OFFLOAD = 4;
export const F_START_KNOWN = 8;
export const F_HAS_ID = 16;
export const F_HAS_MARK = 32;
/** In the tuple index (every held flow; not a transient one). */
export const F_TUPLE_INDEXED = 64;
/** Has an entry in `dnat` (a bit test is cheaper in qjs than the Map's size getter). */
export const F_DNAT = 128;

/** A `ports` entry that may not be the value: the flow's three are in `odd_` if it has an entry. */
export const PORT_ODD = 65535;

/** Slot columns and indexes of the open flows; members not named below are read-only outside. */
export interface FlowStore {
  start: Float64Array;
  /** Allocated when the table makes interim records (`reports`); FlowTable's clock of them. */
  lastReport: Float64Array;
  /**
   * 4 per slot: orig bytes, orig pkts, resp bytes, resp pkts (-1: unknown). Allocated when a
   * record that does not end its flow carries counters (snapshots, /proc polling): events carry
   * them only on DESTROY, which go to endCounts, so the event path never needs the column.
   */
  counts: Float64Array;
  /** `counts` is there (a flag: a typed array's length is a getter call in qjs). */
  counted_: boolean;
  /**
   * Flows whose reply comes from another host or port than the original destination (DNAT:
   * port forwards, redirects) are few: their reply host (a StringPool handle) and port are kept
   * here by slot, as handle * 65537 + port + 1, not in two columns every flow would pay for
   * (the port is kept, not read: no event carries it). FlowTable adds them.
   */
  readonly dnat_: Map<number, number>;
  /** The counters of `endSlot`, the flow being ended by a record that carried them (FlowTable's to set). */
  readonly endCounts: Float64Array;
  endSlot: number;
  id_: Uint32Array;
  /** Allocated with the first flow that has a mark other than 0 (read only under F_HAS_MARK). */
  mark_: Uint32Array;
  /**
   * 3 per slot: sport, dport, nat port; icmp: id, type<<8|code. 16-bit: a value outside
   * 0..65535 (none: -1, a garbled one) is PORT_ODD here and the flow's three are in `odd_`
   * (read an entry that is PORT_ODD with port_()). The nat port is only meaningful with a nat
   * host and a protocol with ports (hasPorts), which always have one.
   */
  ports: Uint16Array;
  /** The raw ports of the slots with a PORT_ODD entry (protocols without ports, mostly). */
  readonly odd_: Map<number, number[]>;
  /** 4 per slot, StringPool handles: src, dst, nat host, state */
  strs: Int32Array;
  /** Allocated with the first flow in a zone other than 0 (then `zoned_`): read it with zoneOf_(). */
  zone_: Uint16Array;
  zoned_: boolean;
  proto: Uint8Array;
  flags: Uint8Array;
  /**
   * The table read that last saw the flow (FlowTable's mark and sweep). Allocated by the first
   * read (needSeen_): a write before it is out of bounds, a no-op, and reads as generation 0.
   */
  seen_: Uint16Array;
  /** slot + 1 of the next flow in the order, 0 for none (16-bit while slots fit) */
  next_: Int32Array | Uint16Array;
  head: number;
  /** The last slot in the order. */
  tail_: number;
  count_: number;
  /** Indexed flows without a conntrack id (adopted from /proc). */
  idless: number;
  /** A fresh slot at the end of the opening order, flags cleared, keyed by `id` unless it is negative. */
  alloc_(id?: number): number;
  /** Unlinks and unbinds a slot; the caller has released its strings. */
  release(s: number): void;
  /** Moves a held slot to the front of the order, or to its end (FlowTable: it was just reported). */
  move_(s: number, front: boolean): void;
  /** The DNAT reply host's handle of a slot, -1 when none. */
  dnatHost(s: number): number;
  /** Sets a slot's three ports (as `ports` says), keeping what 16 bits cannot hold aside. */
  setPorts_(s: number, a: number, b: number, c: number): void;
  /** A slot's port `k` (0: sport or icmp id, 1: dport or icmp type<<8|code, 2: nat port). */
  port_(s: number, k: number): number;
  /** A slot's zone (0 until some flow had another). */
  zoneOf_(s: number): number;
  /** Sets a slot's zone (allocating the column for the first other than 0). */
  setZone_(s: number, z: number): void;
  /** Allocates `seen_` for table reads. */
  needSeen_(): void;
  /** Sets a slot's mark (allocating the column on first use). */
  setMark(s: number, m: number): void;
  /** Sets a slot's counters (allocating the column on first use). */
  setCounts(s: number, origBytes: number, origPkts: number, replyBytes: number, replyPkts: number): void;
  findId(id: number): number;
  /**
   * The first indexed flow with this original tuple (`src`/`dst` pool handles; `a`/`b` the
   * ports, or icmp id and type<<8|code), or only one without an id when `idless`.
   */
  findTuple(proto: number, src: number, dst: number, a: number, b: number, zone: number, idless: boolean): number;
  /** Indexes a slot by its original tuple, once its addresses, ports, proto and zone are set. */
  indexTuple(s: number): void;
  /** Keys a slot by conntrack id. */
  bindId(s: number, id: number): void;
}

/**
 * `new FlowStore(maxSlots, reports = true)`: `maxSlots` is the most flows held at once (one more
 * for a transient); `reports`: keep `lastReport` (interim records on). A constructor function
 * returning its object: the columns others read are its members, the rest closure locals
 * (short names in the bundle; `var` and function declarations: qjs checks let/const reads for
 * their dead zone).
 */
export const FlowStore = function (maxSlots: number, reports = true): FlowStore {
  var cap = 0;
  var used = 0;
  var freeSlots: number[] = [];
  /** slot+1 per bucket, 0 empty; linear probing on the conntrack id */
  var index: Int32Array | Uint16Array = new Int32Array(0);
  /**
   * the same on the original tuple (pool handles of the addresses, ports, proto, zone); empty
   * until a flow is first indexed by tuple (table reads): the event path never needs it
   */
  var tindex: Int32Array | Uint16Array = index;
  var mask = 0;
  /** slot + 1 of the previous flow in the order, 0 for none (next_'s twin) */
  var prev: Int32Array | Uint16Array = index;
  /** Some slot had odd ports (spares the ended flows of most tables the check). */
  var hadOdd = false;
  /** (a flag, not seen_.length: the store may have no slots yet) */
  var seenOn = false;
  var odd = new Map<number, number[]>();
  // The columns the store itself reads most, also in locals (shorter, and a closure variable
  // is read without a property lookup); grow() replaces both.
  var ids = new Uint32Array(0);
  var ports = new Uint16Array(0);
  var strs = new Int32Array(0);
  var protos = new Uint8Array(0);
  var flags = new Uint8Array(0);
  var next: Int32Array | Uint16Array = index;

  const self: FlowStore = {
    start: new Float64Array(0),
    lastReport: new Float64Array(0),
    counts: new Float64Array(0),
    counted_: false,
    dnat_: new Map(),
    endCounts: new Float64Array(4),
    endSlot: NO_SLOT,
    id_: ids,
    mark_: new Uint32Array(0),
    ports,
    odd_: odd,
    strs,
    zone_: new Uint16Array(0),
    zoned_: false,
    proto: protos,
    flags,
    seen_: new Uint16Array(0),
    next_: next,
    head: NO_SLOT,
    tail_: NO_SLOT,
    count_: 0,
    idless: 0,

    alloc_(id = -1) {
      var s: number;
      if (freeSlots.length > 0) s = freeSlots.pop() as number;
      else {
        if (used === cap) grow();
        s = used++;
      }
      var tail = self.tail_;
      prev[s] = tail + 1;
      next[s] = 0;
      if (tail >= 0) next[tail] = s + 1;
      else self.head = s;
      self.tail_ = s;
      self.count_++;
      if (id >= 0) {
        // bindId() written out for a fresh slot
        ids[s] = id;
        flags[s] = F_HAS_ID;
        var idx = index;
        var m = mask;
        // The id index's hash, here and below: a multiply by an odd constant under 2^21, so the
        // product of a 32-bit id is exact in a double and >>> takes its low 32 bits; not
        // Math.imul, a C call (~700 qjs instructions) for every lookup
        var h = (id * 1980281 >>> 7) & m;
        while (idx[h] !== 0) h = (h + 1) & m;
        idx[h] = s + 1;
      } else flags[s] = 0;
      return s;
    },

    release(s) {
      var f = flags[s];
      if (f & F_HAS_ID) unindex(index, s, false);
      if (f & F_TUPLE_INDEXED) {
        unindex(tindex, s, true);
        if (!(f & F_HAS_ID)) self.idless--;
      }
      flags[s] = 0;
      if (hadOdd) {
        var k = s * 3;
        if (ports[k] === 65535 || ports[k + 1] === 65535 || ports[k + 2] === 65535) odd.delete(s); // (PORT_ODD)
      }
      // unlink() written out (a call costs qjs ~400 instructions; every ended flow passes here)
      var p = prev[s] - 1;
      var n = next[s] - 1;
      if (p >= 0) next[p] = n + 1;
      else self.head = n;
      if (n >= 0) prev[n] = p + 1;
      else self.tail_ = p;
      self.count_--;
      freeSlots.push(s);
      if (self.endSlot === s) self.endSlot = NO_SLOT;
      if (f & F_DNAT) self.dnat_.delete(s);
    },

    move_(s, front) {
      if (s === (front ? self.head : self.tail_)) return;
      unlink(s);
      if (front) {
        var h = self.head;
        prev[s] = 0;
        next[s] = h + 1;
        prev[h] = s + 1;
        self.head = s;
      } else {
        h = self.tail_;
        prev[s] = h + 1;
        next[s] = 0;
        next[h] = s + 1; // (s was not the tail, so one is left)
        self.tail_ = s;
      }
    },

    dnatHost: (s) => Math.floor((self.dnat_.get(s) ?? -1) / 65537),

    setPorts_(s, a, b, c) {
      var k = s * 3;
      // as an Int32 column kept them (garbled ones too); >>> 16: a negative value has high bits
      a |= 0;
      b |= 0;
      c |= 0;
      ports[k] = a >>> 16 === 0 ? a : PORT_ODD;
      ports[k + 1] = b >>> 16 === 0 ? b : PORT_ODD;
      ports[k + 2] = c >>> 16 === 0 ? c : PORT_ODD;
      // (release() drops a slot's entry: a fresh slot has none)
      if ((a | b | c) >>> 16 !== 0) {
        odd.set(s, [a, b, c]);
        hadOdd = true;
      }
    },

    port_: port,
    zoneOf_: zoneOf,

    setZone_(s, z) {
      if (!self.zoned_) {
        if (z === 0) return;
        self.zoned_ = true;
        self.zone_ = new Uint16Array(cap);
      }
      self.zone_[s] = z;
    },

    needSeen_() {
      if (!seenOn) self.seen_ = new Uint16Array(cap);
      seenOn = true;
    },

    setMark(s, m) {
      if (self.mark_.length === 0) self.mark_ = new Uint32Array(cap);
      self.mark_[s] = m;
    },

    setCounts(s, origBytes, origPkts, replyBytes, replyPkts) {
      if (!self.counted_) {
        self.counted_ = true;
        self.counts = new Float64Array(cap * 4).fill(-1);
      }
      var c = s * 4;
      var counts = self.counts;
      counts[c] = origBytes;
      counts[c + 1] = origPkts;
      counts[c + 2] = replyBytes;
      counts[c + 3] = replyPkts;
    },

    findId(id) {
      var m = mask;
      if (m === 0) return NO_SLOT;
      var idx = index;
      // hash() written out: a call costs qjs ~400 instructions
      for (var h = (id * 1980281 >>> 7) & m, v = 0; ; h = (h + 1) & m) {
        v = idx[h];
        if (v === 0) return NO_SLOT;
        if (ids[v - 1] === id) return v - 1;
      }
    },

    findTuple(proto, src, dst, a, b, zone, idless) {
      if (tindex.length === 0) return NO_SLOT;
      for (var h = tupleHash(proto, src, dst, a, b, zone) & mask, v = 0, s = 0; ; h = (h + 1) & mask) {
        v = tindex[h];
        if (v === 0) return NO_SLOT;
        s = v - 1;
        if (strs[s * 4] === src && strs[s * 4 + 1] === dst && port(s, 0) === a && port(s, 1) === b &&
          protos[s] === proto && zoneOf(s) === zone && !(idless && flags[s] & F_HAS_ID)) return s;
      }
    },

    indexTuple(s) {
      var f = flags[s] | F_TUPLE_INDEXED;
      flags[s] = f;
      if (!(f & F_HAS_ID)) self.idless++;
      if (tindex.length === 0) tindex = maxSlots < 65534 ? new Uint16Array(mask + 1) : new Int32Array(mask + 1);
      insert(tindex, slotHash(s), s);
    },

    bindId(s, id) {
      var f = flags[s];
      if ((f & (F_TUPLE_INDEXED | F_HAS_ID)) === F_TUPLE_INDEXED) self.idless--;
      ids[s] = id;
      flags[s] = f | F_HAS_ID;
      insert(index, id * 1980281 >>> 7, s);
    },
  };

  function unlink(s: number): void {
    var p = prev[s] - 1;
    var n = next[s] - 1;
    if (p >= 0) next[p] = n + 1;
    else self.head = n;
    if (n >= 0) prev[n] = p + 1;
    else self.tail_ = p;
  }

  function port(s: number, k: number): number {
    var v = ports[s * 3 + k];
    if (v !== PORT_ODD) return v;
    var o = odd.get(s);
    return o === undefined ? v : o[k];
  }

  function zoneOf(s: number): number {
    return self.zoned_ ? self.zone_[s] : 0;
  }

  /** Puts slot `s` into an index at the first free bucket from hash `h`. */
  function insert(idx: Int32Array | Uint16Array, h: number, s: number): void {
    for (h &= mask; idx[h] !== 0; h = (h + 1) & mask);
    idx[h] = s + 1;
  }

  /** Removes a slot from an index, shifting later entries of its probe run back. */
  function unindex(idx: Int32Array | Uint16Array, s: number, tuple: boolean): void {
    var m = mask;
    var h = (tuple ? slotHash(s) : ids[s] * 1980281 >>> 7) & m;
    while (idx[h] !== s + 1) h = (h + 1) & m;
    idx[h] = 0;
    for (var j = (h + 1) & m, o = 0, k = 0, stays = false; idx[j] !== 0; j = (j + 1) & m) {
      o = idx[j] - 1;
      k = (tuple ? slotHash(o) : ids[o] * 1980281 >>> 7) & m;
      // move j back to h unless its home k lies cyclically in (h, j]
      stays = h <= j ? h < k && k <= j : h < k || k <= j;
      if (!stays) {
        idx[h] = idx[j];
        idx[j] = 0;
        h = j;
      }
    }
  }

  /**
   * A held slot's tuple hash, recomputed rather than kept in a column (4 B a flow): only table
   * reads index tuples, and they rehash a probe run's few entries when one is deleted.
   */
  function slotHash(s: number): number {
    return tupleHash(protos[s], strs[s * 4], strs[s * 4 + 1], port(s, 0), port(s, 1), zoneOf(s));
  }

  function grow(): void {
    // small steps once large: the columns are memset when allocated (qjs), so a 1.5x step past
    // 20k flows would hold ~1 MB of never-used slots
    var size = Math.min(maxSlots + 1, Math.max(256, Math.ceil(cap * (cap < 4096 ? 1.5 : 1.125))));
    if (size <= cap) throw new Error(`flow store full at ${cap} slots`);
    // a column of the same type, n entries a slot, holding what the old one held
    var g = <T extends Column>(a: T, n = 1): T => {
      var b = new (a.constructor as new (k: number) => T)(size * n);
      if (a === self.counts) b.fill(-1);
      b.set(a as ArrayLike<number> & Column);
      return b;
    };
    var o = self;
    o.start = g(o.start);
    if (reports) o.lastReport = g(o.lastReport);
    if (o.counted_) o.counts = g(o.counts, 4);
    if (o.mark_.length > 0) o.mark_ = g(o.mark_);
    o.id_ = ids = g(ids);
    o.ports = ports = g(ports, 3);
    o.strs = strs = g(strs, 4);
    if (o.zoned_) o.zone_ = g(o.zone_);
    o.proto = protos = g(protos);
    o.flags = flags = g(flags);
    if (seenOn) o.seen_ = g(o.seen_);
    if (cap === 0 && maxSlots < 65535) prev = next = new Uint16Array(0);
    prev = g(prev);
    o.next_ = next = g(next);
    cap = size;
    // the indexes stay at most 2/3 full (linear probing: ~2 probes a hit); 2 bytes an entry
    // while slot numbers fit: 64 kB each for 20k flows
    size = 1024;
    while (size < cap * 1.5) size *= 2;
    if (size - 1 !== mask) {
      var small = maxSlots < 65534;
      index = small ? new Uint16Array(size) : new Int32Array(size);
      if (tindex.length > 0) tindex = small ? new Uint16Array(size) : new Int32Array(size);
      mask = size - 1;
      // every held flow again (once per doubling)
      for (var s = o.head, f = 0; s >= 0; s = next[s] - 1) {
        f = flags[s];
        if (f & F_HAS_ID) insert(index, ids[s] * 1980281 >>> 7, s);
        if (f & F_TUPLE_INDEXED) insert(tindex, slotHash(s), s);
      }
    }
  }

  return self;
} as unknown as new (maxSlots: number, reports?: boolean) => FlowStore;

/** Proto, zone and the four tuple numbers mixed (multiply-xorshift; the index takes the low bits). */
function tupleHash(proto: number, src: number, dst: number, a: number, b: number, zone: number): number {
  const h = Math.imul(((a << 16) ^ b) + Math.imul((src << 16) ^ dst ^ (proto << 8) ^ (zone << 24), 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}

type Column = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
