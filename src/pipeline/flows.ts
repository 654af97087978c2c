// The flow table: turns conntrack records (events, or snapshots after a gap) into `flow`
// events — one when a flow ends, interim ones (final:false) for long-lived flows, and the
// still-open flows at the end of a replay.
//
// Memory: a router may hold 20k open flows, so a flow is a slot in typed-array columns
// (sources/conntrack/flow-store.ts) with handles into a shared string pool (addresses and
// states repeat a lot), not an object: ~69 bytes a flow plus the distinct strings.
//
// Keys: the conntrack id when the record has one, else the original tuple (+proto, +zone).
// /proc/net/nf_conntrack prints no id, so flows adopted from a table read are found by tuple;
// an event with an id that misses falls back to the tuple, which is unique among live
// entries of a zone, and keys the flow by id from then on.
//
// Table reads (after a gap in the events, at start, each /proc poll) are mark and sweep, fed
// a line at a time so a reader can spread them over many loop turns: readBegin opens a
// generation, readEntry marks the held flow a line names (or adopts it), readSweep ends the
// held flows no line marked. Events go on between the slices of a read: a flow they add or
// update is marked (it is live), and a flow they end is remembered by tuple for the rest of the
// read, so its line, if the read meets it later, cannot bring it back.
//
// Overflow (more than maxFlows open): the head of the store's order is evicted (the oldest
// opened flow, or with interim records on the one least recently reported) and emitted as an interim
// record (final:false) so what we knew is not lost; counted as the drop `flows.evicted`. If
// its DESTROY comes later it is reported on its own (start from delta-time when the kernel
// stamps flows, else unknown).

import type { Counters } from '../counters';
import { maxOf } from '../compat/lang';
import type { FlowEvent } from '../events';
// (the flag bits imported, not declared here again: esbuild writes an imported one's number in,
// where a module constant of this file stayed a variable qjs reads per use)
import {
  F_ASSURED, F_DNAT, F_HAS_ID, F_HAS_MARK, F_OFFLOAD, F_START_KNOWN, F_TUPLE_INDEXED, F_UNREPLIED, FlowStore, NO_SLOT,
} from '../sources/conntrack/flow-store';
import { READ_GONE, READ_HELD, READ_NEW, type HeldFlows } from '../sources/conntrack/proc-poll';
import { ABSENT, hasPorts, isIcmp, type CtRecord } from '../sources/conntrack/record';
import { NO_STRING, StringPool } from '../sources/conntrack/string-pool';

/** What the later stages may need beyond the public record. */
export interface FlowContext {
  /**
   * The reply tuple's source: the host that really answers. Differs from resp_h under DNAT
   * (a port forward, DNS redirected to the router).
   */
  reply_h: string;
  /** The flow's slot in the table (its store and pool), valid during the call. */
  slot: number;
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

const PROTO_NAMES: Record<number, string> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'icmpv6' };

/**
 * Whether this platform divides doubles with one rounding. 32-bit x86 with x87 floating point
 * (gcc's default there, OpenWrt's x86 targets among them) rounds a quotient twice:
 * 3545987 / 1e6 gives 3.5459870000000002, so a duration would print one ulp off. There a
 * duration goes through its 6-decimal text, which parses to the correctly rounded double (an
 * identity elsewhere). Operands from text, so no build step folds the test away.
 */
export const DIV_EXACT = Number('3545987') / Number('1e6') === 3.545987;

/** A flow event's `proto`: the name of the four common protocols, else the number. */
export function protoName(n: number): string {
  return PROTO_NAMES[n] ?? String(n);
}

/**
 * Takes a finished flow straight from its slot (a consumer that needs no event object, e.g.
 * NDJSON written from the store). False asks for the event instead, for this flow only.
 */
export interface FlowSlotSink {
  flowSlot(table: FlowTable, slot: number, at: number, final: boolean): boolean;
}

/** The flow table (see the top of this file). Read-only outside: store, pool, sensor. */
export interface FlowTable extends HeldFlows {
  readonly sensor: string;
  /** A FlowSlotSink reads the slot it is handed (flush puts in a new store). */
  store: FlowStore;
  /** Strings of the slots by handle (addresses, states); `kinds` is free for a FlowSlotSink. */
  pool: StringPool;
  /** Set by the owner when a FlowSlotSink may take flows; null: every flow becomes an event. */
  slots: FlowSlotSink | null;
  /**
   * Whether a flow with this conntrack id is open here: the parser's `holds`, so UPDATEs of
   * known flows skip their tuples (bound: pass `table.holds` as it is).
   */
  holds: (id: number) => boolean;
  size(): number;
  push(rec: CtRecord): void;
  /**
   * Interim records (final:false) for flows open longer than interimSec since their last report
   * (their opening counts as one). With interim records on, the store's order is the order of
   * last report: a reported flow moves to the tail, so the due flows are the head's run and a
   * tick walks only them, plus the first flow not due (O(due), not O(open flows)). Within one
   * tick the records come in order of last report, oldest first, ties (flows reported by the
   * same tick or opened at the same time) in the order that report or opening put them.
   */
  tick(nowSec: number): void;
  /** Emits every open flow as final:false (end of a replay, shutdown) and empties the table. */
  flush(): void;
  /** Due flows the last tick walked (a test hook: the walk must not visit flows not due). */
  walked_: number;
}

/**
 * `new FlowTable(deps)`: a constructor function returning its object, whose state is the
 * closure's locals (short names in the bundle, where a class's members are `this.x` each time).
 * `var` and function declarations throughout: qjs 2025-04 checks every read of a let/const
 * local (and of a const arrow) for its dead zone, and the per-record functions read them often.
 */
export const FlowTable = function (deps: FlowTableDeps): FlowTable {
  var counters = deps.counters;
  var emit = deps.emit;
  var interim = deps.interimSec ?? 300;
  var maxFlows = maxOf(1, deps.maxFlows ?? 16384);
  var store = new FlowStore(maxFlows, interim > 0);
  var pool = new StringPool();
  /** one context object, refilled per event (an object costs qjs ~1k instructions per field) */
  var ctx: FlowContext = { reply_h: '', slot: -1 };
  /** Latest time seen in the records: the clock of a replay. */
  var lastTs = 0;
  /** The slot `holds` last found: push() of that record needs no second lookup. */
  var heldSlot = NO_SLOT;
  /** Pool handles of the last translated source and first state seen (may be stale: checked). */
  var natH = NO_STRING;
  var stateH = NO_STRING;

  // ---- table reads: mark and sweep

  /** The generation of the read in progress, or of the last one. */
  var gen = 0;
  var reading = false;
  var readNow = 0;
  var readEnded = 0;
  /**
   * Where the read's walk over the held flows goes on, indexing them (readPrepare) or ending the
   * unseen (readSweep); free() moves it past a slot that events end meanwhile. -2: not begun.
   */
  var walkAt = -2;
  /** Original tuples (recKey) of the flows events ended during the read in progress. */
  var goneKeys = new Set<string>();
  /** Bounded memory of conntrack ids reported by a reconcile, oldest first. */
  var reconciledIds = new Set<number>();

  const self: FlowTable = {
    sensor: deps.sensor,
    store,
    pool,
    slots: null,
    walked_: 0,
    holds: (id) => (heldSlot = store.findId(id)) >= 0,
    size: () => store.count_,
    push,
    readBegin(nowSec) {
      if (nowSec > lastTs) lastTs = nowSec;
      // A held flow carries the generation of the last read that saw it (or, for one opened
      // since, of an earlier read that saw its slot's last flow), and a finished read sees or
      // ends every flow: one could pass for marked only after 65,535 reads in a row were dropped.
      gen = (gen + 1) & 65535 || 1;
      reading = true;
      readNow = nowSec;
      readEnded = 0;
      walkAt = store.head;
      store.needSeen_();
      goneKeys.clear();
    },
    /**
     * Before the first line: puts up to `max` held flows into the tuple index. Outside reads only
     * flows without an id are indexed (an id finds the rest), which spares every NEW event the
     * work; a flow indexed once stays so until it ends.
     */
    readPrepare: (max) => walk(max, false, false),
    readEntry(rec, adopting) {
      var slot = findRecord(rec, false);
      if (slot >= 0) {
        refresh(slot, rec); // marks it
        return READ_HELD;
      }
      if (goneKeys.size > 0 && goneKeys.has(recKey(rec))) {
        // An event ended this tuple since the read began: the line was read before the kernel
        // dropped the entry. (A new flow on the same tuple would have to follow that DESTROY
        // with its NEW, which adopts it.) /proc has no ids to tell for sure: counted.
        counters.inc('flows.read_gone');
        return READ_GONE;
      }
      if (!adopting) return READ_NEW;
      counters.inc('flows.adopted');
      var d = rec.deltaTime;
      adopt(rec, d > 0 ? readNow - d : readNow, d >= 0, false);
      return READ_HELD;
    },
    readSweep: (max, poll) => walk(max, true, poll),
    readEnded: () => readEnded,
    readAbort,
    tick(nowSec) {
      if (nowSec > lastTs) lastTs = nowSec;
      if (interim <= 0) return;
      self.walked_ = 0;
      // A table read walking the order (readPrepare, readSweep: a few loop turns) would meet
      // every flow moved to the tail again, and could walk on as long as ticks move flows: the
      // records wait for the walk's end (late, not lost: the next tick takes all due).
      if (walkAt !== -2) return;
      var due = nowSec - interim;
      var last = store.lastReport;
      var next = store.next_;
      var walked = 0;
      var tl = store.tail_;
      // A clock that stepped back by more than an interval (NTP correcting a clock that ran
      // ahead, a replayed log): reports held in the future would hold their flows (and the flows
      // opened after the step, placed behind them) until the clock caught up, hours maybe.
      // Re-base them to now, once: min(report, now) keeps the order sorted.
      if (tl >= 0 && last[tl] - interim > nowSec) {
        for (var s = store.head; s >= 0; s = next[s] - 1) if (last[s] > nowSec) last[s] = nowSec;
        lastTs = nowSec;
        counters.inc('flows.clock_rebased');
      }
      // a clock that stepped back less reports at the tail's time, keeping the order sorted
      var at = tl >= 0 && last[tl] > nowSec ? last[tl] : nowSec;
      for (var s = store.head, n = 0; s >= 0 && last[s] <= due; s = n) {
        n = next[s] - 1;
        walked++;
        last[s] = at;
        store.move_(s, false);
        counters.inc('flows.interim');
        emitSlot(s, nowSec, false);
      }
      self.walked_ = walked;
    },
    flush() {
      var n = 0;
      for (var s = store.head, next = 0; s >= 0; s = next) {
        next = store.next_[s] - 1;
        n++;
        emitSlot(s, lastTs, false);
      }
      if (n > 0) counters.inc('flows.flushed', n);
      // all freed at once: no index or reference count to keep up a flow at a time
      self.store = store = new FlowStore(maxFlows, interim > 0);
      self.pool = pool = new StringPool();
      if (walkAt >= 0) walkAt = -1; // a read's walk has nothing left
    },
  };

  function push(rec: CtRecord): void {
    var ts = rec.ts >= 0 ? rec.ts : lastTs;
    if (ts > lastTs) lastTs = ts;
    var id = rec.id;
    var slot: number;
    if (id >= 0) {
      var h = heldSlot;
      slot = h >= 0 && store.id_[h] === id && store.flags[h] & F_HAS_ID ? h : store.findId(id);
      if (rec.partial) {
        // an UPDATE or DESTROY read without tuples because we hold its id
        if (slot < 0) counters.drop('flows.partial_unheld');
        else {
          refresh(slot, rec);
          if (rec.kind === 'DESTROY') end(slot, ts);
        }
        return;
      }
      if (slot < 0 && store.idless > 0) {
        // adopted from /proc (no id): find it by tuple and key it by id from now on
        slot = findRecord(rec, true);
        if (slot >= 0) store.bindId(slot, id);
      }
    } else {
      slot = findRecord(rec, true);
    }
    var kind = rec.kind;
    if (kind === 'DESTROY') {
      if (slot >= 0) {
        refresh(slot, rec);
        end(slot, ts);
        return;
      }
      if (reading) noteGone(recKey(rec));
      if (id >= 0 && reconciledIds.has(id)) {
        // Reading /proc during a reconcile makes the kernel reap expired entries, and the new
        // conntrack child then reports their DESTROY: the flow was already reported once.
        reconciledIds.delete(id);
        counters.inc('flows.destroy_after_reconcile');
        return;
      }
      counters.inc('flows.destroy_unseen');
      // built through a transient slot (keyed by its id, which no held flow has) so both paths agree
      var known = rec.deltaTime >= 0;
      slot = adopt(rec, known ? ts - rec.deltaTime : ts, known, true);
      emitSlot(slot, ts, true);
      free(slot);
      return;
    }
    if (slot >= 0) {
      if (kind === 'NEW') counters.inc('flows.duplicate_new');
      refresh(slot, rec);
      return;
    }
    if (kind === 'NEW') adopt(rec, ts, true, false);
    // UPDATE or SNAPSHOT of a flow whose NEW we did not see (we started later, or a gap)
    else if (rec.deltaTime >= 0) adopt(rec, ts - rec.deltaTime, true, false);
    else adopt(rec, ts, false, false);
  }

  /** A held flow's DESTROY (refreshed already): its final record. */
  function end(slot: number, ts: number): void {
    if (reading) noteGone(slotKey(slot));
    emitSlot(slot, ts, true);
    free(slot);
  }

  /**
   * readPrepare (`sweep` false: indexes up to `max` held flows by tuple) or readSweep (ends up
   * to about `max` flows' worth of the ones no line marked); true when the walk is done.
   */
  function walk(max: number, sweep: boolean, poll: boolean): boolean {
    if (sweep && walkAt === -2) walkAt = store.head;
    for (var n = 0, s = 0; n < max && walkAt >= 0; n++) {
      s = walkAt;
      walkAt = store.next_[s] - 1;
      if (!sweep) {
        if (!(store.flags[s] & F_TUPLE_INDEXED)) store.indexTuple(s);
      } else if (store.seen_[s] !== gen) {
        readEnded++;
        if (poll) {
          // gone between two polls: ended at this one, with the counters of the last
          emitSlot(s, readNow, true);
        } else {
          counters.inc('flows.reconciled');
          if (store.flags[s] & F_HAS_ID) {
            reconciledIds.add(store.id_[s]);
            if (reconciledIds.size > 4096) for (var k of reconciledIds) {
              reconciledIds.delete(k);
              break;
            }
          }
          emitSlot(s, ABSENT, true);
        }
        free(s);
        n += 7; // an end costs about what a line does
      }
    }
    if (walkAt >= 0) return false;
    if (sweep) readAbort();
    walkAt = -2; // (readPrepare's: the sweep starts from the head)
    return true;
  }

  function readAbort(): void {
    reading = false;
    walkAt = -2;
    goneKeys.clear();
  }

  function noteGone(key: string): void {
    if (goneKeys.size < 4096) goneKeys.add(key);
    else counters.drop('flows.read_gone_full');
  }

  // ---- slots

  function adopt(rec: CtRecord, startTs: number, startKnown: boolean, transient: boolean): number {
    if (!startKnown) counters.inc('flows.start_unknown');
    if (!transient && store.count_ >= maxFlows) {
      // The head goes: the oldest opened flow while interim records are off; with them on, the
      // flow whose last report (or opening) is oldest, the one with most news not yet shipped,
      // and so the one whose eviction record is least likely to repeat a report shipped within
      // interimSec.
      counters.drop('flows.evicted');
      var head = store.head;
      emitSlot(head, lastTs, false);
      free(head);
    }
    var id = rec.id;
    var tail = store.tail_;
    var slot = store.alloc_(id);
    store.start[slot] = startTs;
    if (!transient && interim > 0) {
      var last = store.lastReport;
      if (tail < 0 || last[tail] <= startTs) last[slot] = startTs;
      else if (startTs <= lastTs - interim) {
        // Keeps the order of last report (tick) for a new flow, appended at the tail by alloc:
        // its opening is its first report, at `startTs`. A flow back-dated by its delta-time
        // (adopted after a gap or from a table read) may have opened before flows already held:
        // one already older than interimSec is due at the next tick, as if placed by its start,
        // so it goes to the head (every flow there is due at any later tick; no sorted insert,
        // which would cost O(n) a flow and O(n²) for a table read at start); any other one
        // counts from the last report held (the tail's time) when that is later than its
        // start: its first interim record comes at most that much late, never early.
        last[slot] = startTs;
        store.move_(slot, true);
      } else last[slot] = last[tail];
    }
    var zone = rec.zone;
    if (zone > 0) store.setZone_(slot, zone);
    else if (store.zoned_) store.zone_[slot] = 0; // (a flag: a typed array's length is a getter call)
    var proto = rec.protoNum;
    store.proto[slot] = proto;
    var p = slot * 3;
    var s = slot * 4;
    var strs = store.strs;
    var ports = store.ports;
    var refs = pool.refs;
    var src = rec.src;
    var dst = rec.dst;
    var sport = rec.sport;
    var dport = rec.dport;
    // pool.add's hit path written out (a call costs qjs ~400 instructions): most addresses are held already
    var index = pool.index;
    var h = index[src];
    if (h === undefined) h = pool.add(src);
    else refs[h]++;
    strs[s] = h;
    h = index[dst];
    if (h === undefined) h = pool.add(dst);
    else pool.refs[h]++; // (add may have grown refs)
    strs[s + 1] = h;
    var icmpType = rec.icmpType;
    var pa = sport;
    var pb = dport;
    var pc = 0;
    if (icmpType >= 0) {
      pa = rec.icmpId;
      pb = (icmpType << 8) | (rec.icmpCode & 255);
    }
    // hasPorts() written out
    var portsMatter = proto === 6 || proto === 17 || proto === 132 || proto === 33 || proto === 136;
    var other = rec.rdst;
    if (other !== src || (portsMatter && rec.rdport !== sport)) {
      // masquerade gives nearly every LAN flow the same translated source: tried first
      h = natH;
      if (pool.strings[h] !== other) natH = h = pool.add(other);
      else pool.refs[h]++;
      strs[s + 2] = h;
      if (portsMatter) pc = rec.rdport;
    } else strs[s + 2] = NO_STRING;
    // setPorts_()'s common case written out: three values that fit 16 bits (as ToInt32 makes
    // them, which a 16-bit store agrees with)
    if ((pa | pb | pc) >>> 16 === 0) {
      ports[p] = pa;
      ports[p + 1] = pb;
      ports[p + 2] = pc;
    } else store.setPorts_(slot, pa, pb, pc);
    other = rec.rsrc;
    if (other !== dst || (portsMatter && rec.rsport !== dport)) {
      // (a reply port past 65535 is garbage: kept as none)
      store.dnat_.set(slot, pool.add(other) * 65537 + (portsMatter && rec.rsport <= 65535 ? rec.rsport : ABSENT) + 1);
      store.flags[slot] |= F_DNAT;
    }
    strs[s + 3] = NO_STRING;
    if (!transient && (reading || id < 0)) store.indexTuple(slot);
    if (startKnown) store.flags[slot] |= F_START_KNOWN;
    if (store.counted_) store.counts.fill(ABSENT, slot * 4, slot * 4 + 4);
    refresh(slot, rec);
    return slot;
  }

  /**
   * Takes what a later record knows better: state, flags, counters, mark. And marks the flow
   * live for a table read under way: a line of the read, or an event since it began, saw it.
   */
  function refresh(slot: number, rec: CtRecord): void {
    // (only a read's own generation counts; the column may not be there before the first read)
    if (reading) store.seen_[slot] = gen;
    // The kernel never clears ASSURED; /proc prints [OFFLOAD] in its place.
    var f = store.flags[slot] & ~(F_UNREPLIED | F_OFFLOAD);
    if (rec.assured) f |= F_ASSURED;
    if (rec.unreplied) f |= F_UNREPLIED;
    if (rec.offload) f |= F_OFFLOAD;
    var mark = rec.mark;
    // a mark of 0 is not written out: kept only once some flow had another
    if (mark > 0 || (mark === 0 && store.mark_.length > 0)) {
      store.setMark(slot, mark);
      f |= F_HAS_MARK;
    }
    store.flags[slot] = f;
    var state = rec.state;
    if (state !== '') {
      var s = slot * 4 + 3;
      var strs = store.strs;
      var old = strs[s];
      if (old === NO_STRING) {
        // most often the last new flow's state (the one kept in stateH): no call to pool.add
        var h = stateH;
        if (pool.strings[h] !== state) stateH = h = pool.add(state);
        else pool.refs[h]++;
        strs[s] = h;
      } else if (pool.strings[old] !== state) {
        strs[s] = pool.add(state);
        pool.release(old);
      }
    }
    if (rec.origBytes >= 0 && rec.replyBytes >= 0) {
      if (rec.kind === 'DESTROY') {
        // the flow ends with this record: its counters need no column
        var e = store.endCounts;
        e[0] = rec.origBytes;
        e[1] = rec.origPkts;
        e[2] = rec.replyBytes;
        e[3] = rec.replyPkts;
        store.endSlot = slot;
      } else store.setCounts(slot, rec.origBytes, rec.origPkts, rec.replyBytes, rec.replyPkts);
    }
  }

  function free(slot: number): void {
    var strs = store.strs;
    var s = slot * 4;
    if (slot === walkAt) walkAt = store.next_[slot] - 1;
    var dnat = store.dnatHost(slot);
    store.release(slot); // first: it unindexes the tuple by the handles still in the slot
    if (dnat >= 0) pool.release(dnat);
    var refs = pool.refs;
    for (var k = s, h = 0; k < s + 4; k++) {
      h = strs[k];
      if (h !== NO_STRING) {
        // release()'s common case written out: the string stays held by other flows
        if (refs[h] > 1) refs[h]--;
        else pool.release(h);
      }
      strs[k] = NO_STRING;
    }
  }

  /** The held flow with a record's original tuple (only one without an id when `idless`). */
  function findRecord(rec: CtRecord, idless: boolean): number {
    var index = pool.index;
    var src = index[rec.src];
    var dst = src === undefined ? undefined : index[rec.dst];
    if (dst === undefined) return NO_SLOT; // an address no flow holds
    var icmp = rec.icmpType >= 0;
    // as adopt stores them: Int32 ports (port_() gives them back), icmp id and type<<8|code, Uint8 proto, Uint16 zone
    var a = (icmp ? rec.icmpId : rec.sport) | 0;
    var b = (icmp ? (rec.icmpType << 8) | (rec.icmpCode & 255) : rec.dport) | 0;
    return store.findTuple(rec.protoNum & 255, src as number, dst, a, b, rec.zone > 0 ? rec.zone & 65535 : 0, idless);
  }

  /**
   * A record's original tuple as text, as slotKey spells a held flow's (the numbers as adopt
   * stores them): unique among live entries of a zone, what matches an event to a /proc line,
   * which has no id.
   */
  function recKey(rec: CtRecord): string {
    var icmp = rec.icmpType >= 0;
    return `${rec.protoNum & 255} ${rec.src} ${rec.dst} ${(icmp ? rec.icmpId : rec.sport) | 0} ${(icmp ? (rec.icmpType << 8) | (rec.icmpCode & 255) : rec.dport) | 0} ${rec.zone > 0 ? rec.zone & 65535 : 0}`;
  }

  function slotKey(slot: number): string {
    var text = pool.strings;
    return `${store.proto[slot]} ${text[store.strs[slot * 4]]} ${text[store.strs[slot * 4 + 1]]} ${store.port_(slot, 0)} ${store.port_(slot, 1)} ${store.zoneOf_(slot)}`;
  }

  // ---- events

  /**
   * A flow event from a slot. `at` is the end time when `final`, the report time otherwise;
   * ABSENT when a flow ended unseen in a gap (no end, no duration).
   */
  function emitSlot(slot: number, at: number, final: boolean): void {
    var direct = self.slots;
    if (direct !== null && direct.flowSlot(self, slot, at, final)) return;
    var text = pool.strings;
    var strs = store.strs;
    var s = slot * 4;
    var protoNum = store.proto[slot];
    var portsMatter = hasPorts(protoNum);
    var flags = store.flags[slot];
    var start = store.start[slot];
    var ev = { type: 'flow', ts: start, sensor: self.sensor } as FlowEvent;
    if (final && at >= 0) ev.end = at;
    if (at >= 0 && flags & F_START_KNOWN) {
      var d = Math.round((at - start) * 1e6) / 1e6;
      ev.duration = DIV_EXACT ? d : +d.toFixed(6);
    }
    ev.proto = protoName(protoNum);
    ev.orig_h = text[strs[s]];
    var op = ABSENT;
    var rp = ABSENT;
    if (portsMatter) {
      op = store.port_(slot, 0);
      rp = store.port_(slot, 1);
    } else if (isIcmp(protoNum) && (rp = store.port_(slot, 1)) >= 0) {
      // Zeek's convention: orig_p is the ICMP type, resp_p the code
      op = rp >> 8;
      rp &= 255;
    }
    if (op >= 0) ev.orig_p = op;
    ev.resp_h = text[strs[s + 1]];
    if (rp >= 0) ev.resp_p = rp;
    var h = strs[s + 2];
    if (h !== NO_STRING) {
      ev.nat_h = text[h];
      if (portsMatter) ev.nat_p = store.port_(slot, 2);
    }
    // (a typed array read past its end gives undefined: an uncounted store has no column)
    var counts = store.counts;
    var c = slot * 4;
    if (slot === store.endSlot) {
      counts = store.endCounts;
      c = 0;
    }
    if (counts[c] >= 0) {
      ev.orig_bytes = counts[c];
      ev.orig_pkts = counts[c + 1];
      ev.resp_bytes = counts[c + 2];
      ev.resp_pkts = counts[c + 3];
    }
    h = strs[s + 3];
    if (h !== NO_STRING) ev.state = text[h];
    ev.assured = (flags & F_ASSURED) !== 0;
    if (flags & F_HAS_ID) ev.ct_id = store.id_[slot];
    // The later stages' fields, seated in schema order so they fill them in place instead of
    // rebuilding the object (JSON skips what stays undefined).
    ev.mac = undefined;
    ev.hostname = undefined;
    ev.name = undefined;
    ev.direct = undefined;
    ev.final = final;
    ev.dir = undefined;
    if (flags & F_HAS_MARK && store.mark_[slot] > 0) ev.mark = store.mark_[slot];
    h = store.zoneOf_(slot);
    if (h > 0) ev.zone = h;
    h = store.dnatHost(slot);
    ctx.reply_h = h >= 0 ? text[h] : ev.resp_h;
    ctx.slot = slot;
    emit(ev, ctx);
  }

  return self;
} as unknown as new (deps: FlowTableDeps) => FlowTable;
