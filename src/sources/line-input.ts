// Where a live source's lines come from: a long-running child (e.g. `logread -f -e dnsmasq`),
// a followed file, or stdin. A child that exits is restarted with capped exponential backoff;
// each restart is counted, so a flapping input shows up in `health`.
import type { Host, Child, Follower, TimerHandle } from '../host/types';
import type { Counters } from '../counters';
import { errorText } from '../compat/lang';

export type LineInputSpec =
  | { kind: 'command'; argv: string[] }
  | { kind: 'file'; path: string; fromStart?: boolean }
  | { kind: 'stdin' };

export interface LineInputDeps {
  host: Host;
  counters: Counters;
  /** Counter prefix, e.g. 'dnsmasq'. */
  name: string;
  spec: LineInputSpec;
  onLine: (line: string, truncated: boolean) => void;
  /** Called when stdin ends (other kinds never end by themselves). */
  onEnd?: () => void;
  backoffMinMs?: number;
  backoffMaxMs?: number;
}

export class LineInput {
  private child_: Child | null = null;
  private follower_: Follower | null = null;
  private retry_: TimerHandle | null = null;
  private backoff_: number;
  private stopped_ = false;
  private startedAt_ = 0;

  private readonly deps_: LineInputDeps;

  constructor(deps_: LineInputDeps) {
    this.deps_ = deps_;
    this.backoff_ = deps_.backoffMinMs ?? 500;
  }

  start(): void {
    this.stopped_ = false;
    const { spec, host } = this.deps_;
    if (spec.kind === 'file') {
      this.follower_ = host.follow(spec.path, { fromStart: spec.fromStart ?? false }, this.deps_.onLine, (n) =>
        this.deps_.counters.inc(`${this.deps_.name}_file_${n.kind}`),
      );
    } else if (spec.kind === 'stdin') {
      host.stdinLines(this.deps_.onLine, () => this.deps_.onEnd?.());
    } else {
      this.spawn_(spec.argv);
    }
  }

  stop(): void {
    this.stopped_ = true;
    if (this.retry_) this.deps_.host.clearTimer(this.retry_);
    this.retry_ = null;
    this.follower_?.stop();
    this.follower_ = null;
    const c = this.child_;
    this.child_ = null;
    c?.kill('SIGTERM');
  }

  private spawn_(argv: string[]): void {
    const { host, counters, name } = this.deps_;
    let child: Child;
    try {
      child = host.spawn(argv, { stdout: 'lines', stderr: 'lines' });
    } catch (e) {
      counters.drop(`${name}_spawn_failed`, 1, errorText(e));
      this.scheduleRestart_(argv);
      return;
    }
    this.child_ = child;
    this.startedAt_ = host.monotonic();
    counters.inc(`${name}_started`);
    child.onLine(this.deps_.onLine);
    child.onStderrLine((l) => counters.drop(`${name}_stderr`, 1, l));
    child.onExit(() => {
      if (this.child_ !== child) return;
      this.child_ = null;
      if (this.stopped_) return;
      counters.inc(`${name}_exited`);
      // A child that ran a while before dying earns a fresh, short backoff.
      if (host.monotonic() - this.startedAt_ > 60_000) this.backoff_ = this.deps_.backoffMinMs ?? 500;
      this.scheduleRestart_(argv);
    });
  }

  private scheduleRestart_(argv: string[]): void {
    if (this.stopped_) return;
    const max = this.deps_.backoffMaxMs ?? 30_000;
    const delay = Math.min(this.backoff_, max);
    this.backoff_ = Math.min(this.backoff_ * 2, max);
    this.retry_ = this.deps_.host.setTimeout(() => {
      this.retry_ = null;
      if (!this.stopped_) this.spawn_(argv);
    }, delay);
  }
}
