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
import { MESSAGE_SKIPS, messageReader } from './message';
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

export interface DnsmasqLineParser {
  /** Shared with the fast lane (src/pipeline/dns-fast-line.ts): one stamp cache, one year rule. */
  readonly framing_: DnsmasqFraming;
  /** dnsmasq.records, counted once per line: a cell, not an inc() call. */
  readonly records_: CounterCell;
  parse(line: string): DnsLogRecord | null;
}

/** `new DnsmasqLineParser(deps)`: a constructor function returning its object (state in closure locals). */
export const DnsmasqLineParser = function ({ counters, format, year, utcOffsetMin_, now_ }: DnsmasqLineParserDeps): DnsmasqLineParser {
  const records_ = counters.cell('dnsmasq.records');
  const framing_ = framingFor(format, { year_: year, utcOffsetMin_, now_ });
  const read = messageReader(counters);
  return {
    framing_,
    records_,
    parse(line) {
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
      const f = framing_;
      if (!f.frame(line, end)) {
        const why = f.skip_;
        if (why === 'other_program' || why === 'not_dns') counters.inc('dnsmasq.ignored.' + why);
        else counters.drop('dnsmasq.' + why, 1, line);
        return null;
      }
      const start = f.start;
      const rec = read(line, start, end, f.ts, f.pid);
      if (typeof rec !== 'number') {
        records_.n++;
        return rec;
      }
      // unknown_message and truncated are drops, the others ignored
      if (rec < 2) {
        counters.drop('dnsmasq.' + MESSAGE_SKIPS[rec], 1, line);
      } else {
        counters.inc('dnsmasq.ignored.' + MESSAGE_SKIPS[rec]);
        if (rec === 2 && line.startsWith('overflow: ', start)) {
          const n = parseInt(line.slice(start + 10, end), 10);
          if (n > 0) counters.inc('dnsmasq_entries_lost', n);
        }
      }
      return null;
    },
  };
} as unknown as new (deps: DnsmasqLineParserDeps) => DnsmasqLineParser;
