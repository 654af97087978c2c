// The live conntrack source. Primary: a long-running `conntrack -E -o timestamp,extended,id -b N`
// child. Fallback (no conntrack binary, or mode 'proc'): poll /proc/net/nf_conntrack and diff.
// Both paths hand the flow table the same records. onRecord gets a fresh record per line
// unless `holds` is given (FlowTable.holds): then UPDATEs of held flows come without tuples
// (`partial`) and one record object is reused — FlowTable.push does not keep it.
//
// Gaps. conntrack loses events when its netlink buffer overflows (ENOBUFS): older releases
// exit, newer ones print a warning and carry on. Either way events are gone, so we restart it
// with a doubled buffer (up to bufferMaxBytes), with exponential backoff when it keeps dying,
// and once the new child is listening (its "NOTICE: Netlink socket buffer size ..." line, or
// its first event, or after a second) read /proc and hand the snapshot to onSnapshot: the
// flow table reports flows that ended in the gap and adopts ones that began. The same
// reconcile runs at start, to adopt flows that predate us. What cannot be recovered — flows
// that began and ended inside a gap — is bounded by the counted gaps and their length
// (`conntrack.gaps`, `conntrack.gap_ms`).

import type { Counters } from '../../counters';
import type { Child, Host, TimerHandle } from '../../host/types';
import { parseConntrackEvent } from './parse';
import { diffSnapshots, indexSnapshot, pollIntervalMs, readSnapshot } from './proc-poll';
import { emptyRecord, type CtRecord } from './record';

export type ConntrackMode = 'auto' | 'events' | 'proc';

export interface ConntrackSourceDeps {
  host: Host;
  counters: Counters;
  onRecord: (r: CtRecord) => void;
  /** FlowTable.holds: lets the parser skip the tuples of UPDATEs for flows already held. */
  holds?: (id: number) => boolean;
  /** A full table read after a gap (and at start): FlowTable.reconcile. */
  onSnapshot: (recs: CtRecord[], nowSec: number) => void;
  /** Netlink receive buffer for `conntrack -b`, bytes. Default 1 MiB. */
  bufferBytes?: number;
  /** Doubling on ENOBUFS stops here. Default 16 MiB. */
  bufferMaxBytes?: number;
  mode?: ConntrackMode;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** proc mode: poll interval bounds, ms (see pollIntervalMs). Defaults 2000 and 30000. */
  pollMinMs?: number;
  pollMaxMs?: number;
  procPath?: string;
  conntrackBin?: string;
  /**
   * `conntrack -e` mask, e.g. 'NEW,DESTROY': the kernel then sends no UPDATE events at all
   * (fewer lines to parse, fewer ENOBUFS). DESTROY carries the last state, [ASSURED] and the
   * counters, so flow records lose nothing; interim records show the state at NEW. Default:
   * all events.
   */
  eventMask?: string;
}

export interface ConntrackStats {
  mode: 'events' | 'proc' | 'stopped';
  pid: number | null;
  bufferBytes: number;
  restarts: number;
  enobufs: number;
  gaps: number;
  reconciles: number;
  polls: number;
  pollMs: number;
  lastStderr: string;
}

/** A child that ran this long was healthy: its exit restarts quickly again. */
const HEALTHY_RUN_MS = 30_000;
/** Reconcile anyway when a new child says nothing for this long. */
const LISTEN_WAIT_MS = 1_000;

export class ConntrackSource {
  private readonly d: ConntrackSourceDeps;
  private running = false;
  private mode: 'events' | 'proc' | 'stopped' = 'stopped';
  private child: Child | null = null;
  private childStartMs = 0;
  private bufferBytes: number;
  private backoffMs: number;
  private restartTimer: TimerHandle | null = null;
  private listenTimer: TimerHandle | null = null;
  private pollTimer: TimerHandle | null = null;
  private pendingReconcile = false;
  private gapStartMs = -1;
  private prev: Map<string, CtRecord> | null = null;
  private prevPollSec = 0;
  private pollMs: number;
  private readonly scratch = emptyRecord('NEW');
  private s = { restarts: 0, enobufs: 0, gaps: 0, reconciles: 0, polls: 0, lastStderr: '' };

  constructor(deps: ConntrackSourceDeps) {
    this.d = deps;
    this.bufferBytes = deps.bufferBytes ?? 1 << 20;
    this.backoffMs = deps.backoffMinMs ?? 1000;
    this.pollMs = deps.pollMinMs ?? 2000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.pendingReconcile = true; // adopt the flows that predate us
    if (this.d.mode === 'proc') this.startProc();
    else this.spawnEvents();
  }

  stop(): void {
    this.running = false;
    this.mode = 'stopped';
    for (const t of [this.restartTimer, this.listenTimer, this.pollTimer]) if (t) this.d.host.clearTimer(t);
    this.restartTimer = this.listenTimer = this.pollTimer = null;
    const c = this.child;
    this.child = null;
    if (c) c.kill('SIGTERM');
    this.prev = null;
  }

  stats(): ConntrackStats {
    return {
      mode: this.mode,
      pid: this.child ? this.child.pid : null,
      bufferBytes: this.bufferBytes,
      ...this.s,
      pollMs: this.pollMs,
    };
  }

  // ---- events path

  private spawnEvents(): void {
    this.restartTimer = null;
    if (!this.running) return;
    const { host, counters } = this.d;
    const argv = [this.d.conntrackBin ?? 'conntrack', '-E', '-o', 'timestamp,extended,id', '-b', String(this.bufferBytes)];
    if (this.d.eventMask) argv.push('-e', this.d.eventMask);
    let child: Child;
    try {
      child = host.spawn(argv, { stdout: 'lines', stderr: 'lines' });
    } catch (e) {
      counters.drop('conntrack.spawn_failed', 1, String(e));
      if (this.d.mode !== 'events') {
        counters.inc('conntrack.fallback_proc');
        this.startProc();
      } else {
        this.scheduleRestart();
      }
      return;
    }
    this.child = child;
    this.mode = 'events';
    this.childStartMs = host.monotonic();
    if (this.pendingReconcile) this.listenTimer = host.setTimeout(() => this.listening(child), LISTEN_WAIT_MS);
    child.onLine((line, truncated) => {
      if (child !== this.child) return;
      if (truncated) {
        counters.drop('conntrack.line_too_long', 1, line);
        return;
      }
      if (this.pendingReconcile) this.listening(child);
      const holds = this.d.holds;
      const rec = holds ? parseConntrackEvent(line, counters, this.scratch, holds) : parseConntrackEvent(line, counters);
      if (rec === null) return;
      if (rec.ts < 0) rec.ts = host.now(); // started without -o timestamp
      this.d.onRecord(rec);
    });
    child.onStderrLine((line) => this.stderrLine(child, line));
    child.onExit((status) => {
      if (child !== this.child) return;
      this.child = null;
      if (!this.running) return;
      this.s.restarts++;
      counters.inc('conntrack.restarts');
      counters.drop('conntrack.exited', 1, `exit ${status.code ?? 'signal ' + status.signal}${this.s.lastStderr ? ': ' + this.s.lastStderr : ''}`);
      this.openGap();
      this.scheduleRestart();
    });
  }

  private stderrLine(child: Child, line: string): void {
    if (child !== this.child) return;
    const { counters } = this.d;
    if (line.startsWith('NOTICE: Netlink socket buffer size')) {
      // printed once the socket is bound and subscribed: from here on nothing is missed
      if (this.pendingReconcile) this.listening(child);
      return;
    }
    this.s.lastStderr = line.length > 200 ? line.slice(0, 200) : line;
    if (line.indexOf('ENOBUFS') >= 0 || line.indexOf('No buffer space') >= 0) {
      this.s.enobufs++;
      counters.drop('conntrack.enobufs', 1, line);
      this.openGap();
      const max = this.d.bufferMaxBytes ?? 16 << 20;
      if (this.bufferBytes < max) {
        // restart with a bigger buffer; onExit does the restart (no backoff: it is not failing)
        this.bufferBytes = Math.min(max, this.bufferBytes * 2);
        this.backoffMs = this.d.backoffMinMs ?? 1000;
        child.kill('SIGTERM');
      } else {
        this.reconcile(); // at the cap it keeps running: just mend the table
      }
      return;
    }
    if (line.startsWith('This message') || line.startsWith('Please, check')) return; // rest of the warning
    counters.inc('conntrack.stderr_lines');
  }

  private openGap(): void {
    if (this.gapStartMs < 0) {
      this.gapStartMs = this.d.host.monotonic();
      this.s.gaps++;
      this.d.counters.inc('conntrack.gaps');
    }
    this.pendingReconcile = true;
  }

  private scheduleRestart(): void {
    const { host } = this.d;
    const ranMs = host.monotonic() - this.childStartMs;
    const min = this.d.backoffMinMs ?? 1000;
    const max = this.d.backoffMaxMs ?? 60_000;
    if (ranMs >= HEALTHY_RUN_MS) this.backoffMs = min;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(max, this.backoffMs * 2);
    this.restartTimer = host.setTimeout(() => this.spawnEvents(), delay);
  }

  /** The child is subscribed: close the gap with a table read. */
  private listening(child: Child): void {
    if (child !== this.child || !this.pendingReconcile) return;
    if (this.listenTimer) this.d.host.clearTimer(this.listenTimer);
    this.listenTimer = null;
    this.reconcile();
  }

  private reconcile(): void {
    const { host, counters } = this.d;
    this.pendingReconcile = false;
    if (this.gapStartMs >= 0) {
      counters.inc('conntrack.gap_ms', Math.round(host.monotonic() - this.gapStartMs));
      this.gapStartMs = -1;
    }
    const recs = this.readTable();
    if (recs === null) return;
    this.s.reconciles++;
    counters.inc('conntrack.reconciles');
    this.d.onSnapshot(recs, host.now());
  }

  private readTable(): CtRecord[] | null {
    const { host, counters } = this.d;
    const path = this.d.procPath ?? '/proc/net/nf_conntrack';
    try {
      return readSnapshot(host.openLines(path), counters);
    } catch (e) {
      counters.drop('conntrack.table_read_failed', 1, String(e));
      return null;
    }
  }

  // ---- proc path

  private startProc(): void {
    this.mode = 'proc';
    this.prev = null;
    this.poll();
  }

  private poll(): void {
    this.pollTimer = null;
    if (!this.running) return;
    const { host, counters } = this.d;
    const now = host.now();
    const recs = this.readTable();
    let churn = 0;
    let size = this.prev ? this.prev.size : 0;
    if (recs !== null) {
      this.s.polls++;
      counters.inc('conntrack.polls');
      const next = indexSnapshot(recs);
      size = next.size;
      if (this.prev === null) {
        // first look: these flows predate us, adopt them (start from delta-time or unknown)
        this.d.onSnapshot(recs, now);
        churn = 1;
      } else {
        const diff = diffSnapshots(this.prev, next);
        const since = now - this.prevPollSec;
        for (const r of diff.ended) {
          r.kind = 'DESTROY';
          r.ts = now;
          if (r.deltaTime >= 0) r.deltaTime += Math.round(since);
          this.d.onRecord(r);
        }
        for (const r of diff.started) {
          r.kind = 'NEW';
          r.ts = r.deltaTime >= 0 ? now - r.deltaTime : now;
          this.d.onRecord(r);
        }
        for (const r of diff.changed) {
          r.kind = 'UPDATE';
          r.ts = now;
          this.d.onRecord(r);
        }
        churn = diff.started.length + diff.ended.length;
      }
      this.prev = next;
      this.prevPollSec = now;
    }
    const o = { size, churn, prevMs: this.pollMs, minMs: this.d.pollMinMs ?? 2000, maxMs: this.d.pollMaxMs ?? 30_000 };
    this.pollMs = pollIntervalMs(o);
    this.pollTimer = host.setTimeout(() => this.poll(), this.pollMs);
  }
}
