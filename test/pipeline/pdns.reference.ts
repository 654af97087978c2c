// PassiveDns as it was before the run-based fast path (commit 1971b5b), kept only as the
// reference model of the differential fuzz in pdns.cases.ts: the same events through both must
// emit the same records in the same order, with the same counters.
import type { DnsEvent, PdnsEvent } from '../../src/events';
import type { Counters } from '../../src/counters';

interface PassiveDnsDeps {
  sensor: string;
  counters: Counters;
  emit: (ev: PdnsEvent) => void;
  /** Aggregation window, default 3600 s, measured in tick() time. */
  windowSec?: number;
  /** Records held at once, default 20000. */
  maxRecords?: number;
}

interface Rec {
  rrname: string;
  rrtype: string;
  rdata: string[];
  first: number;
  last: number;
  count: number;
}

export class ReferencePassiveDns {
  private table = new Map<string, Rec>();
  private windowStart = -1;
  // Scratch for grouping one event's answers by (name, type); reused to spare allocations.
  private readonly groups = new Map<string, string[]>();

  constructor(private readonly deps: PassiveDnsDeps) {}

  learn(ev: DnsEvent): void {
    const answers = ev.answers;
    if (!answers || answers.length === 0) return;
    const c = this.deps.counters;
    if (ev.blocked) {
      c.inc('pdns_skipped_blocked');
      return;
    }
    if (ev.rcode !== undefined && ev.rcode !== 'NOERROR') return;
    const groups = this.groups;
    groups.clear();
    for (let i = 0; i < answers.length; i++) {
      const a = answers[i];
      if (a.data === null || a.data === undefined) {
        c.inc('pdns_rdata_unknown');
        continue;
      }
      const key = a.name + '\u0000' + a.type;
      const g = groups.get(key);
      if (g === undefined) groups.set(key, [a.data]);
      else if (g.indexOf(a.data) < 0) g.push(a.data);
    }
    const t = Math.floor(ev.ts);
    for (const [nt, data] of groups) {
      if (data.length > 1) data.sort();
      const key = nt + '\u0000' + data.join('\u0000');
      let r = this.table.get(key);
      if (r === undefined) {
        if (this.table.size >= (this.deps.maxRecords ?? 20000)) {
          c.inc('pdns_early_flush');
          this.flush();
        }
        const sep = nt.indexOf('\u0000');
        r = { rrname: nt.slice(0, sep), rrtype: nt.slice(sep + 1), rdata: data, first: t, last: t, count: 0 };
        this.table.set(key, r);
      }
      if (t < r.first) r.first = t;
      if (t > r.last) r.last = t;
      r.count++;
    }
  }

  /** Ends the window when windowSec has passed since it began; call about once a second. */
  tick(nowSec: number): void {
    if (this.windowStart < 0) this.windowStart = nowSec;
    else if (nowSec - this.windowStart >= (this.deps.windowSec ?? 3600)) {
      this.flush();
      this.windowStart = nowSec;
    }
  }

  /** Emits every record and starts an empty window. */
  flush(): void {
    const table = this.table;
    this.table = new Map();
    const sensor = this.deps.sensor;
    for (const r of table.values()) {
      const ev: PdnsEvent = {
        type: 'pdns', ts: r.last, sensor, rrname: r.rrname, rrtype: r.rrtype, rdata: r.rdata,
        time_first: r.first, time_last: r.last, count: r.count, sensor_id: sensor,
      };
      try {
        this.deps.emit(ev);
      } catch (e) {
        this.deps.counters.drop('pdns_emit_failed', 1, String((e as Error).message ?? e));
      }
    }
    this.deps.counters.inc('pdns_records', table.size);
  }

  size(): number {
    return this.table.size;
  }
}
