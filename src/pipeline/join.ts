// The DNS-to-flow join: which name a LAN client asked for before it connected to an address.
// docs/join.md explains the window (ttlSec), the measurements behind its default and what is
// deliberately left unknown.
//
// "Same client" means the same device: answers are keyed by the client's MAC when the event
// carries one (Devices.enrich runs first) and by its address otherwise. A dual-stack device
// commonly asks over IPv4 and connects over IPv6 (measured in the lab: curl did exactly that),
// which an address key would call `direct`.
//
// Layout, for memory (50k answers in ~1.2 MB under qjs, plus their distinct qname strings) and a
// cheap lookup: clients get small integer ids (few devices, one Map.get); (client id, address
// parsed to words, join-address.ts) → slot in typed arrays (join-table.ts). No per-answer object
// or string is allocated; the qname string of the event is kept as it is, once per event.
import type { Counters } from '../counters';
import type { DnsEvent, FlowEvent } from '../events';
import { AddressKeys } from './join-address';
import { AnswerTable } from './join-table';

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
  private readonly clientIds = new Map<string, number>();
  private readonly freeIds: number[] = [];
  /** per client id: newest last-seen ts among its entries evicted by a cap (not by age) */
  private readonly evictedTs: number[] = [];
  private readonly table: AnswerTable;
  private readonly keys = new AddressKeys();
  private total = 0;
  private coverageStart = -1;
  /** entries last seen before this were dropped by expire(): older flows cannot be judged */
  private expiredBefore = -Infinity;
  private victim = NONE;
  private capEvictions = 0;
  private readonly ttl: number;
  private readonly skew: number;
  private readonly warmup: number;
  private readonly hold: number;
  private readonly maxPerClient: number;
  private readonly maxTotal: number;

  constructor(private readonly deps: AnswerJoinDeps) {
    this.ttl = deps.ttlSec ?? 3600;
    this.skew = deps.skewSec ?? 2;
    this.warmup = deps.warmupSec ?? this.ttl;
    this.hold = deps.holdSec ?? 600;
    this.maxPerClient = deps.maxPerClient ?? 10000;
    this.maxTotal = deps.maxTotal ?? 50000;
    this.table = new AnswerTable(this.maxTotal + 1);
  }

  /** Remembers every A/AAAA address of a dns answer as (client, address) → (qname, ts). */
  learn(ev: DnsEvent): void {
    const answers = ev.answers;
    if (ev.client === undefined || answers.length === 0 || ev.blocked === true) return;
    if (this.coverageStart < 0) this.coverageStart = ev.ts;
    // answer times are kept in whole seconds (dnsmasq logs no finer)
    const at = ev.ts;
    const ts = at >= 0 ? (at < 4294967296 ? at >>> 0 : 4294967295) : 0;
    const qname = ev.qname;
    const t = this.table;
    let c = NONE;
    let id = 0; // the name id this event's answers share, once one holds it
    for (let i = 0; i < answers.length; i++) {
      const a = answers[i];
      const type = a.type;
      const data = a.data;
      if ((type !== 'A' && type !== 'AAAA') || data === null) continue;
      // keyed by the address's value, so any spelling of an IPv6 address finds the same entry
      const v4 = this.keys.read(data); // -2: IPv6, words in w
      const w = this.keys.w;
      if (v4 === -1) {
        this.deps.counters.drop('join_bad_address', 1, data);
        continue;
      }
      if (v4 === 0 || (v4 === -2 && (w[0] | w[1] | w[2] | w[3]) === 0)) continue; // sinkhole answers lead nowhere
      if (c === NONE) c = this.clientOf(ev.mac ?? ev.client);
      const s = v4 >= 0 ? t.find4(c, v4) : t.find6(c, w);
      if (s !== 0) {
        // refresh: move to the back of the client's order; keep first-seen while the name is the same
        const held = t.nm[s];
        if (t.names.same(held, qname)) {
          if (ts > t.t1[s]) t.t1[s] = ts;
          if (ts < t.t0[s]) t.t0[s] = ts;
          if (id === 0) id = held; // the event's other answers share the string held already
        } else {
          // an id is only freed with its last slot, and only this event allocates: a live id
          // still names qname (a free one has len -1, id 0 too)
          if (t.names.len[id] < 0) id = t.names.add(qname);
          t.setName(s, id);
          t.t0[s] = ts;
          t.t1[s] = ts;
        }
        t.touch(s);
        continue;
      }
      if (t.count[c] >= this.maxPerClient) {
        this.evictOldest(c);
        this.deps.counters.drop('join_client_cap', 1, data);
      } else if (this.total >= this.maxTotal) {
        this.evictOldest(this.biggestClient());
        this.deps.counters.drop('join_total_cap', 1, data);
      }
      if (t.names.len[id] < 0) id = t.names.add(qname);
      // w still holds the address's words: eviction does not read addresses
      if (v4 >= 0) t.add4(c, v4, id, ts);
      else t.add6(c, w, id, ts);
      this.total++;
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
    const cn = this.deps.counters;
    const ts = flow.ts;
    let c = flow.mac !== undefined ? this.clientIds.get(flow.mac) : undefined;
    if (c === undefined) c = this.clientIds.get(flow.orig_h);
    if (c !== undefined) {
      const t = this.table;
      let s = 0;
      const v4 = resp4 >= 0 ? resp4 : this.keys.read(flow.resp_h);
      if (v4 >= 0) s = t.find4(c, v4);
      else if (v4 === -2) s = t.find6(c, this.keys.w);
      if (s !== 0) {
        if (t.t0[s] > ts + this.skew) {
          cn.inc('join_answer_after_flow');
          return;
        }
        if (t.t1[s] >= ts - this.ttl) {
          flow.name = t.names.get(t.nm[s]);
          cn.inc('join_named');
          return;
        }
      }
      if (this.evictedTs[c] >= ts - this.ttl) {
        cn.inc('join_unknown_evicted');
        return;
      }
    }
    if (ts - this.ttl < this.expiredBefore) {
      // a long-lived flow annotated late: its answer may have been expired already
      cn.inc('join_unknown_expired');
      return;
    }
    if (this.coverageStart < 0 || ts - this.coverageStart < this.warmup) {
      cn.inc('join_unknown_warmup');
      return;
    }
    flow.direct = true;
    cn.inc('join_direct');
  }

  /** Joinable entries held. */
  size(): number {
    return this.total;
  }

  /** Drops entries no flow can join any more: last seen before now - ttl - hold. */
  expire(nowSec: number): void {
    const cutoff = nowSec - this.ttl - this.hold;
    if (cutoff > this.expiredBefore) this.expiredBefore = cutoff;
    const t = this.table;
    for (const [client, c] of this.clientIds) {
      // each client's slots are in refresh order, so the first young entry ends the walk
      for (let s = t.head[c]; s !== 0 && t.t1[s] < cutoff; s = t.head[c]) this.release(s);
      if (t.count[c] === 0 && this.evictedTs[c] < nowSec - this.ttl) {
        this.clientIds.delete(client);
        this.freeIds.push(c);
        if (this.victim === c) this.victim = NONE;
      }
    }
  }

  private clientOf(client: string): number {
    let c = this.clientIds.get(client);
    if (c === undefined) {
      c = this.freeIds.pop() ?? this.evictedTs.length;
      this.evictedTs[c] = -Infinity;
      this.table.resetClient(c);
      this.clientIds.set(client, c);
    }
    return c;
  }

  private evictOldest(c: number): void {
    const t = this.table;
    const s = t.head[c];
    if (s === 0) return;
    if (t.t1[s] > this.evictedTs[c]) this.evictedTs[c] = t.t1[s];
    this.release(s);
  }

  /** The client holding most entries; recomputed every 64 cap evictions (a fair-share victim). */
  private biggestClient(): number {
    const count = this.table.count;
    if (this.victim === NONE || count[this.victim] === 0 || (this.capEvictions++ & 63) === 0) {
      let best = NONE;
      for (const c of this.clientIds.values()) if (best === NONE || count[c] > count[best]) best = c;
      this.victim = best;
    }
    return this.victim;
  }

  private release(s: number): void {
    this.table.remove(s);
    this.total--;
  }
}
