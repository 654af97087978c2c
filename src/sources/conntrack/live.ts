// The live conntrack source. Primary: a long-running `conntrack -E -o timestamp,extended,id -b N`
// child. Fallback (no conntrack binary, or mode 'proc'): poll /proc/net/nf_conntrack, a sliced
// table read matched against the flow table (proc-poll.ts). Both paths give the same flows. onRecord gets a fresh record per line
// unless `holds` is given (FlowTable.holds): then UPDATEs of held flows come without tuples
// (`partial`) and one record object is reused — FlowTable.push does not keep it.
//
// Gaps. conntrack loses events when its netlink buffer overflows (ENOBUFS): older releases
// exit, newer ones print a warning and carry on. Either way events are gone, so we restart it
// with a doubled buffer (up to bufferMaxBytes), with exponential backoff when it keeps dying,
// and once the new child is listening (its "NOTICE: Netlink socket buffer size ..." line, or
// its first event, or after a second) read /proc into the flow table (`table`), a slice a loop
// turn while the new child's events go on: the table reports flows that ended in the gap and
// adopts ones that began. The same reconcile runs at start, to adopt flows that predate us;
// a new gap during a read drops it, and the next child's reconcile reads again. What cannot be recovered — flows
// that began and ended inside a gap — is bounded by the counted gaps and their length
// (`conntrack.gaps`, `conntrack.gap_ms`).

import type { Counters } from '../../counters';
import type { Child, Host, TimerHandle } from '../../host/types';
import { parseConntrackEvent } from './parse';
import { pollIntervalMs, TableRead, type HeldFlows, type TableReadResult } from './proc-poll';
import { emptyRecord, type CtRecord } from './record';
import type { NetledgerConfig } from '../../config/schema';
import { minOf } from '../../compat/lang';

/**
 * The conntrack config section's mode, netlink_buffer (bytes: `conntrack -b`), restart backoff
 * and /proc poll bounds (seconds; see pollIntervalMs) are read as they are: the agent spreads the
 * section into the deps.
 */
type Section = Pick<NetledgerConfig['conntrack'],
  'mode' | 'netlink_buffer' | 'restart_backoff_min' | 'restart_backoff_max' | 'proc_poll_min' | 'proc_poll_max'>;

export interface ConntrackSourceDeps extends Section {
  host: Host;
  counters: Counters;
  onRecord: (r: CtRecord) => void;
  /** FlowTable.holds: lets the parser skip the tuples of UPDATEs for flows already held. */
  holds?: (id: number) => boolean;
  /** What table reads (after a gap, at start, each poll) are matched against: the FlowTable. */
  table: HeldFlows;
  /** Table lines read per loop turn. Default 100. */
  sliceLines_?: number;
  /** Doubling on ENOBUFS stops here. Default 16 MiB. */
  bufferMaxBytes?: number;
  procPath?: string;
  conntrackBin?: string;
  /**
   * `conntrack -e` mask, e.g. 'NEW,DESTROY': the kernel then sends no UPDATE events at all
   * (fewer lines to parse, fewer ENOBUFS). DESTROY carries the last state, [ASSURED] and the
   * counters, so flow records lose nothing; interim records show the state at NEW. Default:
   * all events.
   */
  eventMask_?: string;
}

/**
 * What status.json's conntrack source shows, and the buffer and poll interval in use. The counts
 * (gaps, reconciles, polls, enobufs drops) are the Counters' own, under conntrack.*.
 */
export interface ConntrackStats {
  mode: 'events' | 'proc' | 'stopped';
  pid: number | null;
  bufferBytes: number;
  restarts: number;
  pollMs: number;
  lastStderr: string;
}


export interface ConntrackSource {
  start(): void;
  stop(): void;
  /** A table read is in progress. */
  reading(): boolean;
  stats_(): ConntrackStats;
}

/**
 * `new ConntrackSource(deps)`: a constructor function that returns its object (so `new` gives
 * that object), whose state is the closure's locals: in the bundle they are short names, where a
 * class's members are `this.x` each time. `var`: the line callback reads them per event, and qjs
 * checks let/const for their dead zone on every read.
 */
export const ConntrackSource = function (d: ConntrackSourceDeps): ConntrackSource {
  const { host, counters, holds, onRecord } = d;
  const minBackoff = d.restart_backoff_min * 1000;
  const minPoll = d.proc_poll_min * 1000;
  const procPath = d.procPath ?? '/proc/net/nf_conntrack';
  var running = false;
  var mode: ConntrackStats['mode'] = 'stopped';
  var child: Child | null = null;
  var childStartMs = 0;
  var bufferBytes = d.netlink_buffer;
  var backoffMs = minBackoff;
  /** The child was stopped for a bigger buffer after ENOBUFS: restart without waiting. */
  var restartNow = false;
  /** the next restart (events) or poll (proc): never both, the modes exclude each other */
  var timer: TimerHandle | null = null;
  var listenTimer: TimerHandle | null = null;
  var pendingReconcile = false;
  var gapStartMs = -1;
  /** proc mode: the first poll adopts what predates us; later ones report NEW and ends. */
  var polled = false;
  var pollMs = minPoll;
  var lastStderr = '';
  const scratch = emptyRecord('NEW');
  const read = new TableRead({ host, counters, flows: d.table, onNew: onRecord, sliceLines: d.sliceLines_ });

  // ---- events path

  const spawnEvents = (): void => {
    timer = null;
    if (!running) return;
    const argv = [d.conntrackBin ?? 'conntrack', '-E', '-o', 'timestamp,extended,id', '-b', String(bufferBytes)];
    if (d.eventMask_) argv.push('-e', d.eventMask_);
    let c: Child;
    try {
      c = host.spawn(argv, { stdout: 'lines', stderr: 'lines' });
    } catch (e) {
      counters.drop('conntrack.spawn_failed', 1, String(e));
      if (d.mode === 'events') return scheduleRestart();
      counters.inc('conntrack.fallback_proc');
      return poll();
    }
    child = c;
    mode = 'events';
    childStartMs = host.monotonic();
    // reconcile anyway when the new child says nothing for a second
    if (pendingReconcile) listenTimer = host.setTimeout(() => listening(c), 1000);
    c.onLine((line, truncated) => {
      if (c !== child) return;
      if (truncated) return counters.drop('conntrack.line_too_long', 1, line);
      if (pendingReconcile) listening(c);
      var rec = parseConntrackEvent(line, counters, holds && scratch, holds);
      if (rec === null) return;
      if (rec.ts < 0) rec.ts = host.now(); // started without -o timestamp
      onRecord(rec);
    });
    c.onStderrLine((line) => {
      if (c !== child) return;
      if (line.startsWith('NOTICE: Netlink socket buffer size')) {
        // printed once the socket is bound and subscribed: from here on nothing is missed
        return listening(c);
      }
      lastStderr = line.slice(0, 200);
      if (line.includes('ENOBUFS') || line.includes('No buffer space')) {
        counters.drop('conntrack.enobufs', 1, line);
        openGap();
        const max = d.bufferMaxBytes ?? 16 << 20;
        if (bufferBytes < max) {
          // restart with a bigger buffer; onExit does the restart at once (it is not failing, and
          // every millisecond without a listening child is a blind gap: flows that begin and end
          // in it are never seen)
          bufferBytes = minOf(max, bufferBytes * 2);
          backoffMs = minBackoff;
          restartNow = true;
          c.kill('SIGTERM');
        } else {
          reconcile(); // at the cap it keeps running: just mend the table
        }
      } else if (!line.startsWith('This message') && !line.startsWith('Please, check')) {
        counters.inc('conntrack.stderr_lines'); // (those two are the rest of the warning)
      }
    });
    c.onExit((status) => {
      if (c !== child) return;
      child = null;
      if (!running) return;
      counters.inc('conntrack.restarts');
      counters.drop('conntrack.exited', 1, `exit ${status.code ?? 'signal ' + status.signal}${lastStderr ? ': ' + lastStderr : ''}`);
      openGap();
      scheduleRestart();
    });
  };

  const openGap = (): void => {
    // events are lost again: what a read in progress marked may have ended since
    if (read.active()) {
      counters.inc('conntrack.reads_restarted');
      read.stop();
    }
    if (gapStartMs < 0) {
      gapStartMs = host.monotonic();
      counters.inc('conntrack.gaps');
    }
    pendingReconcile = true;
  };

  const scheduleRestart = (): void => {
    // a child that ran 30 s was healthy: its exit restarts quickly again
    if (host.monotonic() - childStartMs >= 30_000) backoffMs = minBackoff;
    let delay = 0;
    if (restartNow) restartNow = false;
    else {
      delay = backoffMs;
      backoffMs = minOf(d.restart_backoff_max * 1000, delay * 2);
    }
    timer = host.setTimeout(spawnEvents, delay);
  };

  /** The child is subscribed: close the gap with a table read. */
  const listening = (c: Child): void => {
    if (c !== child || !pendingReconcile) return;
    if (listenTimer) host.clearTimer(listenTimer);
    listenTimer = null;
    reconcile();
  };

  const reconcile = (): void => {
    pendingReconcile = false;
    if (gapStartMs >= 0) {
      counters.inc('conntrack.gap_ms', Math.round(host.monotonic() - gapStartMs));
      gapStartMs = -1;
    }
    read.start(procPath, false, (r) => {
      if (r.ok) counters.inc('conntrack.reconciles');
    });
  };

  // ---- proc path

  const poll = (): void => {
    timer = null;
    if (!running) return;
    mode = 'proc';
    // the first look adopts: these flows predate us (start from delta-time or unknown)
    const first = !polled;
    if (!read.start(procPath, !first, (r) => pollDone(r, first))) pollDone(null, first);
  };

  /** Schedules the next poll from what this one saw (null: the table could not be read). */
  const pollDone = (r: TableReadResult | null, first: boolean): void => {
    let size = 0;
    let churn = 0;
    if (r?.ok) {
      counters.inc('conntrack.polls');
      size = r.entries;
      churn = first ? 1 : r.started + r.ended;
      polled = true;
    }
    pollMs = pollIntervalMs(size, churn, pollMs, minPoll, d.proc_poll_max * 1000);
    if (running) timer = host.setTimeout(poll, pollMs);
  };

  return {
    start() {
      if (running) return;
      running = true;
      pendingReconcile = true; // adopt the flows that predate us
      polled = false;
      if (d.mode === 'proc') poll();
      else spawnEvents();
    },
    stop() {
      const c = child;
      running = false;
      mode = 'stopped';
      if (timer) host.clearTimer(timer);
      if (listenTimer) host.clearTimer(listenTimer);
      timer = listenTimer = child = null;
      c?.kill('SIGTERM');
      read.stop();
    },
    reading: () => read.active(),
    stats_: () => ({
      mode,
      pid: child?.pid ?? null,
      bufferBytes,
      restarts: counters.get('conntrack.restarts'),
      lastStderr,
      pollMs,
    }),
  };
} as unknown as new (deps: ConntrackSourceDeps) => ConntrackSource;
