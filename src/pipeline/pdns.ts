// Passive DNS: folds the answers of `dns` events into COF records (draft-dulaunoy-dnsop-passive-
// dns-cof: rrname, rrtype, rdata, time_first, time_last, count) per aggregation window, so a site
// can ship one record per distinct answer instead of one event per query.
//
// Decisions (docs/wire-format.md lists them for collectors):
// - One record per (rrname, rrtype, rdata set) per window; the set is the answer's values for
//   that name and type, sorted and without repeats, so round-robin reordering does not split it.
// - A CNAME chain yields one CNAME record per link (rdata = the next name), then the final rrset.
// - Answers whose data the resolver log does not carry (data null, e.g. <MX>, <HTTPS>) are not
//   recorded: COF has no "unknown rdata" and an empty rdata would mislead. Counted.
// - Sinkholed answers (blocked) and non-NOERROR replies carry no real data: skipped, counted.
// - time_first/time_last are whole seconds (COF), floored from the events' ts.
// - The table is bounded: when it is full the window is flushed early (nothing is lost, only
//   aggregation is shorter), counted as pdns_early_flush.
//
// Memory: a record is its grouping key (name \0 type \0 values joined by \0, one string that is
// also where the record's text is read back from at flush) and a slot in typed arrays; the event
// is built only when it is emitted. ~150 B a record under qjs, against ~700 B for an event object
// with its rdata array and a Map entry.
import type { DnsEvent, PdnsEvent } from '../events';
import type { Counters } from '../counters';

export interface PassiveDnsDeps {
  sensor: string;
  counters: Counters;
  emit: (ev: PdnsEvent) => void;
  /** Aggregation window, default 3600 s, measured in tick() time. */
  windowSec?: number;
  /** Records held at once, default 20000. */
  maxRecords?: number;
}

/** Typed-array room is added this many records at a time (up to maxRecords). */
const STEP = 4096;

export class PassiveDns {
  /**
   * Grouping key → record number, in a null-prototype object rather than a Map: qjs keeps its
   * keys as atoms (the key string itself), ~50 B an entry against ~85 B for a Map entry, and the
   * lookup is cheaper. Keys always hold a NUL, so none is an array index nor `__proto__`, and
   * for-in gives them in insertion order: record order.
   */
  private index_: Record<string, number> = Object.create(null) as Record<string, number>;
  private n_ = 0;
  private first_ = new Float64Array(0);
  private last_ = new Float64Array(0);
  private count_ = new Uint32Array(0);
  /** Where the key splits: rrname is key[0, nameLen), rrtype the typeLen characters after it. */
  private nameLen_ = new Uint16Array(0);
  private typeLen_ = new Uint8Array(0);
  /** Records whose key cannot be read back (a NUL inside a value; a name or type too long). */
  private odd_: Map<number, [string, string, string[]]> | null = null;
  private windowStart_ = -1;
  // Scratch, reused per event (learn runs once per dns event: allocations show under qjs).
  /** Start index of each run of answers sharing (name, type), and the end of the last run. */
  private readonly runs_: number[] = [];
  /** The values of one run, deduplicated and sorted, before they become a record's rdata. */
  private readonly vals_: string[] = [];
  // Slow path only: one event's answers grouped by (name, type).
  private readonly groups_ = new Map<string, { name: string; type: string; data: string[] }>();

  private readonly deps_: PassiveDnsDeps;

  constructor(deps_: PassiveDnsDeps) {
    this.deps_ = deps_;
  }

  learn(ev: DnsEvent): void {
    const answers = ev.answers;
    if (!answers) return;
    const n = answers.length;
    if (n === 0) return;
    if (ev.blocked) {
      this.deps_.counters.inc('pdns_skipped_blocked');
      return;
    }
    if (ev.rcode !== undefined && ev.rcode !== 'NOERROR') return;
    // Resolvers list a (name, type)'s records together (CNAME links, then the final rrset), so
    // the groups are runs of neighbours. Find the runs; a (name, type) that comes back after
    // another run needs real grouping: the general path (rare).
    const runs = this.runs_;
    runs.length = 0;
    let name = '';
    let type = '';
    for (let i = 0; i < n; i++) {
      const a = answers[i];
      if (i > 0 && a.name === name && a.type === type) continue;
      name = a.name;
      type = a.type;
      for (let r = 0; r < runs.length; r++) {
        const b = answers[runs[r]];
        if (b.name === name && b.type === type) return this.learnGrouped_(ev);
      }
      runs.push(i);
    }
    runs.push(n);
    const t = Math.floor(ev.ts);
    for (let r = 0; r + 1 < runs.length; r++) this.learnRun_(answers, runs[r], runs[r + 1], t);
  }

  /** Records the answers [from, to) of one (name, type) at second t. */
  private learnRun_(answers: DnsEvent['answers'], from: number, to: number, t: number): void {
    const first = answers[from];
    let key: string;
    let vals: string[] | null = null;
    let d = first.data;
    if (to - from === 1) {
      // The common case: one record, no set to build.
      if (d === null || d === undefined) {
        this.deps_.counters.inc('pdns_rdata_unknown');
        return;
      }
      key = first.name + '\u0000' + first.type + '\u0000' + d;
    } else {
      vals = this.vals_;
      vals.length = 0;
      for (let i = from; i < to; i++) {
        const d = answers[i].data;
        if (d === null || d === undefined) this.deps_.counters.inc('pdns_rdata_unknown');
        else if (vals.indexOf(d) < 0) vals.push(d);
      }
      if (vals.length === 0) return;
      if (vals.length > 1) vals.sort();
      key = first.name + '\u0000' + first.type + '\u0000' + vals.join('\u0000');
    }
    const r = this.index_[key];
    if (r === undefined) this.insert_(key, first.name, first.type, vals, d!, t);
    else {
      // seen_(), written out: a call costs ~400 instructions in qjs
      if (t < this.first_[r]) this.first_[r] = t;
      if (t > this.last_[r]) this.last_[r] = t;
      this.count_[r]++;
    }
  }

  /**
   * A new record for key, seen once at t, its rdata `vals` (null: the one value `d`); flushes
   * first when the table is full.
   */
  private insert_(key: string, rrname: string, rrtype: string, vals: string[] | null, d: string, t: number): void {
    const max = this.deps_.maxRecords ?? 20000;
    if (this.n_ >= max) {
      this.deps_.counters.inc('pdns_early_flush');
      this.flush();
    }
    const r = this.n_++;
    if (r >= this.first_.length) this.grow_(Math.max(r + 1, Math.min(max, r + STEP)));
    this.index_[key] = r;
    this.first_[r] = t;
    this.last_[r] = t;
    this.count_[r] = 1;
    const nl = rrname.length;
    const tl = rrtype.length;
    // A NUL inside a value would split it at flush: such records keep their fields aside.
    let odd = nl > 0xffff || tl > 0xff;
    if (vals === null) odd ||= d.indexOf('\u0000') >= 0;
    else for (let i = 0; i < vals.length && !odd; i++) odd = vals[i].indexOf('\u0000') >= 0;
    if (odd) (this.odd_ ??= new Map()).set(r, [rrname, rrtype, vals === null ? [d] : vals.slice()]);
    else {
      this.nameLen_[r] = nl;
      this.typeLen_[r] = tl;
    }
  }

  private seen_(r: number, t: number): void {
    if (t < this.first_[r]) this.first_[r] = t;
    if (t > this.last_[r]) this.last_[r] = t;
    this.count_[r]++;
  }

  /** Room for `size` records; what is held is kept. */
  private grow_(size: number): void {
    const f = new Float64Array(size);
    f.set(this.first_);
    this.first_ = f;
    const l = new Float64Array(size);
    l.set(this.last_);
    this.last_ = l;
    const c = new Uint32Array(size);
    c.set(this.count_);
    this.count_ = c;
    const nl = new Uint16Array(size);
    nl.set(this.nameLen_);
    this.nameLen_ = nl;
    const tl = new Uint8Array(size);
    tl.set(this.typeLen_);
    this.typeLen_ = tl;
  }

  /** Any order of answers: group by (name, type) first, in order of first appearance. */
  private learnGrouped_(ev: DnsEvent): void {
    const answers = ev.answers;
    const c = this.deps_.counters;
    const groups = this.groups_;
    groups.clear();
    for (let i = 0; i < answers.length; i++) {
      const a = answers[i];
      if (a.data === null || a.data === undefined) {
        c.inc('pdns_rdata_unknown');
        continue;
      }
      const key = a.name + '\u0000' + a.type;
      const g = groups.get(key);
      if (g === undefined) groups.set(key, { name: a.name, type: a.type, data: [a.data] });
      else if (g.data.indexOf(a.data) < 0) g.data.push(a.data);
    }
    const t = Math.floor(ev.ts);
    groups.forEach((g, nt) => {
      const data = g.data;
      if (data.length > 1) data.sort();
      const key = nt + '\u0000' + data.join('\u0000');
      const r = this.index_[key];
      if (r === undefined) this.insert_(key, g.name, g.type, data, '', t);
      else this.seen_(r, t);
    });
  }

  /** Ends the window when windowSec has passed since it began; call about once a second. */
  tick(nowSec: number): void {
    if (this.windowStart_ < 0) this.windowStart_ = nowSec;
    else if (nowSec - this.windowStart_ >= (this.deps_.windowSec ?? 3600)) {
      this.flush();
      this.windowStart_ = nowSec;
    }
  }

  /** Emits every record, in the order they were made, and starts an empty window. */
  flush(): void {
    const index = this.index_;
    const n = this.n_;
    const odd = this.odd_;
    this.index_ = Object.create(null) as Record<string, number>;
    this.n_ = 0;
    this.odd_ = null;
    const sensor = this.deps_.sensor;
    let r = 0;
    for (const key in index) {
      let rrname: string;
      let rrtype: string;
      let rdata: string[];
      const o = odd === null ? undefined : odd.get(r);
      if (o !== undefined) {
        rrname = o[0];
        rrtype = o[1];
        rdata = o[2];
      } else {
        const nl = this.nameLen_[r];
        const tl = this.typeLen_[r];
        rrname = key.slice(0, nl);
        rrtype = key.slice(nl + 1, nl + 1 + tl);
        rdata = key.slice(nl + tl + 2).split('\u0000');
      }
      const last = this.last_[r];
      const ev: PdnsEvent = {
        type: 'pdns', ts: last, sensor, rrname, rrtype, rdata, time_first: this.first_[r], time_last: last,
        count: this.count_[r], sensor_id: sensor,
      };
      r++;
      try {
        this.deps_.emit(ev);
      } catch (e) {
        this.deps_.counters.drop('pdns_emit_failed', 1, String((e as Error).message ?? e));
      }
    }
    this.deps_.counters.inc('pdns_records', n);
  }

  size(): number {
    return this.n_;
  }
}
