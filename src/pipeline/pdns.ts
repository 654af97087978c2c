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

export class PassiveDns {
  // Records are the events they will be emitted as (ts is set at flush): one object per record.
  private table_ = new Map<string, PdnsEvent>();
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
    const nt = first.name + '\u0000' + first.type;
    let key: string;
    let single: string | null = null;
    if (to - from === 1) {
      // The common case: one record, no set to build.
      const d = first.data;
      if (d === null || d === undefined) {
        this.deps_.counters.inc('pdns_rdata_unknown');
        return;
      }
      single = d;
      key = nt + '\u0000' + d;
    } else {
      const vals = this.vals_;
      vals.length = 0;
      for (let i = from; i < to; i++) {
        const d = answers[i].data;
        if (d === null || d === undefined) this.deps_.counters.inc('pdns_rdata_unknown');
        else if (vals.indexOf(d) < 0) vals.push(d);
      }
      if (vals.length === 0) return;
      if (vals.length > 1) vals.sort();
      key = nt + '\u0000' + vals.join('\u0000');
    }
    let r = this.table_.get(key);
    if (r === undefined) {
      const rdata = single !== null ? [single] : this.vals_.slice();
      r = this.insert_(key, first.name, first.type, rdata, t);
    }
    if (t < r.time_first) r.time_first = t;
    if (t > r.time_last) r.time_last = t;
    r.count++;
  }

  private insert_(key: string, rrname: string, rrtype: string, rdata: string[], t: number): PdnsEvent {
    if (this.table_.size >= (this.deps_.maxRecords ?? 20000)) {
      this.deps_.counters.inc('pdns_early_flush');
      this.flush();
    }
    const sensor = this.deps_.sensor;
    const r: PdnsEvent = {
      type: 'pdns', ts: t, sensor, rrname, rrtype, rdata, time_first: t, time_last: t, count: 0, sensor_id: sensor,
    };
    this.table_.set(key, r);
    return r;
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
      let r = this.table_.get(key);
      if (r === undefined) r = this.insert_(key, g.name, g.type, data, t);
      if (t < r.time_first) r.time_first = t;
      if (t > r.time_last) r.time_last = t;
      r.count++;
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

  /** Emits every record and starts an empty window. */
  flush(): void {
    const table = this.table_;
    this.table_ = new Map();
    for (const ev of table.values()) {
      ev.ts = ev.time_last;
      try {
        this.deps_.emit(ev);
      } catch (e) {
        this.deps_.counters.drop('pdns_emit_failed', 1, String((e as Error).message ?? e));
      }
    }
    this.deps_.counters.inc('pdns_records', table.size);
  }

  size(): number {
    return this.table_.size;
  }
}
