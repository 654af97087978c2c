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

export type ConntrackMode = 'auto' | 'events' | 'proc';

export interface ConntrackSourceDeps {
  host: Host;
  counters: Counters;
  onRecord: (r: CtRecord) => void;
  /** FlowTable.holds: lets the parser skip the tuples of UPDATEs for flows already held. */
  holds?: (id: number) => boolean;
  /** What table reads (after a gap, at start, each poll) are matched against: the FlowTable. */
  table: HeldFlows;
  /** Table lines read per loop turn. Default 100. */
  sliceLines_?: number;
  /** Netlink receive buffer for `conntrack -b`, bytes. Default 1 MiB. */
  bufferBytes?: number;
  /** Doubling on ENOBUFS stops here. Default 16 MiB. */
  bufferMaxBytes?: number;
  mode?: ConntrackMode;
  backoffMinMs_?: number;
  backoffMaxMs_?: number;
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
  eventMask_?: string;
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
  private readonly d_: ConntrackSourceDeps;
  private running_ = false;
  private mode_: 'events' | 'proc' | 'stopped' = 'stopped';
  private child_: Child | null = null;
  private childStartMs_ = 0;
  private bufferBytes_: number;
  private backoffMs_: number;
  /** The child was stopped for a bigger buffer after ENOBUFS: restart without waiting. */
  private restartNow_ = false;
  private restartTimer_: TimerHandle | null = null;
  private listenTimer_: TimerHandle | null = null;
  private pollTimer_: TimerHandle | null = null;
  private pendingReconcile_ = false;
  private gapStartMs_ = -1;
  private readonly read_: TableRead;
  /** proc mode: the first poll adopts what predates us; later ones report NEW and ends. */
  private polled_ = false;
  private pollMs_: number;
  private readonly scratch_ = emptyRecord('NEW');
  private s_ = { restarts: 0, enobufs: 0, gaps: 0, reconciles: 0, polls: 0, lastStderr: '' };

  constructor(deps: ConntrackSourceDeps) {
    this.d_ = deps;
    this.bufferBytes_ = deps.bufferBytes ?? 1 << 20;
    this.backoffMs_ = deps.backoffMinMs_ ?? 1000;
    this.pollMs_ = deps.pollMinMs ?? 2000;
    this.read_ = new TableRead({ host: deps.host, counters: deps.counters, flows: deps.table, onNew: deps.onRecord, sliceLines: deps.sliceLines_ });
  }

  start(): void {
    if (this.running_) return;
    this.running_ = true;
    this.pendingReconcile_ = true; // adopt the flows that predate us
    if (this.d_.mode === 'proc') this.startProc_();
    else this.spawnEvents_();
  }

  stop(): void {
    this.running_ = false;
    this.mode_ = 'stopped';
    for (const t of [this.restartTimer_, this.listenTimer_, this.pollTimer_]) if (t) this.d_.host.clearTimer(t);
    this.restartTimer_ = this.listenTimer_ = this.pollTimer_ = null;
    const c = this.child_;
    this.child_ = null;
    if (c) c.kill('SIGTERM');
    this.read_.stop();
  }

  /** A table read is in progress. */
  reading(): boolean {
    return this.read_.active();
  }

  stats_(): ConntrackStats {
    return {
      mode: this.mode_,
      pid: this.child_ ? this.child_.pid : null,
      bufferBytes: this.bufferBytes_,
      ...this.s_,
      pollMs: this.pollMs_,
    };
  }

  // ---- events path

  private spawnEvents_(): void {
    this.restartTimer_ = null;
    if (!this.running_) return;
    const { host, counters } = this.d_;
    const argv = [this.d_.conntrackBin ?? 'conntrack', '-E', '-o', 'timestamp,extended,id', '-b', String(this.bufferBytes_)];
    if (this.d_.eventMask_) argv.push('-e', this.d_.eventMask_);
    let child: Child;
    try {
      child = host.spawn(argv, { stdout: 'lines', stderr: 'lines' });
    } catch (e) {
      counters.drop('conntrack.spawn_failed', 1, String(e));
      if (this.d_.mode !== 'events') {
        counters.inc('conntrack.fallback_proc');
        this.startProc_();
      } else {
        this.scheduleRestart_();
      }
      return;
    }
    this.child_ = child;
    this.mode_ = 'events';
    this.childStartMs_ = host.monotonic();
    if (this.pendingReconcile_) this.listenTimer_ = host.setTimeout(() => this.listening_(child), LISTEN_WAIT_MS);
    child.onLine((line, truncated) => {
      if (child !== this.child_) return;
      if (truncated) {
        counters.drop('conntrack.line_too_long', 1, line);
        return;
      }
      if (this.pendingReconcile_) this.listening_(child);
      const holds = this.d_.holds;
      const rec = holds ? parseConntrackEvent(line, counters, this.scratch_, holds) : parseConntrackEvent(line, counters);
      if (rec === null) return;
      if (rec.ts < 0) rec.ts = host.now(); // started without -o timestamp
      this.d_.onRecord(rec);
    });
    child.onStderrLine((line) => this.stderrLine_(child, line));
    child.onExit((status) => {
      if (child !== this.child_) return;
      this.child_ = null;
      if (!this.running_) return;
      this.s_.restarts++;
      counters.inc('conntrack.restarts');
      counters.drop('conntrack.exited', 1, `exit ${status.code ?? 'signal ' + status.signal}${this.s_.lastStderr ? ': ' + this.s_.lastStderr : ''}`);
      this.openGap_();
      this.scheduleRestart_();
    });
  }

  private stderrLine_(child: Child, line: string): void {
    if (child !== this.child_) return;
    const { counters } = this.d_;
    if (line.startsWith('NOTICE: Netlink socket buffer size')) {
      // printed once the socket is bound and subscribed: from here on nothing is missed
      if (this.pendingReconcile_) this.listening_(child);
      return;
    }
    this.s_.lastStderr = line.length > 200 ? line.slice(0, 200) : line;
    if (line.indexOf('ENOBUFS') >= 0 || line.indexOf('No buffer space') >= 0) {
      this.s_.enobufs++;
      counters.drop('conntrack.enobufs', 1, line);
      this.openGap_();
      const max = this.d_.bufferMaxBytes ?? 16 << 20;
      if (this.bufferBytes_ < max) {
        // restart with a bigger buffer; onExit does the restart at once (it is not failing, and
        // every millisecond without a listening child is a blind gap: flows that begin and end in
        // it are never seen)
        this.bufferBytes_ = Math.min(max, this.bufferBytes_ * 2);
        this.backoffMs_ = this.d_.backoffMinMs_ ?? 1000;
        this.restartNow_ = true;
        child.kill('SIGTERM');
      } else {
        this.reconcile_(); // at the cap it keeps running: just mend the table
      }
      return;
    }
    if (line.startsWith('This message') || line.startsWith('Please, check')) return; // rest of the warning
    counters.inc('conntrack.stderr_lines');
  }

  private openGap_(): void {
    // events are lost again: what a read in progress marked may have ended since
    if (this.read_.active()) {
      this.d_.counters.inc('conntrack.reads_restarted');
      this.read_.stop();
    }
    if (this.gapStartMs_ < 0) {
      this.gapStartMs_ = this.d_.host.monotonic();
      this.s_.gaps++;
      this.d_.counters.inc('conntrack.gaps');
    }
    this.pendingReconcile_ = true;
  }

  private scheduleRestart_(): void {
    const { host } = this.d_;
    const ranMs = host.monotonic() - this.childStartMs_;
    const min = this.d_.backoffMinMs_ ?? 1000;
    const max = this.d_.backoffMaxMs_ ?? 60_000;
    if (ranMs >= HEALTHY_RUN_MS) this.backoffMs_ = min;
    let delay = 0;
    if (this.restartNow_) this.restartNow_ = false;
    else {
      delay = this.backoffMs_;
      this.backoffMs_ = Math.min(max, this.backoffMs_ * 2);
    }
    this.restartTimer_ = host.setTimeout(() => this.spawnEvents_(), delay);
  }

  /** The child is subscribed: close the gap with a table read. */
  private listening_(child: Child): void {
    if (child !== this.child_ || !this.pendingReconcile_) return;
    if (this.listenTimer_) this.d_.host.clearTimer(this.listenTimer_);
    this.listenTimer_ = null;
    this.reconcile_();
  }

  private reconcile_(): void {
    const { host, counters } = this.d_;
    this.pendingReconcile_ = false;
    if (this.gapStartMs_ >= 0) {
      counters.inc('conntrack.gap_ms', Math.round(host.monotonic() - this.gapStartMs_));
      this.gapStartMs_ = -1;
    }
    this.read_.start(this.procPath_(), false, (r) => {
      if (!r.ok) return;
      this.s_.reconciles++;
      counters.inc('conntrack.reconciles');
    });
  }

  private procPath_(): string {
    return this.d_.procPath ?? '/proc/net/nf_conntrack';
  }

  // ---- proc path

  private startProc_(): void {
    this.mode_ = 'proc';
    this.polled_ = false;
    this.poll_();
  }

  private poll_(): void {
    this.pollTimer_ = null;
    if (!this.running_) return;
    // the first look adopts: these flows predate us (start from delta-time or unknown)
    const first = !this.polled_;
    if (!this.read_.start(this.procPath_(), !first, (r) => this.pollDone_(r, first))) this.pollDone_(null, first);
  }

  /** Schedules the next poll from what this one saw (null: the table could not be read). */
  private pollDone_(r: TableReadResult | null, first: boolean): void {
    const { counters } = this.d_;
    let size = 0;
    let churn = 0;
    if (r !== null && r.ok) {
      this.s_.polls++;
      counters.inc('conntrack.polls');
      size = r.entries;
      churn = first ? 1 : r.started + r.ended;
      this.polled_ = true;
    }
    const o = { size, churn, prevMs: this.pollMs_, minMs: this.d_.pollMinMs ?? 2000, maxMs: this.d_.pollMaxMs ?? 30_000 };
    this.pollMs_ = pollIntervalMs(o);
    if (this.running_) this.pollTimer_ = this.d_.host.setTimeout(() => this.poll_(), this.pollMs_);
  }
}
