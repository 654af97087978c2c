// The Map-based AnswerJoin as it was before the typed-array table (commit 9626b54), kept only as
// the reference model of the differential fuzz in join.cases.ts: the same events through both
// must give the same names, direct claims, counters and sizes.
import type { Counters } from '../../src/counters';
import type { DnsEvent, FlowEvent } from '../../src/events';
import { normalizeIp } from '../../src/pipeline/cidr';

type FlowOrigin = 'lan' | 'router' | 'inbound' | 'transit' | 'local';

interface AnswerJoinDeps {
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

interface ClientAnswers {
  /**
   * address text → slot. Text, not a parsed number: a Map.get on the string costs ~450 ns in
   * qjs, parsing an IPv4 address to a number ~1600 ns; the number would save ~40 B per entry
   * (docs/join.md, measurements).
   */
  m: Map<string, number>;
  /** newest last-seen ts among this client's entries evicted by a cap (not by age) */
  evictedTs: number;
}

export class ReferenceJoin {
  private readonly clients = new Map<string, ClientAnswers>();
  private qn: (string | undefined)[] = [];
  private t0 = new Float64Array(1024);
  private t1 = new Float64Array(1024);
  private readonly free: number[] = [];
  private used = 0; // slots handed out so far (high-water mark)
  private total = 0;
  private coverageStart = -1;
  /** entries last seen before this were dropped by expire(): older flows cannot be judged */
  private expiredBefore = -Infinity;
  private victim: ClientAnswers | undefined;
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
  }

  /** Remembers every A/AAAA address of a dns answer as (client, address) → (qname, ts). */
  learn(ev: DnsEvent): void {
    const answers = ev.answers;
    if (ev.client === undefined || answers.length === 0 || ev.blocked === true) return;
    if (this.coverageStart < 0) this.coverageStart = ev.ts;
    let ca: ClientAnswers | undefined;
    for (let i = 0; i < answers.length; i++) {
      const a = answers[i];
      const type = a.type;
      if ((type !== 'A' && type !== 'AAAA') || a.data === null) continue;
      // dnsmasq prints addresses with inet_ntop, as conntrack does: only AAAA text is re-spelled,
      // in case a source does not
      const addr = type === 'A' ? a.data : normalizeIp(a.data);
      if (addr === undefined) {
        this.deps.counters.drop('join_bad_address', 1, a.data);
        continue;
      }
      if (addr === '0.0.0.0' || addr === '::') continue; // sinkhole answers lead nowhere
      if (ca === undefined) ca = this.clientOf(ev.mac ?? ev.client);
      this.put(ca, addr, ev.qname, Math.floor(ev.ts)); // answer times are whole seconds (join-table.ts)
    }
  }

  /**
   * Sets `name` (the qname this client asked that resolved to resp_h) or `direct: true` on a
   * LAN-originated flow, judged at the flow's start `ts`. Leaves both absent when it cannot know:
   * the only answer came after the flow started, an answer may have been evicted by a cap, or the
   * join has not watched DNS long enough (warmup). Other origins are left untouched.
   */
  annotate(flow: FlowEvent, origin: FlowOrigin | string): void {
    if (origin !== 'lan') return;
    const c = this.deps.counters;
    const ts = flow.ts;
    let ca = flow.mac !== undefined ? this.clients.get(flow.mac) : undefined;
    if (ca === undefined) ca = this.clients.get(flow.orig_h);
    if (ca !== undefined) {
      const resp = flow.resp_h;
      let slot = ca.m.get(resp);
      if (slot === undefined && resp.indexOf(':') >= 0) {
        const n = normalizeIp(resp);
        if (n !== undefined && n !== resp) slot = ca.m.get(n);
      }
      if (slot !== undefined) {
        if (this.t0[slot] > ts + this.skew) {
          c.inc('join_answer_after_flow');
          return;
        }
        if (this.t1[slot] >= ts - this.ttl) {
          flow.name = this.qn[slot];
          c.inc('join_named');
          return;
        }
      }
      if (ca.evictedTs >= ts - this.ttl) {
        c.inc('join_unknown_evicted');
        return;
      }
    }
    if (ts - this.ttl < this.expiredBefore) {
      // a long-lived flow annotated late: its answer may have been expired already
      c.inc('join_unknown_expired');
      return;
    }
    if (this.coverageStart < 0 || ts - this.coverageStart < this.warmup) {
      c.inc('join_unknown_warmup');
      return;
    }
    flow.direct = true;
    c.inc('join_direct');
  }

  /** Joinable entries held. */
  size(): number {
    return this.total;
  }

  /** Drops entries no flow can join any more: last seen before now - ttl - hold. */
  expire(nowSec: number): void {
    const cutoff = nowSec - this.ttl - this.hold;
    if (cutoff > this.expiredBefore) this.expiredBefore = cutoff;
    for (const [client, ca] of this.clients) {
      for (const [addr, slot] of ca.m) {
        // each inner map is in refresh order, so the first young entry ends the walk
        if (this.t1[slot] >= cutoff) break;
        ca.m.delete(addr);
        this.release(slot);
      }
      if (ca.m.size === 0 && ca.evictedTs < nowSec - this.ttl) {
        this.clients.delete(client);
        if (this.victim === ca) this.victim = undefined;
      }
    }
  }

  private clientOf(client: string): ClientAnswers {
    let ca = this.clients.get(client);
    if (ca === undefined) {
      ca = { m: new Map(), evictedTs: -Infinity };
      this.clients.set(client, ca);
    }
    return ca;
  }

  private put(ca: ClientAnswers, addr: string, qname: string, ts: number): void {
    const m = ca.m;
    const old = m.get(addr);
    if (old !== undefined) {
      // refresh: move to the back of the client's order; keep first-seen while the name is the same
      if (this.qn[old] === qname) {
        if (ts > this.t1[old]) this.t1[old] = ts;
        if (ts < this.t0[old]) this.t0[old] = ts;
      } else {
        this.qn[old] = qname;
        this.t0[old] = ts;
        this.t1[old] = ts;
      }
      m.delete(addr);
      m.set(addr, old);
      return;
    }
    if (m.size >= this.maxPerClient) {
      this.evictOldest(ca);
      this.deps.counters.drop('join_client_cap', 1, addr);
    } else if (this.total >= this.maxTotal) {
      this.evictOldest(this.biggestClient());
      this.deps.counters.drop('join_total_cap', 1, addr);
    }
    const slot = this.alloc();
    this.qn[slot] = qname;
    this.t0[slot] = ts;
    this.t1[slot] = ts;
    m.set(addr, slot);
    this.total++;
  }

  private evictOldest(ca: ClientAnswers): void {
    for (const [addr, slot] of ca.m) {
      if (this.t1[slot] > ca.evictedTs) ca.evictedTs = this.t1[slot];
      ca.m.delete(addr);
      this.release(slot);
      return;
    }
  }

  /** The client holding most entries; recomputed every 64 cap evictions (a fair-share victim). */
  private biggestClient(): ClientAnswers {
    if (this.victim === undefined || this.victim.m.size === 0 || (this.capEvictions++ & 63) === 0) {
      let best: ClientAnswers | undefined;
      for (const ca of this.clients.values()) if (best === undefined || ca.m.size > best.m.size) best = ca;
      this.victim = best;
    }
    return this.victim!;
  }

  private alloc(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    const slot = this.used++;
    if (slot >= this.t0.length) {
      const n = Math.min(this.t0.length * 2, Math.max(this.maxTotal + 1, this.t0.length + 1));
      const a = new Float64Array(n);
      a.set(this.t0);
      this.t0 = a;
      const b = new Float64Array(n);
      b.set(this.t1);
      this.t1 = b;
    }
    return slot;
  }

  private release(slot: number): void {
    this.qn[slot] = undefined; // let the qname string go
    this.free.push(slot);
    this.total--;
  }
}
