// Assembles dnsmasq query-log records into one `dns` event per query (docs/events.md).
//
// Extra mode (--log-queries=extra): every line carries the serial dnsmasq gave the query, so a
// transaction's key is (pid, serial) — TCP queries are served by forked children whose pid
// differs and whose serials overlap the parent's.
//
// When is a transaction complete? dnsmasq prints all the lines of one answer in a single pass
// (extract_addresses() for a reply, answer_request() for cache/config/hosts), and one process
// writes its log sequentially. So once a transaction has an answer line, its answer is over at
// the first later line of the same pid that belongs to anything else. Lines of other pids
// (a TCP child) interleave freely and do not end it. A log that goes quiet leaves the last
// answer open: tick() ends answered transactions ANSWER_GRACE seconds after their last line,
// and times out unanswered ones after timeoutSec (complete:false). flush() ends everything.
//
// Order: events leave in order of their query line. A finished transaction waits while an
// earlier one is still open; the wait is bounded by timeoutSec and by maxOpen (queued
// transactions, finished or not). At the cap the oldest is forced out (counted
// `dns.txn_overflow`; emitted complete:false if it had no answer yet).
//
// Classic mode (plain --log-queries, serial -1) is best effort: see dns-classic.ts.
import type { CounterCell, Counters } from '../counters';
import type { DnsEvent } from '../events';
import type { DnsLogRecord } from '../sources/dnsmasq/record';
import { ClassicMatcher } from './dns-classic';
import { applyAnswer, setDnssec, type Transaction } from './dns-transaction';
import { buildDnsEvent, type DeviceLookup } from './dns-event';

export type { DeviceInfo, DeviceLookup } from './dns-event';
export { withDevice } from './dns-event';

/** Seconds after its last answer line an answered transaction is taken as done by tick(). */
export const ANSWER_GRACE = 1;

export interface TransactionAssemblerDeps {
  counters: Counters;
  sensor: string;
  emit: (ev: DnsEvent) => void;
  /**
   * Optional: offered each finished transaction before an event is built. Returning true means
   * it was written out from the transaction's fields (no event object, emit() not called). The
   * transaction is reused afterwards: read it during the call, keep nothing of it but `answers`.
   */
  emitTransaction?: (t: Readonly<Transaction>) => boolean;
  /** Seconds a query may wait for its answer before it is emitted complete:false. Default 10. */
  timeoutSec?: number;
  /** Most transactions held at once (open, or finished and waiting for order). Default 2048. */
  maxOpen?: number;
  /** Optional: mac/hostname of a client, placed in schema order in the event. */
  lookupDevice?: DeviceLookup;
}

export const PID_SCALE = 4294967296; // serials are 32-bit: key = pid * 2^32 + serial stays exact

export class TransactionAssembler {
  private readonly timeout_: number;
  readonly maxOpen: number;
  /** Every held transaction in query order; [head, length) are live. */
  queue_: Transaction[] = [];
  head_ = 0;
  /** Extra mode: (pid, serial) -> transaction. */
  readonly byKey_ = new Map<number, Transaction>();
  /** Per pid (usually one or two): the transaction whose answer lines are being printed. */
  answering_: Transaction[] = [];
  /** The transaction of the last extra-mode line: consecutive lines mostly share it. */
  last_: Transaction | null = null;
  /** Emitted transactions kept for reuse, answers let go (allocating objects is dear in qjs): up to maxOpen. */
  readonly pool_: Transaction[] = [];
  private readonly classic_: ClassicMatcher;
  lastTs_ = 0;
  /** Some transaction finished since the last drain(). */
  finished_ = false;
  /** dns.events, once per event: a cell, not an inc() call. */
  private readonly events_: CounterCell;

  private readonly deps_: TransactionAssemblerDeps;

  constructor(deps_: TransactionAssemblerDeps) {
    this.deps_ = deps_;
    this.events_ = deps_.counters.cell('dns.events');
    this.timeout_ = deps_.timeoutSec ?? 10;
    this.maxOpen = Math.max(1, deps_.maxOpen ?? 2048);
    this.classic_ = new ClassicMatcher(deps_.counters, (t) => this.finish_(t));
  }

  openCount(): number {
    return this.queue_.length - this.head_;
  }

  push(rec: DnsLogRecord): void {
    this.take_(rec);
    if (this.finished_) this.drain_();
  }

  private take_(rec: DnsLogRecord): void {
    if (rec.ts > this.lastTs_) {
      // Log time drives timeouts in replay; live, tick() keeps them going when the log is quiet.
      if (this.lastTs_ !== 0) this.tick(rec.ts);
      this.lastTs_ = rec.ts;
    }
    const pid = rec.pid;
    const serial = rec.serial;
    const kind = rec.kind;
    if (kind === 'query') {
      this.open_(pid * PID_SCALE + serial, pid, serial, rec.ts, rec.client, rec.clientPort, rec.name, rec.qtype ?? '', rec.auth === true);
      return;
    }
    if (serial < 0) {
      this.classic_.push(rec, this.queue_, this.head_);
      return;
    }
    let t = this.last_;
    if (t === null || t.serial !== serial || t.pid !== pid) {
      const key = pid * PID_SCALE + serial;
      const cur = this.answeringOf_(pid);
      if (cur !== null && cur.key !== key) this.finish_(cur);
      this.last_ = t = this.byKey_.get(key) ?? null;
    }
    if (t === null || t.done) {
      if (kind !== 'dnssec' && kind !== 'validation') this.deps_.counters.drop('dns.orphan_line', 1, `${pid}/${serial} ${kind} ${rec.name}`);
      return;
    }
    if (kind === 'forwarded') {
      t.upstream = rec.upstream;
    } else if (kind === 'validation') {
      setDnssec(t, rec.status);
    } else if (kind !== 'dnssec') {
      applyAnswer(t, rec, this.deps_.counters);
      if (!t.listed) {
        t.listed = true;
        this.answering_[this.answering_.length] = t;
      }
    }
  }

  /** The transaction of this dnsmasq process that is taking answer lines, if any (also the fast lane's). */
  answeringOf_(pid: number): Transaction | null {
    var a = this.answering_;
    for (var i = 0; i < a.length; i++) if (a[i].pid === pid) return a[i];
    return null;
  }

  /**
   * Ends what is due at nowSec, which must be on the log's clock (epoch seconds of the router:
   * host.now() live, given the right utcOffsetMin; record times in replay).
   */
  tick(nowSec: number): void {
    for (const t of this.answering_.slice()) {
      if (nowSec - t.lastTs >= ANSWER_GRACE) this.finish_(t);
    }
    const limit = nowSec - this.timeout_;
    for (let i = this.head_; i < this.queue_.length; i++) {
      const t = this.queue_[i];
      if (t.ts >= limit) break; // queue is in query order
      if (!t.done && !t.answered) this.finish_(t);
    }
    this.classic_.tick(nowSec, ANSWER_GRACE);
    this.drain_();
  }

  /** End of input: everything still open is emitted (complete:false when unanswered). */
  flush(): void {
    for (let i = this.head_; i < this.queue_.length; i++) {
      const t = this.queue_[i];
      if (!t.done) this.finish_(t);
    }
    this.drain_();
  }

  /**
   * Opens the transaction of a query line (key: pid * PID_SCALE + serial, or anything in classic
   * mode, serial -1), forcing the oldest out at the cap: for the general path and the fast lane.
   */
  open_(key: number, pid: number, serial: number, ts: number, client: string | undefined, port: number | undefined,
    qname: string, qtype: string, auth: boolean): Transaction {
    // var: qjs checks every read of a let/const local for its dead zone (once per query here)
    var t: Transaction | undefined;
    if (serial < 0) {
      key = 0;
      this.classic_.lineFrom(pid);
    } else {
      // the pid's answering transaction ends (answeringOf_() written out: one call fewer)
      var al = this.answering_;
      for (var i = 0; i < al.length; i++) {
        t = al[i];
        if (t.pid === pid) {
          if (t.key !== key) this.finish_(t);
          break;
        }
      }
      t = this.byKey_.get(key);
      if (t !== undefined) {
        this.deps_.counters.drop('dns.serial_reuse', 1, `${pid}/${serial}`);
        if (!t.done) this.finish_(t);
        t.key = -1; // the map's entry is the new one's now
      }
    }
    if (this.queue_.length - this.head_ >= this.maxOpen) {
      this.deps_.counters.drop('dns.txn_overflow', 1, qname);
      var oldest = this.queue_[this.head_];
      if (!oldest.done) this.finish_(oldest);
      this.drain_();
    }
    // an emitted transaction is overwritten (no allocation; events own nothing of it)
    // arrays grown and shrunk by index: push()/pop() are calls of ~700 instructions in qjs
    var pool = this.pool_;
    var n = pool.length;
    if (n === 0) {
      // a new one gets its fields below in the order a reused one does: one shape for all
      t = { ans: [], upstream: undefined } as unknown as Transaction;
    } else {
      t = pool[n - 1];
      pool.length = n - 1;
    }
    t.key = key;
    t.pid = pid;
    t.serial = serial;
    t.ts = ts;
    t.lastTs = ts;
    t.client = client;
    t.clientPort = port;
    t.qname = qname;
    t.qtype = qtype;
    t.source = auth ? 'local' : undefined;
    t.rcode = undefined;
    t.cnameAt = -1;
    t.blocked = false;
    t.dnssec = undefined;
    t.answered = false;
    t.done = false;
    t.listed = false;
    t.lastName = '';
    var q = this.queue_;
    q[q.length] = t;
    if (serial < 0) {
      this.classic_.add(t);
    } else {
      this.byKey_.set(key, t);
      this.last_ = t;
    }
    return t;
  }

  /** Marks t finished: no more lines will be taken for it; emitted when its turn comes. */
  finish_(t: Transaction): void {
    if (t.done) return;
    t.done = true;
    if (!t.answered) this.deps_.counters.inc('dns.timeout');
    if (t.listed) {
      t.listed = false;
      // splice() costs ~3,400 instructions in qjs (it builds an array of the removed); the
      // list holds a transaction or two: shift the rest down by hand.
      var a = this.answering_;
      var n = a.length - 1;
      var i = 0;
      while (i <= n && a[i] !== t) i++;
      if (i <= n) {
        for (; i < n; i++) a[i] = a[i + 1];
        a.length = n;
      }
    }
    if (this.last_ === t) this.last_ = null;
    if (t.serial < 0) this.classic_.remove(t);
    // Emitting happens in drain(), in query order, after the caller's loop is over.
    this.finished_ = true;
  }

  drain_(): void {
    this.finished_ = false;
    var q = this.queue_;
    var pool = this.pool_;
    var direct = this.deps_.emitTransaction;
    var h = this.head_;
    while (h < q.length && q[h].done) {
      var t = q[h];
      q[h++] = EMITTED; // let it go now, not when the queue is next cut: ~1k finished ones otherwise stay alive
      this.head_ = h; // emit() may come back in (a sink that ticks): the queue is consistent first
      if (t.serial >= 0 && t.key >= 0) this.byKey_.delete(t.key);
      this.events_.n++;
      try {
        if (direct === undefined || !direct(t)) this.deps_.emit(buildDnsEvent(t, this.deps_.sensor, this.deps_.lookupDevice));
      } catch (e) {
        this.deps_.counters.drop('dns.emit_error', 1, String(e)); // a sink's bug must not stop assembly
      }
      // Kept for reuse up to the cap of held ones (with the queue, no more than its peak ever
      // exist): an unanswered query holds the queue up to its timeout, and what it lets go at
      // once was new objects again (~20 fields defined each, ~2k instructions a line); the
      // answers and names are let go now.
      if (pool.length < this.maxOpen) {
        t.ans.length = 0;
        t.qname = ''; // its strings too: up to maxOpen idle ones would otherwise hold ~0.2 MB
        t.client = undefined;
        t.upstream = undefined;
        pool[pool.length] = t;
      }
      h = this.head_;
    }
    if (this.head_ === q.length) {
      q.length = 0;
      this.head_ = 0;
    } else if (this.head_ > 1024 && this.head_ * 2 > q.length) {
      this.queue_ = q.slice(this.head_);
      this.head_ = 0;
    }
  }
}

/** Placeholder for an emitted transaction below the queue's head (done: never emitted again). */
const EMITTED = { done: true } as Transaction;
