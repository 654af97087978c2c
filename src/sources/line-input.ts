// Where a live source's lines come from: a long-running child (e.g. `logread -f -e dnsmasq`),
// a followed file, or stdin. A child that exits is restarted with capped exponential backoff;
// each restart is counted, so a flapping input shows up in `health`.
import type { Host, Child, Follower, TimerHandle } from '../host/types';
import type { Counters } from '../counters';
import { errorText, minOf } from '../compat/lang';

export interface LineInputDeps {
  host: Host;
  counters: Counters;
  /** Counter prefix, and the process whose syslog lines `logread` follows, e.g. 'dnsmasq'. */
  name: string;
  /**
   * As the dnsmasq section has them (the agent spreads it in): 'logread' follows the system log
   * (`logread -f -e <name>`, restarted when it exits), 'file' follows `file` from its end, 'stdin'
   * reads standard input until it ends.
   */
  input: 'logread' | 'file' | 'stdin';
  file: string;
  onLine: (line: string, truncated: boolean) => void;
}

export interface LineInput {
  start(): void;
  stop(): void;
}

/** A failing child is restarted after 0.5 s, doubling up to 30 s. */
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 30_000;

/**
 * `new LineInput(deps)`: a constructor function returning its object, whose state is closure
 * locals (short names in the bundle, where a class's members are `this.x` each time).
 */
export const LineInput = function ({ host, counters, name, input, file, onLine }: LineInputDeps): LineInput {
  let child: Child | null = null;
  let follower: Follower | null = null;
  let retry: TimerHandle | null = null;
  let backoff = BACKOFF_MIN_MS;
  let stopped = false;
  let startedAt = 0;

  const scheduleRestart = (): void => {
    if (stopped) return;
    retry = host.setTimeout(() => {
      retry = null;
      if (!stopped) spawn();
    }, backoff);
    backoff = minOf(backoff * 2, BACKOFF_MAX_MS);
  };

  const spawn = (): void => {
    let c: Child;
    try {
      c = host.spawn(['logread', '-f', '-e', name], { stdout: 'lines', stderr: 'lines' });
    } catch (e) {
      counters.drop(`${name}_spawn_failed`, 1, errorText(e));
      return scheduleRestart();
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
      if (host.monotonic() - startedAt > 60_000) backoff = BACKOFF_MIN_MS;
      scheduleRestart();
    });
  };

  return {
    start() {
      stopped = false;
      if (input === 'file') {
        follower = host.follow(file, { fromStart: false }, onLine, (n) => counters.inc(`${name}_file_${n.kind}`));
      } else if (input === 'stdin') {
        host.stdinLines(onLine, () => {});
      } else spawn();
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
