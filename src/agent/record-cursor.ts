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
  let pending: R | null = null;
  let lines = 0;
  let done = false;
  const advance = (): void => {
    pending = null;
    while (!done) {
      const line = reader.next();
      if (line === null) {
        done = true;
        reader.close();
        counters.inc(lineCounter, lines);
        return;
      }
      lines++;
      const r = parse(line);
      if (r !== null) {
        pending = r;
        return;
      }
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
    // mergeByTime's lone-cursor loop with advance() written out: one JS call per line fewer
    // than peekTs()/step()/advance().
    runAlone: (onTime) => {
      let last = -Infinity;
      let r = pending;
      pending = null;
      while (r !== null) {
        const ts = r.ts;
        if (!(ts < Infinity)) {
          pending = r; // as mergeByTime: a record without a finite time ends the run
          return;
        }
        if (ts > last + 0.999) {
          last = ts;
          onTime(ts);
        }
        deliver(r);
        r = null;
        while (!done) {
          let line: string | null;
          if (fast != null) {
            line = fast.drive(reader, '');
            lines += fast.read_;
          } else {
            line = reader.next();
            if (line !== null) lines++;
          }
          if (line === null) {
            done = true;
            reader.close();
            counters.inc(lineCounter, lines);
            break;
          }
          r = parse(line);
          if (r !== null) break;
        }
      }
    },
  };
}
