// The DNS-to-flow join: which name a LAN client asked for before it connected to an address.
// docs/join.md explains the window (ttlSec), the measurements behind its default and what is
// deliberately left unknown.
//
// "Same client" means the same device: answers are keyed by the client's MAC when the event
// carries one (Devices.enrich runs first) and by its address otherwise. A dual-stack device
// commonly asks over IPv4 and connects over IPv6 (measured in the lab: curl did exactly that),
// which an address key would call `direct`.
//
// Layout, for memory (50k answers in ~0.95 MB under qjs, plus ~11 B and the first label of each
// distinct qname, its suffix shared) and a cheap lookup: clients get small integer ids (a Map.get);
// (client id, address read to numbers through a memo, join-address.ts) → slot in typed arrays
// (join-table.ts); qnames as text in shared chunks (join-names.ts), one per event. Answer times
// are whole seconds (dnsmasq logs no finer), so an event's fractional ts is floored.
import type { Counters } from '../counters';
import type { DnsEvent, FlowEvent } from '../events';
import { AddressKeys } from './join-address';
import { AnswerTable } from './join-table';
import { FREE } from './join-names';

export type FlowOrigin = 'lan' | 'router' | 'inbound' | 'transit' | 'local';

export interface AnswerJoinDeps {
  counters: Counters;
  /** how long after its answer an address stays joinable, seconds; default 3600 (docs/join.md) */
  ttlSec?: number;
  /** answers logged up to this much after the flow's start still count (clock/log skew); default 2 */
  skewSec?: number;
  /**
   * `direct: true` is claimed only once the join has watched DNS for this long: before that a
   * client may use an answer it cached before we started. Default = ttlSec; replay may set 0.
   */
  warmupSec?: number;
  /** entries are kept this long past ttlSec so flows annotated late still find them; default 600 */
  holdSec?: number;
  /** default 10000 */
  maxPerClient?: number;
  /** default 50000 */
  maxTotal?: number;
}


const NONE = -1;

export class AnswerJoin {
  /** client MAC or address → client id (an index into the table's per-client arrays) */
  private readonly clientIds_ = new Map<string, number>();
  /** clientIds_'s size, as a field: annotate() reads it per LAN flow (the getter is a call) */
  private clients_ = 0;
  private readonly freeIds_: number[] = [];
  /** per client id: newest last-seen ts among its entries evicted by a cap (not by age) */
  private readonly evictedTs_: number[] = [];
  private readonly table_: AnswerTable;
  private readonly keys_ = new AddressKeys();
  private total_ = 0;
  private coverageStart_ = -1;
  /** entries last seen before this were dropped by expire(): older flows cannot be judged */
  private expiredBefore_ = -Infinity;
  private victim_ = NONE;
  private capEvictions_ = 0;
  private readonly ttl_: number;
  private readonly skew_: number;
  private readonly warmup_: number;
  private readonly hold_: number;
  private readonly maxPerClient_: number;
  private readonly maxTotal_: number;

  private readonly deps_: AnswerJoinDeps;

  constructor(deps_: AnswerJoinDeps) {
    this.deps_ = deps_;
    this.ttl_ = deps_.ttlSec ?? 3600;
    this.skew_ = deps_.skewSec ?? 2;
    this.warmup_ = deps_.warmupSec ?? this.ttl_;
    this.hold_ = deps_.holdSec ?? 600;
    this.maxPerClient_ = deps_.maxPerClient ?? 10000;
    this.maxTotal_ = deps_.maxTotal ?? 50000;
    this.table_ = new AnswerTable(this.maxTotal_ + 1);
  }

  /** Remembers every A/AAAA address of a dns answer as (client, address) → (qname, ts). */
  learn(ev: DnsEvent): void {
    const answers = ev.answers;
    if (ev.client === undefined || answers.length === 0 || ev.blocked === true) return;
    if (this.coverageStart_ < 0) this.coverageStart_ = ev.ts;
    // answer times are kept in whole seconds (dnsmasq logs no finer)
    const at = ev.ts;
    const ts = at >= 0 ? (at < 4294967296 ? at >>> 0 : 4294967295) : 0;
    const qname = ev.qname;
    const t = this.table_;
    const keys = this.keys_;
    const w = keys.w_; // the words of an IPv6 answer, after read()
    let c = NONE;
    let evicted = false;
    let id = 0; // the name id this event's answers share, once one holds it
    for (let i = 0; i < answers.length; i++) {
      const a = answers[i];
      const type = a.type;
      const data = a.data;
      if ((type !== 'A' && type !== 'AAAA') || data === null) continue;
      // keyed by the address's value, so any spelling of an IPv6 address finds the same entry
      const v4 = keys.read_(data); // -2: IPv6
      if (v4 === -1) {
        this.deps_.counters.drop('join_bad_address', 1, data);
        continue;
      }
      if (v4 === 0 || (v4 === -2 && (w[0] | w[1] | w[2] | w[3]) === 0)) continue; // sinkhole answers lead nowhere
      if (c === NONE) c = this.clientOf_(ev.mac ?? ev.client);
      const s = v4 >= 0 ? t.find4_(c, v4) : t.find6_(c, w);
      if (s !== 0) {
        // refresh: move to the back of the client's order; keep first-seen while the name is the same
        const held = t.nm_[s];
        if (t.names_.get(held) === qname) {
          const t0 = t.first_(s);
          const t1 = t.last_(s);
          if (ts > t1) t.seen_(s, t0, ts);
          else if (ts < t0) t.seen_(s, ts, t1);
          if (id === 0) id = held; // the event's other answers share the string held already
        } else {
          // an id is only freed with its last slot, and only this event allocates: a live id
          // still names qname (a free one has len FREE, id 0 too)
          if (id === 0 || (evicted && t.names_.len_[id] === FREE)) id = t.names_.add(qname);
          t.setName_(s, id);
          t.seen_(s, ts, ts);
        }
        t.touch_(s);
        continue;
      }
      if (t.count_[c] >= this.maxPerClient_) {
        this.evictOldest_(c);
        this.deps_.counters.drop('join_client_cap', 1, data);
        evicted = true;
      } else if (this.total_ >= this.maxTotal_) {
        this.evictOldest_(this.biggestClient_());
        this.deps_.counters.drop('join_total_cap', 1, data);
        evicted = true;
      }
      // only an eviction can have freed the event's id (see above)
      if (id === 0 || (evicted && t.names_.len_[id] === FREE)) id = t.names_.add(qname);
      // w still holds the address's words: eviction does not read addresses
      if (v4 >= 0) t.add4_(c, v4, id, ts);
      else t.add6_(c, w, id, ts);
      this.total_++;
    }
  }

  /**
   * Sets `name` (the qname this client asked that resolved to resp_h) or `direct: true` on a
   * LAN-originated flow, judged at the flow's start `ts`. Leaves both absent when it cannot know:
   * the only answer came after the flow started, an answer may have been evicted by a cap, or the
   * join has not watched DNS long enough (warmup). Other origins are left untouched.
   * `resp4`: resp_h as an IPv4 value when the caller has it already (saves reading the text).
   */
  annotate(flow: FlowEvent, origin: FlowOrigin | string, resp4 = -1): void {
    if (origin !== 'lan') return;
    // var: qjs checks every read of a let/const local for its dead zone (once per LAN flow here)
    var cn = this.deps_.counters;
    var ts = flow.ts;
    var c: number | undefined;
    // no client known (nothing learned yet, or all expired): no Map lookups
    if (this.clients_ !== 0) {
      c = flow.mac !== undefined ? this.clientIds_.get(flow.mac) : undefined;
      if (c === undefined) c = this.clientIds_.get(flow.orig_h);
    }
    if (c !== undefined) {
      var t = this.table_;
      var s = 0;
      // a client holding no answer (all evicted or expired) has nothing to find: no address read
      if (t.count_[c] !== 0) {
        var v4 = resp4 >= 0 ? resp4 : this.keys_.read_(flow.resp_h);
        if (v4 >= 0) s = t.find4_(c, v4);
        else if (v4 === -2) s = t.find6_(c, this.keys_.w_);
      }
      if (s !== 0) {
        // last_() and first_(), written out: a call costs ~400 instructions
        var t1 = t.t1_[s];
        t1 = t1 !== 65535 ? t.base_ + t1 : t.last_(s);
        var d = t.d0_[s];
        if ((d !== 65535 ? t1 - d : t.first_(s)) > ts + this.skew_) {
          cn.inc('join_answer_after_flow');
          return;
        }
        if (t1 >= ts - this.ttl_) {
          flow.name = t.names_.get(t.nm_[s]);
          cn.inc('join_named');
          return;
        }
      }
      if (this.evictedTs_[c] >= ts - this.ttl_) {
        cn.inc('join_unknown_evicted');
        return;
      }
    }
    if (ts - this.ttl_ < this.expiredBefore_) {
      // a long-lived flow annotated late: its answer may have been expired already
      cn.inc('join_unknown_expired');
      return;
    }
    if (this.coverageStart_ < 0 || ts - this.coverageStart_ < this.warmup_) {
      cn.inc('join_unknown_warmup');
      return;
    }
    flow.direct = true;
    cn.inc('join_direct');
  }

  /** Joinable entries held. */
  size(): number {
    return this.total_;
  }

  /** Drops entries no flow can join any more: last seen before now - ttl - hold. */
  expire(nowSec: number): void {
    const cutoff = nowSec - this.ttl_ - this.hold_;
    if (cutoff > this.expiredBefore_) this.expiredBefore_ = cutoff;
    const t = this.table_;
    for (const [client, c] of this.clientIds_) {
      // each client's slots are in refresh order, so the first young entry ends the walk
      for (let s = t.head_[c]; s !== 0 && t.last_(s) < cutoff; s = t.head_[c]) this.release_(s);
      if (t.count_[c] === 0 && this.evictedTs_[c] < nowSec - this.ttl_) {
        this.clientIds_.delete(client);
        this.clients_--;
        this.freeIds_.push(c);
        if (this.victim_ === c) this.victim_ = NONE;
      }
    }
  }

  private clientOf_(client: string): number {
    let c = this.clientIds_.get(client);
    if (c === undefined) {
      c = this.freeIds_.pop() ?? this.evictedTs_.length;
      this.evictedTs_[c] = -Infinity;
      this.table_.resetClient_(c);
      this.clientIds_.set(client, c);
      this.clients_++;
    }
    return c;
  }

  private evictOldest_(c: number): void {
    const t = this.table_;
    const s = t.head_[c];
    if (s === 0) return;
    const t1 = t.last_(s);
    if (t1 > this.evictedTs_[c]) this.evictedTs_[c] = t1;
    this.release_(s);
  }

  /** The client holding most entries; recomputed every 64 cap evictions (a fair-share victim). */
  private biggestClient_(): number {
    const count = this.table_.count_;
    if (this.victim_ === NONE || count[this.victim_] === 0 || (this.capEvictions_++ & 63) === 0) {
      let best = NONE;
      for (const c of this.clientIds_.values()) if (best === NONE || count[c] > count[best]) best = c;
      this.victim_ = best;
    }
    return this.victim_;
  }

  private release_(s: number): void {
    this.table_.remove_(s);
    this.total_--;
  }
}
