// Where a live source's lines come from: a long-running child (e.g. `logread -f -e dnsmasq`),
// a followed file, or stdin. A child that exits is restarted with capped exponential backoff;
// each restart is counted, so a flapping input shows up in `health`.
import type { Host, Child, Follower, TimerHandle } from '../host/types';
import type { Counters } from '../counters';

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
  private child: Child | null = null;
  private follower: Follower | null = null;
  private retry: TimerHandle | null = null;
  private backoff: number;
  private stopped = false;
  private startedAt = 0;

  constructor(private readonly deps: LineInputDeps) {
    this.backoff = deps.backoffMinMs ?? 500;
  }

  start(): void {
    this.stopped = false;
    const { spec, host } = this.deps;
    if (spec.kind === 'file') {
      this.follower = host.follow(spec.path, { fromStart: spec.fromStart ?? false }, this.deps.onLine, (n) =>
        this.deps.counters.inc(`${this.deps.name}_file_${n.kind}`),
      );
    } else if (spec.kind === 'stdin') {
      host.stdinLines(this.deps.onLine, () => this.deps.onEnd?.());
    } else {
      this.spawn(spec.argv);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) this.deps.host.clearTimer(this.retry);
    this.retry = null;
    this.follower?.stop();
    this.follower = null;
    const c = this.child;
    this.child = null;
    c?.kill('SIGTERM');
  }

  private spawn(argv: string[]): void {
    const { host, counters, name } = this.deps;
    let child: Child;
    try {
      child = host.spawn(argv, { stdout: 'lines', stderr: 'lines' });
    } catch (e) {
      counters.drop(`${name}_spawn_failed`, 1, String((e as Error).message ?? e));
      this.scheduleRestart(argv);
      return;
    }
    this.child = child;
    this.startedAt = host.monotonic();
    counters.inc(`${name}_started`);
    child.onLine(this.deps.onLine);
    child.onStderrLine((l) => counters.drop(`${name}_stderr`, 1, l));
    child.onExit(() => {
      if (this.child !== child) return;
      this.child = null;
      if (this.stopped) return;
      counters.inc(`${name}_exited`);
      // A child that ran a while before dying earns a fresh, short backoff.
      if (host.monotonic() - this.startedAt > 60_000) this.backoff = this.deps.backoffMinMs ?? 500;
      this.scheduleRestart(argv);
    });
  }

  private scheduleRestart(argv: string[]): void {
    if (this.stopped) return;
    const max = this.deps.backoffMaxMs ?? 30_000;
    const delay = Math.min(this.backoff, max);
    this.backoff = Math.min(this.backoff * 2, max);
    this.retry = this.deps.host.setTimeout(() => {
      this.retry = null;
      if (!this.stopped) this.spawn(argv);
    }, delay);
  }
}
