// The one-line summary a run prints at its end: events by kind, then every skip and drop by
// reason, so nothing is lost without a trace.
import type { Counters } from '../counters';
import { keysOf } from '../compat/lang';

export function summaryLine(what: string, counters: Counters): string {
  const { counters: c, dropped } = counters.snapshot();
  /** `name=count` of the sorted keys that `pick` takes ('' when none), `cut` characters off. */
  const list = (o: Record<string, number>, pick: (k: string) => boolean, none: string, cut = 0): string =>
    keysOf(o).filter(pick).sort().map((k) => `${k.slice(cut)}=${o[k]}`).join(' ') || none;
  // Lines deliberately passed over (dnsmasq's start-up chatter, other programs) are not errors,
  // but they are still accounted for.
  return `${what}: events ${list(c, (k) => k.startsWith('events_'), 'none', 7)}; read ${list(c, (k) => k.endsWith('_lines'), 'nothing')}; ignored ${list(c, (k) => k.indexOf('ignored') >= 0, 'none')}; skipped ${list(dropped, () => true, 'none')}`;
}
