// A TimedCursor over a line reader: parses ahead to the next record so the merge can compare
// timestamps. Lines that are not records were counted by the parser; every line is counted here.
import type { LineReader } from '../host/types';
import type { Counters } from '../counters';
import type { TimedCursor } from './time-merge';

export function recordCursor<R extends { ts: number }>(
  reader: LineReader,
  counters: Counters,
  lineCounter: string,
  parse: (line: string) => R | null,
  deliver: (rec: R) => void,
  /**
   * Optional, for runAlone(): reads on from the reader, taking lines whole (parse and delivery),
   * up to the first it does not take, returned (null at the end); read_ counts the lines read.
   */
  fast?: { drive(reader: LineReader, first: string): string | null; read_: number } | null,
): TimedCursor {
  // var, not let/const: qjs checks a closure's let/const for its dead zone on every read, and
  // advance() runs once per line
  var pending: R | null = null;
  var lines = 0;
  var done = false;
  /** the lane reads only for runAlone(): a merged cursor must stop at each record */
  var lane: typeof fast = null;
  const advance = (): void => {
    pending = null;
    while (!done) {
      var line: string | null;
      if (lane != null) {
        line = lane.drive(reader, '');
        lines += lane.read_;
      } else {
        line = reader.next();
        if (line !== null) lines++;
      }
      if (line === null) {
        done = true;
        reader.close();
        counters.inc(lineCounter, lines);
        return;
      }
      pending = parse(line);
      if (pending !== null) return;
    }
  };
  advance();
  return {
    peekTs: () => (pending === null ? Infinity : pending.ts),
    // Deliver before reading ahead: parsers may reuse one record object for the next line.
    step: () => {
      if (pending !== null) deliver(pending);
      advance();
    },
    // mergeByTime's lone-cursor loop without the per-record peekTs()/step() calls (each call is
    // ~400 instructions in qjs), the lane taking the lines it can between records.
    runAlone: (onTime) => {
      var last = -Infinity;
      lane = fast;
      // as mergeByTime: a record without a finite time ends the run (it stays pending)
      while (pending !== null && pending.ts < Infinity) {
        var ts = pending.ts;
        if (ts > last + 0.999) {
          last = ts;
          onTime(ts);
        }
        deliver(pending);
        advance();
      }
    },
  };
}
