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

export class FlowStore {
  start = new Float64Array(0);
  /** Allocated when the table makes interim records (`reports`); FlowTable's clock of them. */
  lastReport = new Float64Array(0);
  /**
   * 4 per slot: orig bytes, orig pkts, resp bytes, resp pkts (-1: unknown). Allocated when a
   * record that does not end its flow carries counters (snapshots, /proc polling): events carry
   * them only on DESTROY, which go to endCounts, so the event path never needs the column.
   */
  counts = new Float64Array(0);
  /** `counts` is there (a flag: a typed array's length is a getter call in qjs). */
  counted_ = false;
  /**
   * Flows whose reply comes from another host or port than the original destination (DNAT:
   * port forwards, redirects) are few: their reply host (a StringPool handle) and port are kept
   * here by slot, as handle * 65537 + port + 1, not in two columns every flow would pay for
   * (the port is kept, not read: no event carries it).
   */
  readonly dnat_ = new Map<number, number>();
  /** The counters of `endSlot`, the flow being ended by a record that carried them. */
  readonly endCounts = new Float64Array(4);
  endSlot = NO_SLOT;
  id_ = new Uint32Array(0);
  /** Allocated with the first flow that has a mark other than 0 (read only under F_HAS_MARK). */
  mark_ = new Uint32Array(0);
  /**
   * 3 per slot: sport, dport, nat port; icmp: id, type<<8|code. 16-bit: a value outside
   * 0..65535 (none: -1, a garbled one) is PORT_ODD here and the flow's three are in `odd_`
   * (read an entry that is PORT_ODD with port_()). The nat port is only meaningful with a nat
   * host and a protocol with ports (hasPorts), which always have one.
   */
  ports = new Uint16Array(0);
  /** The raw ports of the slots with a PORT_ODD entry (protocols without ports, mostly). */
  readonly odd_ = new Map<number, number[]>();
  /** Some slot had odd ports (spares the ended flows of most tables the check). */
  private hadOdd_ = false;
  /** 4 per slot, StringPool handles: src, dst, nat host, state */
  strs = new Int32Array(0);
  /** Allocated with the first flow in a zone other than 0 (then `zoned_`): read it with zoneOf_(). */
  zone_ = new Uint16Array(0);
  zoned_ = false;
  proto = new Uint8Array(0);
  flags = new Uint8Array(0);
  /**
   * The table read that last saw the flow (FlowTable's mark and sweep). Allocated by the first
   * read (needSeen_): a write before it is out of bounds, a no-op, and reads as generation 0.
   */
  seen_ = new Uint16Array(0);
  /** slot + 1 of the previous and the next flow in the order, 0 for none (16-bit while slots fit) */
  private prev_: Int32Array | Uint16Array = new Int32Array(0);
  next_: Int32Array | Uint16Array = new Int32Array(0);
  head = NO_SLOT;
  /** The last slot in the order (read-only outside). */
  tail_ = NO_SLOT;
  count_ = 0;

  private cap_ = 0;
  private used_ = 0;
  private readonly freeSlots_: number[] = [];
  /** slot+1 per bucket, 0 empty; linear probing on the conntrack id */
  private index_: Int32Array | Uint16Array = new Int32Array(0);
  /**
   * the same on the original tuple (pool handles of the addresses, ports, proto, zone); empty
   * until a flow is first indexed by tuple (table reads): the event path never needs it
   */
  private tindex_: Int32Array | Uint16Array = new Int32Array(0);
  private mask_ = 0;
  /** Indexed flows without a conntrack id (adopted from /proc); read-only outside. */
  idless = 0;

  private readonly maxSlots_: number;
  private readonly reports_: boolean;

  /**
   * `maxSlots` is the most flows held at once (one more for a transient); `reports`: keep
   * `lastReport` (interim records on).
   */
  constructor(maxSlots_: number, reports_ = true) {
    this.maxSlots_ = maxSlots_;
    this.reports_ = reports_;
  }

  /** A fresh slot at the end of the opening order, flags cleared, keyed by `id` unless it is negative. */
  alloc_(id = -1): number {
    var s: number;
    var free = this.freeSlots_;
    if (free.length > 0) s = free.pop() as number;
    else {
      if (this.used_ === this.cap_) this.grow_();
      s = this.used_++;
    }
    var tail = this.tail_;
    this.prev_[s] = tail + 1;
    this.next_[s] = 0;
    if (tail >= 0) this.next_[tail] = s + 1;
    else this.head = s;
    this.tail_ = s;
    this.count_++;
    if (id >= 0) {
      // bindId() written out for a fresh slot
      this.id_[s] = id;
      this.flags[s] = F_HAS_ID;
      var idx = this.index_;
      var mask = this.mask_;
      // The id index's hash, here and below: a multiply by an odd constant under 2^21, so the
      // product of a 32-bit id is exact in a double and >>> takes its low 32 bits; not
      // Math.imul, a C call (~700 qjs instructions) for every lookup
      var h = (id * 1980281 >>> 7) & mask;
      while (idx[h] !== 0) h = (h + 1) & mask;
      idx[h] = s + 1;
    } else this.flags[s] = 0;
    return s;
  }

  /** Unlinks and unbinds a slot; the caller has released its strings. */
  release(s: number): void {
    var f = this.flags[s];
    if (f & F_HAS_ID) this.unindex_(this.index_, s, false);
    if (f & F_TUPLE_INDEXED) {
      this.unindex_(this.tindex_, s, true);
      if (!(f & F_HAS_ID)) this.idless--;
    }
    this.flags[s] = 0;
    if (this.hadOdd_) {
      var ports = this.ports;
      var k = s * 3;
      if (ports[k] === 65535 || ports[k + 1] === 65535 || ports[k + 2] === 65535) this.odd_.delete(s); // (PORT_ODD)
    }
    // unlink_() written out (a call costs qjs ~400 instructions; every ended flow passes here)
    var p = this.prev_[s] - 1;
    var next = this.next_;
    var n = next[s] - 1;
    if (p >= 0) next[p] = n + 1;
    else this.head = n;
    if (n >= 0) this.prev_[n] = p + 1;
    else this.tail_ = p;
    this.count_--;
    this.freeSlots_.push(s);
    if (this.endSlot === s) this.endSlot = NO_SLOT;
    if (f & F_DNAT) this.dnat_.delete(s);
  }

  /** Moves a held slot to the end of the order (FlowTable: it was just reported). */
  toTail_(s: number): void {
    var tail = this.tail_;
    if (s === tail) return;
    this.unlink_(s);
    tail = this.tail_;
    this.prev_[s] = tail + 1;
    this.next_[s] = 0;
    this.next_[tail] = s + 1; // (s was not the tail, so one is left)
    this.tail_ = s;
  }

  /** Moves a held slot to the front of the order. */
  toHead_(s: number): void {
    var head = this.head;
    if (s === head) return;
    this.unlink_(s);
    head = this.head;
    this.prev_[s] = 0;
    this.next_[s] = head + 1;
    this.prev_[head] = s + 1;
    this.head = s;
  }

  private unlink_(s: number): void {
    var p = this.prev_[s] - 1;
    var n = this.next_[s] - 1;
    if (p >= 0) this.next_[p] = n + 1;
    else this.head = n;
    if (n >= 0) this.prev_[n] = p + 1;
    else this.tail_ = p;
  }

  /** The DNAT reply host's handle of a slot, -1 when none. */
  dnatHost(s: number): number {
    if (!(this.flags[s] & F_DNAT)) return -1;
    const v = this.dnat_.get(s);
    return v === undefined ? -1 : Math.floor(v / 65537);
  }

  /** Sets a slot's three ports (as `ports` says), keeping what 16 bits cannot hold aside. */
  setPorts_(s: number, a: number, b: number, c: number): void {
    var k = s * 3;
    var ports = this.ports;
    // as an Int32 column kept them (garbled ones too); >>> 16: a negative value has high bits
    a |= 0;
    b |= 0;
    c |= 0;
    ports[k] = a >>> 16 === 0 ? a : PORT_ODD;
    ports[k + 1] = b >>> 16 === 0 ? b : PORT_ODD;
    ports[k + 2] = c >>> 16 === 0 ? c : PORT_ODD;
    // (release() drops a slot's entry: a fresh slot has none)
    if ((a | b | c) >>> 16 !== 0) {
      this.odd_.set(s, [a, b, c]);
      this.hadOdd_ = true;
    }
  }

  /** A slot's port `k` (0: sport or icmp id, 1: dport or icmp type<<8|code, 2: nat port). */
  port_(s: number, k: number): number {
    var v = this.ports[s * 3 + k];
    if (v !== PORT_ODD) return v;
    var odd = this.odd_.get(s);
    return odd === undefined ? v : odd[k];
  }

  /** A slot's zone (0 until some flow had another). */
  zoneOf_(s: number): number {
    return this.zoned_ ? this.zone_[s] : 0;
  }

  /** Sets a slot's zone (allocating the column for the first other than 0). */
  setZone_(s: number, z: number): void {
    if (!this.zoned_) {
      if (z === 0) return;
      this.zoned_ = true;
      this.zone_ = new Uint16Array(this.cap_);
    }
    this.zone_[s] = z;
  }

  /** Allocates `seen` for table reads. */
  needSeen_(): void {
    if (this.seenOn_) return;
    this.seenOn_ = true;
    this.seen_ = new Uint16Array(this.cap_);
  }

  /** (a flag, not seen.length: the store may have no slots yet) */
  private seenOn_ = false;

  /** Sets a slot's mark (allocating the column on first use). */
  setMark(s: number, m: number): void {
    if (this.mark_.length === 0) this.mark_ = new Uint32Array(this.cap_);
    this.mark_[s] = m;
  }

  /** Sets a slot's counters (allocating the column on first use). */
  setCounts(s: number, origBytes: number, origPkts: number, replyBytes: number, replyPkts: number): void {
    if (!this.counted_) {
      this.counted_ = true;
      this.counts = new Float64Array(this.cap_ * 4).fill(-1);
    }
    const c = s * 4;
    const counts = this.counts;
    counts[c] = origBytes;
    counts[c + 1] = origPkts;
    counts[c + 2] = replyBytes;
    counts[c + 3] = replyPkts;
  }

  findId(id: number): number {
    var mask = this.mask_;
    if (mask === 0) return NO_SLOT;
    var idx = this.index_;
    var ids = this.id_;
    // hash() written out: a call costs qjs ~400 instructions
    for (var h = (id * 1980281 >>> 7) & mask, v = 0; ; h = (h + 1) & mask) {
      v = idx[h];
      if (v === 0) return NO_SLOT;
      if (ids[v - 1] === id) return v - 1;
    }
  }

  /**
   * The first indexed flow with this original tuple (`src`/`dst` pool handles; `a`/`b` the
   * ports, or icmp id and type<<8|code), or only one without an id when `idless`.
   */
  findTuple(proto: number, src: number, dst: number, a: number, b: number, zone: number, idless: boolean): number {
    const idx = this.tindex_;
    if (idx.length === 0) return NO_SLOT;
    for (let h = tupleHash(proto, src, dst, a, b, zone) & this.mask_; ; h = (h + 1) & this.mask_) {
      const v = idx[h];
      if (v === 0) return NO_SLOT;
      const s = v - 1;
      if (this.strs[s * 4] === src && this.strs[s * 4 + 1] === dst && this.port_(s, 0) === a &&
        this.port_(s, 1) === b && this.proto[s] === proto && this.zoneOf_(s) === zone && !(idless && this.flags[s] & F_HAS_ID)) return s;
    }
  }

  /** Indexes a slot by its original tuple, once its addresses, ports, proto and zone are set. */
  indexTuple(s: number): void {
    const f = this.flags[s] | F_TUPLE_INDEXED;
    this.flags[s] = f;
    if (!(f & F_HAS_ID)) this.idless++;
    let idx = this.tindex_;
    const mask = this.mask_;
    if (idx.length === 0) idx = this.tindex_ = this.maxSlots_ < 65534 ? new Uint16Array(mask + 1) : new Int32Array(mask + 1);
    let h = this.slotHash_(s) & mask;
    while (idx[h] !== 0) h = (h + 1) & mask;
    idx[h] = s + 1;
  }

  /** Keys a slot by conntrack id. */
  bindId(s: number, id: number): void {
    var f = this.flags[s];
    if ((f & (F_TUPLE_INDEXED | F_HAS_ID)) === F_TUPLE_INDEXED) this.idless--;
    this.id_[s] = id;
    this.flags[s] = f | F_HAS_ID;
    // insert_(hash(id)) written out (one call instead of three)
    var idx = this.index_;
    var mask = this.mask_;
    var h = (id * 1980281 >>> 7) & mask;
    while (idx[h] !== 0) h = (h + 1) & mask;
    idx[h] = s + 1;
  }

  /** Removes a slot from an index, shifting later entries of its probe run back. */
  private unindex_(idx: Int32Array | Uint16Array, s: number, tuple: boolean): void {
    var mask = this.mask_;
    var ids = this.id_;
    var h = (tuple ? this.slotHash_(s) : ids[s] * 1980281 >>> 7) & mask;
    while (idx[h] !== s + 1) h = (h + 1) & mask;
    idx[h] = 0;
    for (var j = (h + 1) & mask, o = 0, k = 0, stays = false; idx[j] !== 0; j = (j + 1) & mask) {
      o = idx[j] - 1;
      k = (tuple ? this.slotHash_(o) : ids[o] * 1980281 >>> 7) & mask;
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
  private slotHash_(s: number): number {
    const strs = this.strs;
    return tupleHash(this.proto[s], strs[s * 4], strs[s * 4 + 1], this.port_(s, 0), this.port_(s, 1), this.zoneOf_(s));
  }

  private grow_(): void {
    // small steps once large: the columns are memset when allocated (qjs), so a 1.5x step past
    // 20k flows would hold ~1 MB of never-used slots
    const cap = Math.min(this.maxSlots_ + 1, Math.max(256, Math.ceil(this.cap_ * (this.cap_ < 4096 ? 1.5 : 1.125))));
    if (cap <= this.cap_) throw new Error(`flow store full at ${this.cap_} slots`);
    // a column of the same type, n entries a slot, holding what the old one held
    const g = <T extends Column>(a: T, n = 1): T => {
      const b = new (a.constructor as new (k: number) => T)(cap * n);
      if (n === 4 && a === this.counts) b.fill(-1);
      b.set(a as ArrayLike<number> & Column);
      return b;
    };
    this.start = g(this.start);
    if (this.reports_) this.lastReport = g(this.lastReport);
    if (this.counted_) this.counts = g(this.counts, 4);
    if (this.mark_.length > 0) this.mark_ = g(this.mark_);
    this.id_ = g(this.id_);
    this.ports = g(this.ports, 3);
    this.strs = g(this.strs, 4);
    if (this.zoned_) this.zone_ = g(this.zone_);
    this.proto = g(this.proto);
    this.flags = g(this.flags);
    if (this.seenOn_) this.seen_ = g(this.seen_);
    if (this.prev_.length === 0 && this.maxSlots_ < 65535) {
      this.prev_ = new Uint16Array(0);
      this.next_ = new Uint16Array(0);
    }
    this.prev_ = g(this.prev_);
    this.next_ = g(this.next_);
    this.cap_ = cap;
    // the indexes stay at most 2/3 full (linear probing: ~2 probes a hit); 2 bytes an entry
    // while slot numbers fit: 64 kB each for 20k flows
    let size = 1024;
    while (size < cap * 1.5) size *= 2;
    if (size - 1 !== this.mask_) {
      const small = this.maxSlots_ < 65534;
      this.index_ = small ? new Uint16Array(size) : new Int32Array(size);
      if (this.tindex_.length > 0) this.tindex_ = small ? new Uint16Array(size) : new Int32Array(size);
      this.mask_ = size - 1;
      // every held flow again, probing written out (once per doubling, for every flow)
      var ids = this.index_;
      var tuples = this.tindex_;
      var mask = size - 1;
      var flags = this.flags;
      var next = this.next_;
      for (var s = this.head, f = 0, h = 0; s >= 0; s = next[s] - 1) {
        f = flags[s];
        if (f & F_HAS_ID) {
          h = (this.id_[s] * 1980281 >>> 7) & mask;
          while (ids[h] !== 0) h = (h + 1) & mask;
          ids[h] = s + 1;
        }
        if (f & F_TUPLE_INDEXED) {
          h = this.slotHash_(s) & mask;
          while (tuples[h] !== 0) h = (h + 1) & mask;
          tuples[h] = s + 1;
        }
      }
    }
  }
}

/** Proto, zone and the four tuple numbers mixed (multiply-xorshift; the index takes the low bits). */
function tupleHash(proto: number, src: number, dst: number, a: number, b: number, zone: number): number {
  const h = Math.imul(((a << 16) ^ b) + Math.imul((src << 16) ^ dst ^ (proto << 8) ^ (zone << 24), 0x85ebca6b), 0x9e3779b1);
  return h ^ (h >>> 15);
}

type Column = Float64Array | Uint32Array | Int32Array | Uint16Array | Uint8Array;
