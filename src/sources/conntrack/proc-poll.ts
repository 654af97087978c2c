// Reading the whole conntrack table (/proc/net/nf_conntrack; `conntrack -L` text parses the
// same): after a gap in the events and at start, to mend the flow table, and as the polling
// fallback when the `conntrack` tool is missing. A router's table holds tens of thousands of
// lines, so a read is spread over loop turns, `sliceLines` lines a turn, and every line is
// matched at once against the flows already held (HeldFlows: the flow table's mark and sweep)
// instead of being collected into a snapshot: no copy of the table is ever built, and the
// event and log pipes are served between slices.
//
// What polling cannot see: flows that start and end between two polls, and exact start/end
// times (a start comes from delta-time when the kernel stamps flows, else the poll that first
// saw it; an end is the poll that first missed it). The events path has neither limit.

import type { Counters } from '../../counters';
import type { Host, LineReader, TimerHandle } from '../../host/types';
import { parseConntrackList } from './parse';
import { emptyRecord, type CtRecord } from './record';
import { maxOf, minOf } from '../../compat/lang';

/** readEntry: the line's flow is held (now marked), or was adopted. */
export const READ_HELD = 0;
/** readEntry without adopting: the flow is not held (polling reports it as NEW). */
export const READ_NEW = 1;
/** readEntry: an event ended this tuple during the read; the line is stale, skipped. */
export const READ_GONE = 2;

/** The flows a table read is matched against: FlowTable. */
export interface HeldFlows {
  /** Opens a read: held flows count as unseen until a line (or an event) marks them. */
  readBegin(nowSec: number): void;
  /** Readies up to about `max` held flows to be matched by tuple; true when all are. */
  readPrepare(max: number): boolean;
  /** One table line: marks and refreshes its held flow; adopts one not held when `adopt`. */
  readEntry(rec: CtRecord, adopt: boolean): number;
  /**
   * Ends up to about `max` held flows' worth of unseen ones (a gap's: end unknown; a poll's:
   * ended now); true when the read is done.
   */
  readSweep(max: number, poll: boolean): boolean;
  /** Flows the last read's sweep ended. */
  readEnded(): number;
  /** Drops a read without its sweep (what it marked stays held). */
  readAbort(): void;
}

export interface TableReadDeps {
  host: Host;
  counters: Counters;
  flows: HeldFlows;
  /** A poll's line of a flow not held, as a NEW record (reused: do not keep it). */
  onNew: (rec: CtRecord) => void;
  /** Lines per loop turn. Default 100 (~5 ms in qjs here, ~50 ms on a slow router). */
  sliceLines?: number;
}

export interface TableReadResult {
  /** The read got to the end of the table (else it failed: nothing was ended). */
  ok: boolean;
  entries: number;
  started: number;
  ended: number;
}

/**
 * Between slices. Not 0: qjs's loop runs an expired timer before it polls the pipes, so a read
 * that re-armed a 0 ms timer every slice would starve conntrack's and logread's pipes.
 */
const YIELD_MS = 1;

/** One table read at a time; start() while one runs drops it (its sweep never happens). */
export interface TableRead {
  active(): boolean;
  /**
   * Reads `path` a slice at a time, the first slice now. `poll`: flows not held are reported
   * as NEW and unseen ones end now; else (a gap, the start) they are adopted and unseen ones
   * ended with no end time. False when the table cannot be opened (counted).
   */
  start(path: string, poll: boolean, onDone: (r: TableReadResult) => void): boolean;
  /** Closes the table and drops the read (stop, SIGTERM, a new gap). */
  stop(): void;
}

/**
 * `new TableRead(deps)`: a constructor function returning its object, whose state is closure
 * locals (short names in the bundle, where a class's members are `this.x` each time).
 */
export const TableRead = function ({ host, counters, flows, onNew, sliceLines = 100 }: TableReadDeps): TableRead {
  var reader: LineReader | null = null;
  var timer: TimerHandle | null = null;
  var poll = false;
  var nowSec = 0;
  var onDone: ((r: TableReadResult) => void) | null = null;
  var entries = 0;
  var started = 0;
  var prepared = false;
  const scratch = emptyRecord('SNAPSHOT');
  const failed = (e: unknown): false => (counters.drop('conntrack.table_read_failed', 1, String(e)), false);

  const stop = (): void => {
    if (timer) host.clearTimer(timer);
    const r = reader;
    timer = reader = null;
    r?.close();
    if (onDone) flows.readAbort();
    onDone = null;
  };

  const next = (): void => {
    timer = host.setTimeout(slice, YIELD_MS);
  };

  const finish = (ok: boolean): void => {
    const done = onDone;
    const ended = ok ? flows.readEnded() : 0;
    if (!ok) stop();
    onDone = null;
    done?.({ ok, entries, started, ended });
  };

  const slice = (): void => {
    timer = null;
    var n = sliceLines;
    // an index entry costs about an eighth of a line
    if (!prepared && !(prepared = flows.readPrepare(n * 8))) return next();
    var r = reader;
    if (r !== null) {
      try {
        for (var k = 0; k < n; k++) {
          var line = r.next();
          if (line === null) {
            reader = null;
            r.close();
            break;
          }
          var rec = parseConntrackList(line, counters, scratch);
          if (rec === null) continue;
          entries++;
          if (flows.readEntry(rec, !poll) === READ_NEW) {
            rec.kind = 'NEW';
            rec.ts = rec.deltaTime >= 0 ? nowSec - rec.deltaTime : nowSec;
            started++;
            onNew(rec);
          }
        }
      } catch (e) {
        // a read error half way: what it missed cannot be told from what ended
        return finish(failed(e));
      }
      if (reader !== null) return next();
    }
    // an end costs about a line's work: readSweep counts it so
    if (!flows.readSweep(n * 8, poll)) return next();
    finish(true);
  };

  return {
    active: () => onDone !== null,
    start(path, p, done) {
      if (onDone) {
        counters.inc('conntrack.reads_restarted');
        stop();
      }
      try {
        reader = host.openLines(path);
      } catch (e) {
        return failed(e);
      }
      poll = p;
      onDone = done;
      entries = started = 0;
      prepared = false;
      flows.readBegin((nowSec = host.now()));
      slice();
      return true;
    },
    stop,
  };
} as unknown as new (deps: TableReadDeps) => TableRead;

/**
 * Milliseconds until the next poll. Reading the table costs time per entry, so a big table is
 * read less often (`perFlowMs`, default 1 ms per entry: 20k flows → 20 s, about 5% of a slow
 * router's CPU at ~50 µs per line). Within that floor: back to `minMs` while flows churn,
 * doubling towards `maxMs` while the table is quiet.
 */
export function pollIntervalMs(size: number, churn: number, prevMs: number, minMs: number, maxMs: number, perFlowMs = 1): number {
  return minOf(maxMs, maxOf(minMs, size * perFlowMs, churn > 0 ? minMs : prevMs * 2));
}
