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

export interface LineInput {
  start(): void;
  stop(): void;
}

/**
 * `new LineInput(deps)`: a constructor function returning its object, whose state is closure
 * locals (short names in the bundle, where a class's members are `this.x` each time).
 */
export const LineInput = function ({ host, counters, name, spec, onLine, onEnd, backoffMinMs = 500, backoffMaxMs = 30_000 }: LineInputDeps): LineInput {
  let child: Child | null = null;
  let follower: Follower | null = null;
  let retry: TimerHandle | null = null;
  let backoff = backoffMinMs;
  let stopped = false;
  let startedAt = 0;

  const scheduleRestart = (argv: string[]): void => {
    if (stopped) return;
    const delay = Math.min(backoff, backoffMaxMs);
    backoff = Math.min(backoff * 2, backoffMaxMs);
    retry = host.setTimeout(() => {
      retry = null;
      if (!stopped) spawn(argv);
    }, delay);
  };

  const spawn = (argv: string[]): void => {
    let c: Child;
    try {
      c = host.spawn(argv, { stdout: 'lines', stderr: 'lines' });
    } catch (e) {
      counters.drop(`${name}_spawn_failed`, 1, errorText(e));
      return scheduleRestart(argv);
    }
    child = c;
    startedAt = host.monotonic();
    counters.inc(`${name}_started`);
    c.onLine(onLine);
    c.onStderrLine((l) => counters.drop(`${name}_stderr`, 1, l));
    c.onExit(() => {
      if (child !== c) return;
      child = null;
      if (stopped) return;
      counters.inc(`${name}_exited`);
      // A child that ran a while before dying earns a fresh, short backoff.
      if (host.monotonic() - startedAt > 60_000) backoff = backoffMinMs;
      scheduleRestart(argv);
    });
  };

  return {
    start() {
      stopped = false;
      if (spec.kind === 'file') {
        follower = host.follow(spec.path, { fromStart: spec.fromStart ?? false }, onLine, (n) => counters.inc(`${name}_file_${n.kind}`));
      } else if (spec.kind === 'stdin') {
        host.stdinLines(onLine, () => onEnd?.());
      } else spawn(spec.argv);
    },
    stop() {
      const c = child;
      stopped = true;
      if (retry) host.clearTimer(retry);
      follower?.stop();
      retry = follower = child = null;
      c?.kill('SIGTERM');
    },
  };
} as unknown as new (deps: LineInputDeps) => LineInput;
