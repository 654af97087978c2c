// The flow table: turns conntrack records (events, or snapshots after a gap) into `flow`
// events — one when a flow ends, interim ones (final:false) for long-lived flows, and the
// still-open flows at the end of a replay.
//
// Memory: a router may hold 20k open flows, so a flow is a slot in typed-array columns plus
// handles into a shared string pool (addresses and states repeat a lot), not an object.
//
// Keys: the conntrack id when the record has one, else the original tuple (+proto, +zone).
// /proc/net/nf_conntrack prints no id, so flows adopted from a snapshot are keyed by tuple;
// an event with an id that misses falls back to the tuple, which is unique among live
// entries of a zone.
//
// Overflow (more than maxFlows open): the oldest flow is evicted and emitted as an interim
// record (final:false) so what we knew is not lost; counted as the drop `flows.evicted`. If its DESTROY
// comes later it is reported on its own (start from delta-time when the kernel stamps flows).

import type { Counters } from '../counters';
import type { FlowEvent } from '../events';
import { ABSENT, hasPorts, isIcmp, tupleKey, type CtRecord } from '../sources/conntrack/record';
import { NO_STRING, StringPool } from '../sources/conntrack/string-pool';

/** What the join/direction stages may need beyond the public record. */
export interface FlowContext {
  family: number;
  /**
   * The reply tuple's source: the host that really answers. Differs from resp_h under DNAT
   * (a port forward, DNS redirected to the router); direction.ts's FlowTuples.reply_h.
   */
  reply_h: string;
  /** The reply tuple's source port, for protocols with ports. */
  reply_p?: number;
  /** No reply was ever seen. */
  unreplied: boolean;
  /** Offloaded to the flow table (software or hardware): counters may lag. */
  offload: boolean;
}

export interface FlowTableDeps {
  counters: Counters;
  sensor: string;
  /** `ctx` is refilled for every event: read it during the call, do not keep it. */
  emit: (ev: FlowEvent, ctx: FlowContext) => void;
  /** Seconds between interim records of an open flow; 0 for none. Default 300. */
  interimSec?: number;
  /** Most flows held open at once. Default 16384. */
  maxFlows?: number;
}

const F_ASSURED = 1;
const F_UNREPLIED = 2;
const F_OFFLOAD = 4;
const F_START_KNOWN = 8;

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

export class FlowTable {
  private readonly counters: Counters;
  private readonly sensor: string;
  private readonly emitFn: (ev: FlowEvent, ctx: FlowContext) => void;
  private readonly interimSec: number;
  private readonly maxFlows: number;

  private readonly byKey = new Map<number | string, number>();
  private readonly ctx: FlowContext = { family: 0, reply_h: '', reply_p: undefined, unreplied: false, offload: false };
  private tupleKeyed = 0;
  private readonly pool = new StringPool();
  private readonly freeSlots: number[] = [];
  private used = 0;
  private cap = 0;
  /** Latest time seen in the records: the clock of a replay. */
  private lastTs = 0;

  // Columns, one entry per slot.
  private start = new Float64Array(0);
  private lastReport = new Float64Array(0);
  private id = new Float64Array(0);
  private mark = new Float64Array(0);
  private counts = new Float64Array(0); // 4 per slot: orig bytes, orig pkts, resp bytes, resp pkts
  private ports = new Int32Array(0); // 4 per slot: sport, dport, nat port, dnat port (icmp: id, type<<8|code)
  private zone = new Int32Array(0);
  private strs = new Int32Array(0); // 5 per slot: src, dst, nat host, dnat host, state
  private proto = new Int16Array(0);
  private family = new Uint8Array(0);
  private flags = new Uint8Array(0);

  constructor(deps: FlowTableDeps) {
    this.counters = deps.counters;
    this.sensor = deps.sensor;
    this.emitFn = deps.emit;
    this.interimSec = deps.interimSec ?? 300;
    this.maxFlows = Math.max(1, deps.maxFlows ?? 16384);
  }

  size(): number {
    return this.byKey.size;
  }

  /**
   * Whether a flow with this conntrack id is open here: the parser's `holds`, so UPDATEs of
   * known flows skip their tuples (`this.holds` is bound, pass it as is).
   */
  readonly holds = (id: number): boolean => this.byKey.has(id);

  push(rec: CtRecord): void {
    const ts = rec.ts >= 0 ? rec.ts : this.lastTs;
    if (ts > this.lastTs) this.lastTs = ts;
    if (rec.partial) {
      // an UPDATE read without tuples because we hold its id
      const held = this.byKey.get(rec.id);
      if (held !== undefined) this.refresh(held, rec);
      else this.counters.drop('flows.partial_unheld');
      return;
    }
    const key: number | string = rec.id >= 0 ? rec.id : tupleKey(rec);
    let slot = this.byKey.get(key);
    if (slot === undefined && rec.id >= 0 && this.tupleKeyed > 0) {
      // adopted from /proc (no id): find it by tuple and key it by id from now on
      const tk = tupleKey(rec);
      slot = this.byKey.get(tk);
      if (slot !== undefined) {
        this.byKey.delete(tk);
        this.tupleKeyed--;
        this.byKey.set(key, slot);
        this.id[slot] = rec.id;
      }
    }
    const kind = rec.kind;
    if (kind === 'DESTROY') {
      if (slot === undefined) {
        this.counters.inc('flows.destroy_unseen');
        this.emitRecord(rec, ts);
        return;
      }
      this.refresh(slot, rec);
      this.emitSlot(slot, ts, true);
      this.free(key, slot);
      return;
    }
    if (slot !== undefined) {
      if (kind === 'NEW') this.counters.inc('flows.duplicate_new');
      this.refresh(slot, rec);
      return;
    }
    if (kind === 'NEW') {
      this.adopt(key, rec, ts, true);
      return;
    }
    // UPDATE or SNAPSHOT of a flow whose NEW we did not see (we started later, or a gap)
    if (rec.deltaTime >= 0) this.adopt(key, rec, ts - rec.deltaTime, true);
    else this.adopt(key, rec, ts, false);
  }

  /**
   * After a gap in the events (conntrack restarted, ENOBUFS): flows we hold that the snapshot
   * lacks ended unseen — emitted with what we know and no end time (`flows.reconciled`);
   * flows in the snapshot we do not hold are adopted (`flows.adopted`); the rest refreshed.
   */
  reconcile(snapshot: CtRecord[], nowSec: number): void {
    if (nowSec > this.lastTs) this.lastTs = nowSec;
    const live = new Map<string, CtRecord>();
    for (let k = 0; k < snapshot.length; k++) live.set(tupleKey(snapshot[k]), snapshot[k]);
    for (const [key, slot] of this.byKey) {
      const tk = this.slotTupleKey(slot);
      const rec = live.get(tk);
      if (rec === undefined) {
        this.counters.inc('flows.reconciled');
        this.emitSlot(slot, ABSENT, true);
        this.free(key, slot);
      } else {
        live.delete(tk);
        this.refresh(slot, rec);
      }
    }
    for (const rec of live.values()) {
      this.counters.inc('flows.adopted');
      const key = rec.id >= 0 ? rec.id : tupleKey(rec);
      if (rec.deltaTime >= 0) this.adopt(key, rec, nowSec - rec.deltaTime, true);
      else this.adopt(key, rec, nowSec, false);
    }
  }

  /** Interim records (final:false) for flows open longer than interimSec since the last one. */
  tick(nowSec: number): void {
    if (nowSec > this.lastTs) this.lastTs = nowSec;
    if (this.interimSec <= 0) return;
    const due = nowSec - this.interimSec;
    for (const slot of this.byKey.values()) {
      if (this.lastReport[slot] <= due) {
        this.lastReport[slot] = nowSec;
        this.counters.inc('flows.interim');
        this.emitSlot(slot, nowSec, false);
      }
    }
  }

  /** Emits every open flow as final:false (end of a replay, shutdown) and empties the table. */
  flush(): void {
    for (const [key, slot] of this.byKey) {
      this.counters.inc('flows.flushed');
      this.emitSlot(slot, this.lastTs, false);
      this.free(key, slot);
    }
  }

  // ---- slots

  private adopt(key: number | string, rec: CtRecord, startTs: number, startKnown: boolean, transient = false): void {
    if (!startKnown) this.counters.inc('flows.start_unknown');
    if (!transient && this.byKey.size >= this.maxFlows) this.evictOldest();
    const slot = this.allocSlot();
    this.byKey.set(key, slot);
    if (typeof key === 'string') this.tupleKeyed++;
    this.start[slot] = startTs;
    this.lastReport[slot] = startTs;
    this.id[slot] = rec.id;
    this.zone[slot] = rec.zone;
    this.proto[slot] = rec.protoNum;
    this.family[slot] = rec.family;
    const p = slot * 4;
    const s = slot * 5;
    const pool = this.pool;
    const src = rec.src;
    this.strs[s] = pool.add(src);
    this.strs[s + 1] = pool.add(rec.dst);
    if (rec.icmpType >= 0) {
      this.ports[p] = rec.icmpId;
      this.ports[p + 1] = (rec.icmpType << 8) | (rec.icmpCode & 255);
    } else {
      this.ports[p] = rec.sport;
      this.ports[p + 1] = rec.dport;
    }
    const portsMatter = hasPorts(rec.protoNum);
    if (rec.rdst !== src || (portsMatter && rec.rdport !== rec.sport)) {
      this.strs[s + 2] = pool.add(rec.rdst);
      this.ports[p + 2] = portsMatter ? rec.rdport : ABSENT;
    } else {
      this.strs[s + 2] = NO_STRING;
      this.ports[p + 2] = ABSENT;
    }
    if (rec.rsrc !== rec.dst || (portsMatter && rec.rsport !== rec.dport)) {
      this.strs[s + 3] = pool.add(rec.rsrc);
      this.ports[p + 3] = portsMatter ? rec.rsport : ABSENT;
    } else {
      this.strs[s + 3] = NO_STRING;
      this.ports[p + 3] = ABSENT;
    }
    this.strs[s + 4] = rec.state !== '' ? pool.add(rec.state) : NO_STRING;
    this.flags[slot] = startKnown ? F_START_KNOWN : 0;
    const c = slot * 4;
    this.counts[c] = ABSENT;
    this.counts[c + 1] = ABSENT;
    this.counts[c + 2] = ABSENT;
    this.counts[c + 3] = ABSENT;
    this.mark[slot] = ABSENT;
    this.refresh(slot, rec);
  }

  /** Takes what a later record knows better: state, flags, counters, mark. */
  private refresh(slot: number, rec: CtRecord): void {
    // The kernel never clears ASSURED; /proc prints [OFFLOAD] in its place.
    let f = this.flags[slot] & (F_START_KNOWN | F_ASSURED);
    if (rec.assured) f |= F_ASSURED;
    if (rec.unreplied) f |= F_UNREPLIED;
    if (rec.offload) f |= F_OFFLOAD;
    this.flags[slot] = f;
    if (rec.state !== '') {
      const s = slot * 5 + 4;
      const old = this.strs[s];
      if (old === NO_STRING || this.pool.get(old) !== rec.state) {
        this.strs[s] = this.pool.add(rec.state);
        this.pool.release(old);
      }
    }
    if (rec.origBytes >= 0 && rec.replyBytes >= 0) {
      const c = slot * 4;
      this.counts[c] = rec.origBytes;
      this.counts[c + 1] = rec.origPkts;
      this.counts[c + 2] = rec.replyBytes;
      this.counts[c + 3] = rec.replyPkts;
    }
    if (rec.mark >= 0) this.mark[slot] = rec.mark;
  }

  private allocSlot(): number {
    if (this.freeSlots.length > 0) return this.freeSlots.pop() as number;
    if (this.used === this.cap) this.grow();
    return this.used++;
  }

  private grow(): void {
    // one spare slot for the transient of emitRecord()
    const cap = Math.min(this.maxFlows + 1, Math.max(256, this.cap * 2));
    const f64 = (a: Float64Array, w: number) => {
      const b = new Float64Array(cap * w);
      b.set(a);
      return b;
    };
    const i32 = (a: Int32Array, w: number) => {
      const b = new Int32Array(cap * w);
      b.set(a);
      return b;
    };
    this.start = f64(this.start, 1);
    this.lastReport = f64(this.lastReport, 1);
    this.id = f64(this.id, 1);
    this.mark = f64(this.mark, 1);
    this.counts = f64(this.counts, 4);
    this.ports = i32(this.ports, 4);
    this.zone = i32(this.zone, 1);
    this.strs = i32(this.strs, 5);
    const proto = new Int16Array(cap);
    proto.set(this.proto);
    this.proto = proto;
    const family = new Uint8Array(cap);
    family.set(this.family);
    this.family = family;
    const flags = new Uint8Array(cap);
    flags.set(this.flags);
    this.flags = flags;
    this.cap = cap;
  }

  private free(key: number | string, slot: number): void {
    this.byKey.delete(key);
    if (typeof key === 'string') this.tupleKeyed--;
    const s = slot * 5;
    for (let k = s; k < s + 5; k++) {
      this.pool.release(this.strs[k]);
      this.strs[k] = NO_STRING;
    }
    this.freeSlots.push(slot);
  }

  private evictOldest(): void {
    for (const [key, slot] of this.byKey) {
      this.counters.drop('flows.evicted');
      this.emitSlot(slot, this.lastTs, false);
      this.free(key, slot);
      return;
    }
  }

  private slotTupleKey(slot: number): string {
    const s = slot * 5;
    const p = slot * 4;
    const zone = this.zone[slot] < 0 ? 0 : this.zone[slot];
    const head = this.proto[slot] + ' ' + this.pool.get(this.strs[s]) + ' ' + this.pool.get(this.strs[s + 1]);
    if (isIcmp(this.proto[slot]) && this.ports[p + 1] >= 0) {
      const tc = this.ports[p + 1];
      return head + ' i' + (tc >> 8) + '/' + (tc & 255) + '/' + this.ports[p] + ' ' + zone;
    }
    return head + ' ' + this.ports[p] + ' ' + this.ports[p + 1] + ' ' + zone;
  }

  // ---- events

  /**
   * A flow event from a slot. `at` is the end time when `final`, the report time otherwise;
   * ABSENT when a flow ended unseen in a gap (no end, no duration).
   */
  private emitSlot(slot: number, at: number, final: boolean): void {
    const pool = this.pool;
    const s = slot * 5;
    const p = slot * 4;
    const c = slot * 4;
    const protoNum = this.proto[slot];
    const flags = this.flags[slot];
    const start = this.start[slot];
    const ev = {
      type: 'flow',
      ts: start,
      sensor: this.sensor,
    } as FlowEvent;
    if (final && at >= 0) ev.end = at;
    if (at >= 0 && flags & F_START_KNOWN) ev.duration = roundMicros(at - start);
    ev.proto = PROTO_NAMES[protoNum] ?? String(protoNum);
    ev.orig_h = pool.get(this.strs[s]);
    let op = this.ports[p];
    let rp = this.ports[p + 1];
    if (isIcmp(protoNum)) {
      // Zeek's convention: orig_p is the ICMP type, resp_p the code
      op = rp >= 0 ? rp >> 8 : ABSENT;
      rp = rp >= 0 ? rp & 255 : ABSENT;
    } else if (!hasPorts(protoNum)) {
      op = ABSENT;
      rp = ABSENT;
    }
    if (op >= 0) ev.orig_p = op;
    ev.resp_h = pool.get(this.strs[s + 1]);
    if (rp >= 0) ev.resp_p = rp;
    if (this.strs[s + 2] !== NO_STRING) {
      ev.nat_h = pool.get(this.strs[s + 2]);
      if (this.ports[p + 2] >= 0) ev.nat_p = this.ports[p + 2];
    }
    if (this.counts[c] >= 0) {
      ev.orig_bytes = this.counts[c];
      ev.orig_pkts = this.counts[c + 1];
      ev.resp_bytes = this.counts[c + 2];
      ev.resp_pkts = this.counts[c + 3];
    }
    if (this.strs[s + 4] !== NO_STRING) ev.state = pool.get(this.strs[s + 4]);
    ev.assured = (flags & F_ASSURED) !== 0;
    if (this.id[slot] >= 0) ev.ct_id = this.id[slot];
    ev.final = final;
    if (this.mark[slot] > 0) ev.mark = this.mark[slot];
    if (this.zone[slot] > 0) ev.zone = this.zone[slot];
    const dnat = this.strs[s + 3] !== NO_STRING;
    // one context object, refilled per event (an object costs qjs ~1k instructions per field)
    const ctx = this.ctx;
    ctx.family = this.family[slot];
    ctx.reply_h = dnat ? pool.get(this.strs[s + 3]) : ev.resp_h;
    ctx.unreplied = (flags & F_UNREPLIED) !== 0;
    ctx.offload = (flags & F_OFFLOAD) !== 0;
    const replyPort = dnat ? this.ports[p + 3] : hasPorts(protoNum) ? this.ports[p + 1] : ABSENT;
    ctx.reply_p = replyPort >= 0 ? replyPort : undefined;
    this.emitFn(ev, ctx);
  }

  /** A DESTROY for a flow we never held: built through a transient slot so both paths agree. */
  private emitRecord(rec: CtRecord, ts: number): void {
    const known = rec.deltaTime >= 0;
    const key = ' destroy';
    this.adopt(key, rec, known ? ts - rec.deltaTime : ts, known, true);
    const slot = this.byKey.get(key) as number;
    this.emitSlot(slot, ts, true);
    this.free(key, slot);
  }
}

function roundMicros(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
