// Fairness of the QuickJS event loop between children (src/host/quickjs-child.ts). QuickJS
// serves one ready descriptor per loop turn, the first in registration order, so without
// requeueing a child whose pipe never runs dry (dnsmasq's log through `logread -f` in a query
// flood) would starve every child registered after it (conntrack -E: its pipe fills, the kernel's
// netlink queue overflows, ENOBUFS). Not timing-based: the flooding child is made to refill its
// pipe before every loop turn, so without requeueing the later child is never read.
import type { Cases } from '../support/cases';
import { ok } from '../support/check';
import { createQuickJsHost } from '../../src/host/quickjs';

const host = createQuickJsHost();
/** 127 characters + newline: 512 lines fill one 64 KiB read. */
const LINE = 'y'.repeat(127);
const CHUNK_LINES = 512;

/** Process state from /proc/PID/stat ('S' for `yes` means it is blocked writing a full pipe). */
function state(pid: number): string {
  const s = host.readText(`/proc/${pid}/stat`);
  return s.charAt(s.lastIndexOf(')') + 2);
}

export const cases: Cases = {
  'a child that floods its pipe does not starve a child spawned after it': async () => {
    const flood = host.spawn(['yes', LINE]);
    let floodLines = 0;
    let lateLineAt = -1;
    let floodExited = false;
    const floodDone = new Promise<void>((res) => flood.onExit(() => res()));
    await new Promise<void>((res) => host.setTimeout(res, 50)); // `yes` has filled its pipe
    const late = host.spawn(['echo', 'late']);
    const lateDone = new Promise<void>((res) => late.onExit(() => res()));
    late.onLine(() => {
      if (lateLineAt < 0) lateLineAt = floodLines;
    });
    await new Promise<void>((res) => {
      flood.onLine(() => {
        floodLines++;
        if (floodLines === 20 * CHUNK_LINES || lateLineAt >= 0) {
          if (!floodExited) flood.kill('SIGKILL');
          floodExited = true;
          res();
          return;
        }
        // the pipe is full again before the next loop turn: `flood` stays ready
        const until = host.monotonic() + 5000;
        while (state(flood.pid) !== 'S' && host.monotonic() < until);
      });
    });
    await floodDone;
    await lateDone;
    ok(lateLineAt >= 0 && lateLineAt <= 2 * CHUNK_LINES,
      `the later child's line arrived after ${lateLineAt < 0 ? 'never' : lateLineAt} lines of the flood (want within 2 reads, ${2 * CHUNK_LINES} lines)`);
  },
};
