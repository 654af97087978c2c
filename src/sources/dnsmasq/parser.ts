// One dnsmasq log line -> a DnsLogRecord, or a counted skip. Never throws on input text.
// The record returned is reused by the next parse(): consume it at once or copyRecord() it.
//
// Every line fed lands in exactly one counter:
//   dnsmasq.records                 a record was returned
//   dnsmasq.ignored.<why>           not a query-log line, on purpose: blank, other_program
//                                   (shared logread), not_dns (dnsmasq-dhcp/-tftp/-script),
//                                   lifecycle (startup, reload, statistics), ipset, opcode
//   drop dnsmasq.<why>              not understood: bad_framing, bad_timestamp, too_long,
//                                   truncated, unknown_message, framing_mismatch (not the
//                                   framing log_format forces) (the first sample is kept)
// Besides: dnsmasq.names_cut (names cut to MAX_NAME, record kept) and
// dnsmasq_entries_lost (dnsmasq's own `overflow: N log entries lost`, summed N).
import type { CounterCell, Counters } from '../../counters';
import { framingFor, type DnsmasqFraming, type LogFormat } from './framing';
import { DnsmasqMessageParser } from './message';
import type { DnsLogRecord } from './record';
import { MAX_LINE } from './record';

export interface DnsmasqLineParserDeps {
  counters: Counters;
  /** dnsmasq.log_format; default 'auto' (any framing, line by line). */
  format?: LogFormat;
  /** Year for year-less stamps (classic syslog, --log-facility); default inferred from now(). */
  year?: number;
  /** Minutes east of UTC of the clock that wrote the log; default 0. */
  utcOffsetMin_?: number;
  /** Wall clock in epoch seconds, for year inference only. */
  now_?: () => number;
}

export class DnsmasqLineParser {
  /** Shared with the fast lane (src/pipeline/dns-fast-line.ts): one stamp cache, one year rule. */
  readonly framing_: DnsmasqFraming;
  private readonly message_ = new DnsmasqMessageParser();
  private namesCut_ = 0;
  /** dnsmasq.records, counted once per line: a cell, not an inc() call. */
  readonly records_: CounterCell;

  private readonly deps_: DnsmasqLineParserDeps;

  constructor(deps_: DnsmasqLineParserDeps) {
    this.deps_ = deps_;
    this.records_ = deps_.counters.cell('dnsmasq.records');
    this.framing_ = framingFor(deps_.format, { year_: deps_.year, utcOffsetMin_: deps_.utcOffsetMin_, now_: deps_.now_ });
  }

  parse(line: string): DnsLogRecord | null {
    const counters = this.deps_.counters;
    let end = line.length;
    if (end > MAX_LINE) {
      counters.drop('dnsmasq.too_long', 1, line);
      return null;
    }
    if (end > 0 && line.charCodeAt(end - 1) === 13) end--; // CRLF files
    if (end === 0) {
      counters.inc('dnsmasq.ignored.blank');
      return null;
    }
    const m = this.message_;
    const f = this.framing_;
    if (!f.frame(line, end)) {
      const why = f.skip_;
      if (why === 'other_program' || why === 'not_dns') counters.inc('dnsmasq.ignored.' + why);
      else counters.drop('dnsmasq.' + why, 1, line);
      return null;
    }
    const rec = m.parse_(line, f.start, end, f.ts, f.pid);
    if (rec !== null) {
      this.records_.n++;
      if (m.namesCut_ !== this.namesCut_) {
        counters.inc('dnsmasq.names_cut', m.namesCut_ - this.namesCut_);
        this.namesCut_ = m.namesCut_;
      }
      return rec;
    }
    const why = m.skip_;
    if (why === 'unknown_message' || why === 'truncated') {
      counters.drop('dnsmasq.' + why, 1, line);
    } else {
      counters.inc('dnsmasq.ignored.' + why);
      const start = f.start;
      if (why === 'lifecycle' && line.startsWith('overflow: ', start)) {
        const n = parseInt(line.slice(start + 10, end), 10);
        if (n > 0) counters.inc('dnsmasq_entries_lost', n);
      }
    }
    return null;
  }
}
