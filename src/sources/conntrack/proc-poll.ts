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
export class TableRead {
  private readonly d_: TableReadDeps;
  private reader_: LineReader | null = null;
  private timer_: TimerHandle | null = null;
  private poll_ = false;
  private nowSec_ = 0;
  private onDone_: ((r: TableReadResult) => void) | null = null;
  private entries_ = 0;
  private started_ = 0;
  private prepared_ = false;
  private readonly scratch_ = emptyRecord('SNAPSHOT');

  constructor(deps: TableReadDeps) {
    this.d_ = deps;
  }

  active(): boolean {
    return this.onDone_ !== null;
  }

  /**
   * Reads `path` a slice at a time, the first slice now. `poll`: flows not held are reported
   * as NEW and unseen ones end now; else (a gap, the start) they are adopted and unseen ones
   * ended with no end time. False when the table cannot be opened (counted).
   */
  start(path: string, poll: boolean, onDone: (r: TableReadResult) => void): boolean {
    const { host, counters } = this.d_;
    if (this.active()) {
      counters.inc('conntrack.reads_restarted');
      this.stop();
    }
    try {
      this.reader_ = host.openLines(path);
    } catch (e) {
      counters.drop('conntrack.table_read_failed', 1, String(e));
      return false;
    }
    this.poll_ = poll;
    this.nowSec_ = host.now();
    this.onDone_ = onDone;
    this.entries_ = this.started_ = 0;
    this.prepared_ = false;
    this.d_.flows.readBegin(this.nowSec_);
    this.slice_();
    return true;
  }

  /** Closes the table and drops the read (stop, SIGTERM, a new gap). */
  stop(): void {
    if (this.timer_) this.d_.host.clearTimer(this.timer_);
    this.timer_ = null;
    const r = this.reader_;
    this.reader_ = null;
    if (r) r.close();
    if (this.onDone_ !== null) this.d_.flows.readAbort();
    this.onDone_ = null;
  }

  private slice_(): void {
    this.timer_ = null;
    const { counters, flows } = this.d_;
    const n = this.d_.sliceLines ?? 100;
    if (!this.prepared_) {
      // an index entry costs about an eighth of a line
      if (!flows.readPrepare(n * 8)) return this.next_();
      this.prepared_ = true;
    }
    const r = this.reader_;
    if (r !== null) {
      try {
        for (let k = 0; k < n; k++) {
          const line = r.next();
          if (line === null) {
            this.reader_ = null;
            r.close();
            break;
          }
          const rec = parseConntrackList(line, counters, this.scratch_);
          if (rec === null) continue;
          this.entries_++;
          if (flows.readEntry(rec, !this.poll_) === READ_NEW) {
            rec.kind = 'NEW';
            rec.ts = rec.deltaTime >= 0 ? this.nowSec_ - rec.deltaTime : this.nowSec_;
            this.started_++;
            this.d_.onNew(rec);
          }
        }
      } catch (e) {
        // a read error half way: what it missed cannot be told from what ended
        counters.drop('conntrack.table_read_failed', 1, String(e));
        return this.finish_(false);
      }
      if (this.reader_ !== null) return this.next_();
    }
    // an end costs about a line's work: readSweep counts it so
    if (!flows.readSweep(n * 8, this.poll_)) return this.next_();
    this.finish_(true);
  }

  private next_(): void {
    this.timer_ = this.d_.host.setTimeout(() => this.slice_(), YIELD_MS);
  }

  private finish_(ok: boolean): void {
    const done = this.onDone_;
    const ended = ok ? this.d_.flows.readEnded() : 0;
    if (!ok) this.stop();
    this.onDone_ = null;
    if (done) done({ ok, entries: this.entries_, started: this.started_, ended });
  }
}

/**
 * Milliseconds until the next poll. Reading the table costs time per entry, so a big table is
 * read less often (`perFlowMs`, default 1 ms per entry: 20k flows → 20 s, about 5% of a slow
 * router's CPU at ~50 µs per line). Within that floor: back to `minMs` while flows churn,
 * doubling towards `maxMs` while the table is quiet.
 */
export function pollIntervalMs(o: { size: number; churn: number; prevMs: number; minMs: number; maxMs: number; perFlowMs?: number }): number {
  const floor = Math.max(o.minMs, o.size * (o.perFlowMs ?? 1));
  const wanted = o.churn > 0 ? o.minMs : Math.max(o.minMs, o.prevMs * 2);
  return Math.min(o.maxMs, Math.max(floor, wanted));
}
