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

export interface AnswerJoin {
  /** Remembers every A/AAAA address of a dns answer as (client, address) → (qname, ts). */
  learn(ev: DnsEvent): void;
  /**
   * Sets `name` (the qname this client asked that resolved to resp_h) or `direct: true` on a
   * LAN-originated flow, judged at the flow's start `ts`. Leaves both absent when it cannot know:
   * the only answer came after the flow started, an answer may have been evicted by a cap, or the
   * join has not watched DNS long enough (warmup). Other origins are left untouched.
   * `resp4`: resp_h as an IPv4 value when the caller has it already (saves reading the text).
   */
  annotate(flow: FlowEvent, origin: FlowOrigin | string, resp4?: number): void;
  /** Joinable entries held. */
  size(): number;
  /** Drops entries no flow can join any more: last seen before now - ttl - hold. */
  expire(nowSec: number): void;
  /** (for the tests) */
  readonly table_: AnswerTable;
  readonly keys_: AddressKeys;
}

/**
 * `new AnswerJoin(deps)`: a constructor function returning its object, whose state is closure
 * locals (shorter than `this.x_` members, and cheaper to read in qjs). `var`: learn and annotate
 * run per answer and per LAN flow, and qjs checks let/const for their dead zone on every read.
 */
export const AnswerJoin = function ({ counters: cn, ttlSec: ttl = 3600, skewSec: skew = 2, warmupSec: warmup = ttl, holdSec: hold = 600, maxPerClient = 10000, maxTotal = 50000 }: AnswerJoinDeps): AnswerJoin {
  /** client MAC or address → client id (an index into the table's per-client arrays) */
  var clientIds = new Map<string, number>();
  /** clientIds's size, kept: annotate() reads it per LAN flow (the getter is a call) */
  var clients = 0;
  var freeIds: number[] = [];
  /** per client id: newest last-seen ts among its entries evicted by a cap (not by age) */
  var evictedTs: number[] = [];
  var t = new AnswerTable(maxTotal + 1);
  var keys = new AddressKeys();
  var total = 0;
  var coverageStart = -1;
  /** entries last seen before this were dropped by expire(): older flows cannot be judged */
  var expiredBefore = -Infinity;
  var victim = NONE;
  var capEvictions = 0;

  function release(s: number): void {
    t.remove_(s);
    total--;
  }

  function evictOldest(c: number): void {
    var s = t.head_[c];
    if (s === 0) return;
    var t1 = t.last_(s);
    if (t1 > evictedTs[c]) evictedTs[c] = t1;
    release(s);
  }

  return {
    table_: t,
    keys_: keys,

    learn(ev) {
      var answers = ev.answers;
      if (ev.client === undefined || answers.length === 0 || ev.blocked === true) return;
      if (coverageStart < 0) coverageStart = ev.ts;
      // answer times are kept in whole seconds (dnsmasq logs no finer)
      var at = ev.ts;
      var ts = at >= 0 ? (at < 4294967296 ? at >>> 0 : 4294967295) : 0;
      var qname = ev.qname;
      var names = t.names_;
      var w = keys.w_; // the words of an IPv6 answer, after read()
      var c = NONE;
      var evicted = false;
      var id = 0; // the name id this event's answers share, once one holds it
      for (var i = 0; i < answers.length; i++) {
        var a = answers[i];
        var type = a.type;
        var data = a.data;
        if ((type !== 'A' && type !== 'AAAA') || data === null) continue;
        // keyed by the address's value, so any spelling of an IPv6 address finds the same entry
        var v4 = keys.read_(data); // -2: IPv6
        if (v4 === -1) {
          cn.drop('join_bad_address', 1, data);
          continue;
        }
        if (v4 === 0 || (v4 === -2 && (w[0] | w[1] | w[2] | w[3]) === 0)) continue; // sinkhole answers lead nowhere
        if (c === NONE) {
          // the client's id, made on first sight
          var client = ev.mac ?? ev.client;
          var known = clientIds.get(client);
          if (known === undefined) {
            known = freeIds.pop() ?? evictedTs.length;
            evictedTs[known] = -Infinity;
            t.resetClient_(known);
            clientIds.set(client, known);
            clients++;
          }
          c = known;
        }
        var s = v4 >= 0 ? t.find4_(c, v4) : t.find6_(c, w);
        if (s !== 0) {
          // refresh: move to the back of the client's order; keep first-seen while the name is the same
          var held = t.nm_[s];
          if (names.get(held) === qname) {
            var t0 = t.first_(s);
            var t1 = t.last_(s);
            if (ts > t1) t.seen_(s, t0, ts);
            else if (ts < t0) t.seen_(s, ts, t1);
            if (id === 0) id = held; // the event's other answers share the string held already
          } else {
            // an id is only freed with its last slot, and only this event allocates: a live id
            // still names qname (a free one has len FREE, id 0 too)
            if (id === 0 || (evicted && names.len_[id] === FREE)) id = names.add(qname);
            t.setName_(s, id);
            t.seen_(s, ts, ts);
          }
          t.touch_(s);
          continue;
        }
        if (t.count_[c] >= maxPerClient) {
          evictOldest(c);
          cn.drop('join_client_cap', 1, data);
          evicted = true;
        } else if (total >= maxTotal) {
          // the client holding most entries; recomputed every 64 cap evictions (a fair-share victim)
          var count = t.count_;
          if (victim === NONE || count[victim] === 0 || (capEvictions++ & 63) === 0) {
            victim = NONE;
            for (var k of clientIds.values()) if (victim === NONE || count[k] > count[victim]) victim = k;
          }
          evictOldest(victim);
          cn.drop('join_total_cap', 1, data);
          evicted = true;
        }
        // only an eviction can have freed the event's id (see above)
        if (id === 0 || (evicted && names.len_[id] === FREE)) id = names.add(qname);
        // w still holds the address's words: eviction does not read addresses
        if (v4 >= 0) t.add4_(c, v4, id, ts);
        else t.add6_(c, w, id, ts);
        total++;
      }
    },

    annotate(flow, origin, resp4 = -1) {
      if (origin !== 'lan') return;
      var ts = flow.ts;
      var c: number | undefined;
      // no client known (nothing learned yet, or all expired): no Map lookups
      if (clients !== 0) {
        c = flow.mac !== undefined ? clientIds.get(flow.mac) : undefined;
        if (c === undefined) c = clientIds.get(flow.orig_h);
      }
      if (c !== undefined) {
        var s = 0;
        // a client holding no answer (all evicted or expired) has nothing to find: no address read
        if (t.count_[c] !== 0) {
          var v4 = resp4 >= 0 ? resp4 : keys.read_(flow.resp_h);
          if (v4 >= 0) s = t.find4_(c, v4);
          else if (v4 === -2) s = t.find6_(c, keys.w_);
        }
        if (s !== 0) {
          // last_() and first_(), written out: a call costs ~400 instructions
          var t1 = t.t1_[s];
          t1 = t1 !== 65535 ? t.base_ + t1 : t.last_(s);
          var d = t.d0_[s];
          if ((d !== 65535 ? t1 - d : t.first_(s)) > ts + skew) return cn.inc('join_answer_after_flow');
          if (t1 >= ts - ttl) {
            flow.name = t.names_.get(t.nm_[s]);
            return cn.inc('join_named');
          }
        }
        if (evictedTs[c] >= ts - ttl) return cn.inc('join_unknown_evicted');
      }
      // a long-lived flow annotated late: its answer may have been expired already
      if (ts - ttl < expiredBefore) return cn.inc('join_unknown_expired');
      if (coverageStart < 0 || ts - coverageStart < warmup) return cn.inc('join_unknown_warmup');
      flow.direct = true;
      cn.inc('join_direct');
    },

    size: () => total,

    expire(nowSec) {
      const cutoff = nowSec - ttl - hold;
      if (cutoff > expiredBefore) expiredBefore = cutoff;
      for (const [client, c] of clientIds) {
        // each client's slots are in refresh order, so the first young entry ends the walk
        for (let s = t.head_[c]; s !== 0 && t.last_(s) < cutoff; s = t.head_[c]) release(s);
        if (t.count_[c] === 0 && evictedTs[c] < nowSec - ttl) {
          clientIds.delete(client);
          clients--;
          freeIds.push(c);
          if (victim === c) victim = NONE;
        }
      }
    },
  };
} as unknown as new (deps: AnswerJoinDeps) => AnswerJoin;
